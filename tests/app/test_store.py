"""The session store's contract, against both implementations (SQLite, and PostgreSQL on
the tests' own server: tests/postgres.py): records replaced, history appended in chunks
(or rewritten from row 0), deletes, and damage that costs only the session it touches.
Then what is PostgreSQL's alone: its tables made and versioned at start, by one of several
servers starting at once, and its password kept out of every message."""

import sqlite3

import pytest

from app.store import Save, SQLiteStore
from core.history import COLUMNS
from tests.app.stores import sql


def rows(steps) -> dict:
    steps = list(steps)
    return {
        name: (
            steps
            if name == "step"
            else [
                None if name == "grad_norm" and s == 0 else ([float(s)] if name == "grad_norm" else s * 0.5)
                for s in steps
            ]
        )
        for name in COLUMNS
    }


def record(step: int) -> dict:
    return {"format": "nnplay-session/1", "run": {"step": step, "history": None}}


@pytest.fixture
def store(stores):
    s = stores.open()
    yield s
    s.close()


def loaded(store) -> dict:
    return {sid: (rec, problem) for sid, rec, problem in store.load_all()}


def test_history_is_appended_in_chunks_and_read_back_whole(store):
    store.save_many({"a": Save(record(3), rows(range(4)), 0), "b": Save(record(1), rows(range(2)), 0)})
    store.save_many({"a": Save(record(5), rows(range(4, 6)), 4)})
    store.save_many({"a": Save(record(5), rows([]), 6)})  # nothing new: the record alone
    got = loaded(store)
    assert got["a"][0]["run"]["step"] == 5 and got["a"][0]["run"]["history"] == rows(range(6))
    assert got["b"][0]["run"]["history"] == rows(range(2))
    assert sql(store, "SELECT first_row FROM history WHERE id = 'a' ORDER BY first_row") == [(0,), (4,)]


def test_a_save_from_row_zero_replaces_the_history(store):
    store.save_many({"a": Save(record(9), rows(range(10)), 0)})
    store.save_many({"a": Save(record(9), rows(range(10, 12)), 10)})
    store.save_many({"a": Save(record(2), rows(range(3)), 0)})  # a reset or a rewind
    assert loaded(store)["a"][0]["run"]["history"] == rows(range(3))
    assert sql(store, "SELECT count(*) FROM history WHERE id = 'a'") == [(1,)]


def test_delete_removes_record_and_history(store):
    store.save_many({"a": Save(record(1), rows(range(2)), 0), "b": Save(record(1), rows(range(2)), 0)})
    store.delete("a")
    assert set(loaded(store)) == {"b"}
    assert sql(store, "SELECT count(*) FROM history WHERE id = 'a'") == [(0,)]


@pytest.mark.parametrize("damage", ["gap", "garbage", "ragged", "missing"])
def test_damaged_history_costs_only_its_session(store, damage):
    store.save_many({"a": Save(record(3), rows(range(4)), 0), "ok": Save(record(1), rows(range(2)), 0)})
    store.save_many({"a": Save(record(5), rows(range(4, 6)), 4)})
    if damage == "gap":
        sql(store, "DELETE FROM history WHERE id = 'a' AND first_row = 0")
    elif damage == "garbage":
        sql(store, "UPDATE history SET rows = ? WHERE id = 'a' AND first_row = 4", (b"{nope",))
    elif damage == "ragged":
        sql(
            store,
            "UPDATE history SET rows = ? WHERE id = 'a' AND first_row = 4",
            (b'{"step": [4, 5], "epoch": [1]}',),
        )
    else:
        sql(store, "DELETE FROM history WHERE id = 'a'")
    got = loaded(store)
    assert got["a"][0] is None and got["a"][1].startswith("unreadable record")
    assert got["ok"][1] is None and got["ok"][0]["run"]["history"] == rows(range(2))


def test_an_older_record_with_its_history_inline_still_loads(tmp_path):
    db = sqlite3.connect(tmp_path / "sessions.sqlite3")
    db.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, saved REAL NOT NULL, record BLOB NOT NULL)")
    db.execute(
        "INSERT INTO sessions VALUES ('old', 0, ?)",
        (b'{"format": "nnplay-session/1", "run": {"step": 0, "history": {"step": [0]}}}',),
    )
    db.commit()
    db.close()
    store = SQLiteStore(tmp_path / "sessions.sqlite3")
    ((sid, rec, problem),) = store.load_all()
    assert sid == "old" and problem is None and rec["run"]["history"] == {"step": [0]}
    store.close()


def test_the_database_and_its_journal_are_for_the_servers_user_alone(tmp_path):
    """It holds every session's id, the secret that drives the session."""
    import stat

    old = tmp_path / "old"
    old.mkdir()
    (old / "sessions.sqlite3").touch(mode=0o644)  # made before the rule
    for folder in (tmp_path, old):
        store = SQLiteStore(folder / "sessions.sqlite3")
        store.save_many({"abc": Save({"format": "x"}, {"step": [0]}, 0)})
        made = sorted(p.name for p in folder.iterdir() if p.name.startswith("sessions.sqlite3"))
        assert "sessions.sqlite3-wal" in made, made
        for name in made:
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
        store.close()


def test_history_chunks_from_before_the_evaluated_column_read_as_evaluated_rows(store):
    older = {name: values for name, values in rows(range(3)).items() if name != "evaluated"}
    store.save_many({"a": Save(record(2), older, 0)})
    store.save_many({"a": Save(record(4), rows(range(3, 5)), 3)})
    history = loaded(store)["a"][0]["run"]["history"]
    assert history["evaluated"] == [True] * 3 + rows(range(3, 5))["evaluated"]
    assert {name: history[name][:3] for name in older} == older


def test_load_gives_one_session_as_load_all_does(store):
    store.save_many({"a": Save(record(3), rows(range(4)), 0), "bad": Save(record(1), rows(range(2)), 0)})
    sql(store, "UPDATE sessions SET record = ? WHERE id = 'bad'", (b"{nope",))
    assert store.load("a") == loaded(store)["a"][0] and store.load("a")["run"]["history"] == rows(range(4))
    assert store.load("nobody") is None
    with pytest.raises(ValueError, match="unreadable record"):
        store.load("bad")


def test_a_session_that_cannot_be_written_costs_only_itself(store):
    """An integer past 64 bits in one record: that session is left out, and said why."""
    failed = store.save_many(
        {"ok": Save(record(1), rows(range(2)), 0), "huge": Save(record(2**70), rows(range(2)), 0)}
    )
    assert list(failed) == ["huge"] and "cannot be written" in failed["huge"]
    assert set(loaded(store)) == {"ok"}


def test_a_kept_copy_holds_the_store_as_it_was(store):
    store.save_many({"a": Save(record(3), rows(range(4)), 0), "b": Save(record(1), rows(range(2)), 0)})
    where = store.keep_copy()
    store.delete("a")
    again = store.keep_copy()  # a second copy the same second goes elsewhere
    assert again != where
    if isinstance(store, SQLiteStore):
        kept = sqlite3.connect(where)
        ids = kept.execute("SELECT id FROM sessions ORDER BY id").fetchall()
        chunks = kept.execute("SELECT count(*) FROM history").fetchall()
        kept.close()
    else:  # "schema <name> of the PostgreSQL database <name>"
        schema = where.split()[1]
        assert schema.startswith("nnplay_kept_"), where
        ids = sql(store, f'SELECT id FROM "{schema}".sessions ORDER BY id')
        chunks = sql(store, f'SELECT count(*) FROM "{schema}".history')
    assert ids == [("a",), ("b",)] and chunks == [(2,)]
    assert set(loaded(store)) == {"b"}
