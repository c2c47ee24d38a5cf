"""The play clock's pieces that need no socket."""

import secrets

from app.playclock import _phase


def test_play_phases_spread_sessions_over_the_tick():
    ids = [secrets.token_urlsafe(16) for _ in range(2000)]
    phases = [_phase(i) for i in ids]
    assert all(0.0 <= p < 1.0 for p in phases)
    assert _phase(ids[0]) == phases[0]  # the same session always gets the same phase
    tenths = [sum(1 for p in phases if k / 10 <= p < (k + 1) / 10) for k in range(10)]
    assert min(tenths) > 120 and max(tenths) < 280  # about 200 each: no bunching
