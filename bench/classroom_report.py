"""The classroom load's analysis: what the clients recorded, against the issue's targets,
as numbers and as a table. Used by bench/classroom_load.py (which runs the load)."""

from __future__ import annotations

import os
import statistics

MiB = 1024 * 1024

# Targets (the issue's numbers).
MAX_P95_DELAY = 0.250  # s
MAX_MIB_PER_SESSION = 2.0
DROP_GAP = 5.0  # s without a frame counts as a dropped session
RECONNECT_LIMIT = 30.0  # s from the kill to the first frame after reconnecting
RECONNECT_SHARE = 0.99
MAX_LOST_SECONDS = 5.0  # training lost by a restart
FLAT_MIB_PER_SESSION = 0.5  # growth while streaming, a session, over the run: "flat"


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 with fewer than two points)."""
    if len(points) < 2:
        return 0.0
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def summarize(
    clients: list,
    samples: list,
    marks: dict,
    *,
    sessions: int,
    seconds: float,
    fps: float,
    restart: bool,
    grid,
    presets,
    save_interval: float,
) -> dict:
    """The run's numbers and their verdicts: `clients` are classroom_load's Client records,
    `samples` (time, RSS) pairs, `marks` the moments and readings the run noted."""
    t0, t_end = marks.get("t0"), marks.get("t_end")
    kill = marks.get("kill")
    dropped: dict[int, str] = {}
    rates, step_rates, delays = [], [], []
    if t0 is None:  # the run did not get as far as streaming
        dropped = {c.index: "never streamed" for c in clients}
    for c in clients if t0 is not None else []:
        window = [f for f in c.frames if t0 <= f[0] <= t_end]
        playing = [f for f in window if f[3]]
        rates.append(len(playing) / (t_end - t0))
        if len(playing) > 1:
            step_rates.append((playing[-1][2] - playing[0][2]) / (playing[-1][0] - playing[0][0]))
        else:
            step_rates.append(0.0)
        delays.extend(f[0] - f[1] for f in playing)
        lost = [why for (t, _, why) in c.closes if t < (kill or float("inf")) and t <= t_end]
        times = [t0] + [f[0] for f in window] + [t_end]
        gap = max(b - a for a, b in zip(times, times[1:]))
        if not c.played:
            dropped[c.index] = "never got its first snapshot"
        elif lost:
            dropped[c.index] = lost[0]
        elif gap > DROP_GAP:
            dropped[c.index] = f"no frame for {gap:.1f} s"
        elif not playing:
            dropped[c.index] = "no training frames"

    result = {
        "sessions": sessions,
        "seconds": seconds,
        "fps": fps,
        "grid": grid,
        "presets": list(presets),
        "save_interval": save_interval,
        "marks": marks,
        "dropped": dropped,
        "ready": marks.get("ready", 0),
        "fps_median": statistics.median(rates) if rates else 0.0,
        "fps_min": min(rates) if rates else 0.0,
        "steps_per_s_median": statistics.median(step_rates) if step_rates else 0.0,
        "steps_per_s_min": min(step_rates) if step_rates else 0.0,
        "delay_p50": _quantile(delays, 0.50),
        "delay_p95": _quantile(delays, 0.95),
        "delay_max": max(delays) if delays else float("nan"),
        "frames": len(delays),
        "messages": [m for c in clients for m in c.messages][:20],
    }

    # Memory: the first server's RSS, from before the sessions to the end of streaming.
    base, created, end = marks.get("rss_baseline"), marks.get("rss_created"), marks.get("rss_end")
    result.update(rss_baseline=base, rss_created=created, rss_end=end)
    if base and end:
        result["mib_per_session"] = (end - base) / MiB / sessions
    if t0 is not None:
        skip = t0 + min(5.0, 0.1 * seconds)  # playing starts allocating: leave the first seconds
        first_pid = samples[0][2] if samples else None
        points = [(t - t0, rss / MiB) for t, rss, pid in samples if skip <= t <= t_end and pid == first_pid]
        slope = _slope(points)  # MiB/s
        result["rss_slope_mib_per_min"] = 60 * slope
        result["growth_mib_per_session"] = slope * (t_end - t0) / sessions
        result["rss_samples"] = len(points)

    if "server_cpu" in marks and delays:
        result["server_cpu_ms_per_frame"] = 1000 * marks["server_cpu"] * (t_end - t0) / len(delays)

    if restart and kill is not None:
        saved = marks.get("saved") or {}
        back, lost_s, lost_steps, ahead, resumed, missing = [], [], [], [], 0, {}
        for c in clients:
            before = [f for f in c.frames if f[0] < kill]
            after = [f for f in c.frames if c.kill_conn is not None and f[4] > c.kill_conn]
            if not after:
                missing[c.index] = "gone (4404)" if c.gone else "no frame after the restart"
                continue
            first = after[0]
            back.append(first[0] - kill)
            # Training lost: the last step the student saw before the kill minus the step
            # the new server restored (from the store the killed server left). Without a
            # record, the first step shown after reconnecting stands in for it.
            restored = saved[c.session_id][0] if c.session_id in saved else first[2]
            if before:
                steps = before[-1][2] - restored
                lost_steps.append(steps)
                lost_s.append(max(0, steps) / fps)
            ahead.append(first[2] - restored)
            if any(f[3] and f[2] > first[2] for f in after):
                resumed += 1
        within = sum(1 for b in back if b <= RECONNECT_LIMIT)
        ages = [kill - rec[2] for rec in saved.values()]
        result.update(
            reconnected=len(back),
            reconnected_within=within,
            reconnect_share=within / len(clients) if clients else 0.0,
            reconnect_p50=_quantile(back, 0.5),
            reconnect_p95=_quantile(back, 0.95),
            reconnect_max=max(back) if back else float("nan"),
            lost_max_s=max(lost_s) if lost_s else float("nan"),
            lost_median_s=statistics.median(lost_s) if lost_s else float("nan"),
            lost_steps_min=min(lost_steps) if lost_steps else None,
            lost_steps_max=max(lost_steps) if lost_steps else None,
            saved_records=len(saved),
            saved_playing=sum(1 for rec in saved.values() if rec[1]),
            save_age_max=max(ages) if ages else float("nan"),
            trained_before_first_frame_max=max(ahead) if ahead else None,
            resumed=resumed,
            not_back=missing,
        )
    result["rows"] = table_rows(result)
    result["all_met"] = all(row[3] != "NOT MET" for row in result["rows"])
    return result


def _mib(value) -> str:
    return "-" if value is None else f"{value / MiB:.1f} MiB"


def _ms(value) -> str:
    return "-" if value != value else f"{1000 * value:.1f} ms"


def _verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def table_rows(r: dict) -> list[tuple[str, str, str, str]]:
    """(measure, value, target, verdict); a heading has empty value, target and verdict."""
    n, fps, marks = r["sessions"], r["fps"], r["marks"]
    rows = [(f"streaming: {n} sessions x {fps:g} frames/s for {r['seconds']:g} s", "", "", "")]
    rows.append(("  dropped sessions", f"{len(r['dropped'])} of {n}", "0", _verdict(not r["dropped"])))
    rows.append(
        (
            "  frames/s per client, median",
            f"{r['fps_median']:.2f}",
            f">= {0.95 * fps:.2f} (95%)",
            _verdict(r["fps_median"] >= 0.95 * fps),
        )
    )
    rows.append(
        (
            "  frames/s per client, min",
            f"{r['fps_min']:.2f}",
            f">= {0.9 * fps:.2f} (90%)",
            _verdict(r["fps_min"] >= 0.9 * fps),
        )
    )
    rows.append(
        (
            "  steps/s per client, median / min",
            f"{r['steps_per_s_median']:.2f} / {r['steps_per_s_min']:.2f}",
            f"asked {fps:g}",
            "",
        )
    )
    rows.append(("  frame delay p50", _ms(r["delay_p50"]), "", ""))
    rows.append(
        (
            "  frame delay p95",
            _ms(r["delay_p95"]),
            f"< {MAX_P95_DELAY * 1000:.0f} ms",
            _verdict(r["delay_p95"] < MAX_P95_DELAY),
        )
    )
    rows.append(("  frame delay max", _ms(r["delay_max"]), "", ""))
    rows.append(("  frames measured", f"{r['frames']}", "", ""))
    lag = marks.get("loop_lag") or {}
    if "p95" in lag:
        rows.append(
            (
                "  server event-loop lag p95 / max (last 20 s)",
                f"{lag['p95'] or 0:.1f} / {lag['max'] or 0:.1f} ms",
                "",
                "",
            )
        )
    if "server_cpu" in marks:
        rows.append(
            (
                "  CPU: server (frame workers included) / this script (1.0 = a core)",
                f"{marks['server_cpu']:.2f} / {marks['client_cpu']:.2f}",
                "",
                "",
            )
        )
    if "loop_running" in marks:
        rows.append(
            (
                "  server main thread: running / waiting for a CPU",
                f"{100 * marks['loop_running']:.0f}% / {100 * marks['loop_waiting']:.0f}%",
                "",
                "",
            )
        )
    if "server_cpu_ms_per_frame" in r:
        per_frame = r["server_cpu_ms_per_frame"]
        rows.append(
            (
                "  server CPU a frame (its step included)",
                f"{per_frame:.2f} ms",
                f"<= {1000 / (n * fps):.2f} ms to fit a core",
                "",
            )
        )

    rows.append(("memory (server RSS, VmRSS)", "", "", ""))
    rows.append(("  baseline, no sessions", _mib(r.get("rss_baseline")), "", ""))
    rows.append((f"  after creating {n} sessions", _mib(r.get("rss_created")), "", ""))
    rows.append(("  end of streaming", _mib(r.get("rss_end")), "", ""))
    per = r.get("mib_per_session")
    rows.append(
        (
            "  per session: (end - baseline) / N",
            "-" if per is None else f"{per:.3f} MiB",
            f"< {MAX_MIB_PER_SESSION:g} MiB",
            _verdict(per is not None and per < MAX_MIB_PER_SESSION),
        )
    )
    if "rss_slope_mib_per_min" in r:
        growth = r["growth_mib_per_session"]
        rows.append(
            (
                "  slope while streaming (least squares)",
                f"{r['rss_slope_mib_per_min']:+.2f} MiB/min ({r['rss_samples']} samples)",
                "",
                "",
            )
        )
        rows.append(
            (
                "  growth while streaming, a session",
                f"{growth * 1024:+.1f} KiB",
                f"flat: < {FLAT_MIB_PER_SESSION * 1024:.0f} KiB",
                _verdict(growth < FLAT_MIB_PER_SESSION),
            )
        )
        steps = r["steps_per_s_median"] * (r["marks"]["t_end"] - r["marks"]["t0"])
        if steps > 0 and per is not None and growth > 0:
            per_step = growth * MiB / steps
            minutes = (MAX_MIB_PER_SESSION - per) * MiB / per_step / fps / 60
            rows.append(("  growth a training step, a session", f"{per_step / 1024:.2f} KiB", "", ""))
            # Linear: an upper bound. Most of a young session's growth is its time-travel
            # checkpoints, which stop at their budget (core/timeline.py); then only the
            # history grows, by about 70 bytes a step.
            rows.append(
                (
                    f"  2 MiB a session at this rate ({fps:g} steps/s) after",
                    f"~{max(0.0, minutes):.0f} min more (linear)",
                    "",
                    "",
                )
            )

    if "reconnected" in r:
        rows.append(("restart: SIGKILL, new server on the same port and data", "", "", ""))
        if "back_listening_s" in marks:
            rows.append(
                ("  new server accepting connections after", f"{marks['back_listening_s']:.1f} s", "", "")
            )
        if r.get("saved_records") is not None:
            rows.append(
                (
                    "  records in the store at the kill / marked playing",
                    f"{r['saved_records']} / {r['saved_playing']}",
                    f"{n} / {n}",
                    _verdict(r["saved_records"] == n and r["saved_playing"] == n),
                )
            )
            rows.append(
                (
                    "  oldest record's age at the kill",
                    f"{r['save_age_max']:.1f} s",
                    f"save interval {r['save_interval']:g} s",
                    "",
                )
            )
        if "restart_error" in marks:
            rows.append(("  new server", "did not start", "starts", "NOT MET"))
        share = r["reconnect_share"]
        rows.append(
            (
                f"  clients back within {RECONNECT_LIMIT:.0f} s (first frame)",
                f"{r['reconnected_within']} of {n} ({100 * share:.1f}%)",
                f">= {100 * RECONNECT_SHARE:.0f}%",
                _verdict(share >= RECONNECT_SHARE),
            )
        )
        rows.append(
            (
                "  time to first frame p50 / p95 / max",
                f"{r['reconnect_p50']:.1f} / {r['reconnect_p95']:.1f} / {r['reconnect_max']:.1f} s",
                "",
                "",
            )
        )
        rows.append(
            (
                f"  training lost, max (last step seen - restored) / {fps:g}",
                f"{r['lost_max_s']:.1f} s ({r['lost_steps_max']} steps)",
                f"<= {MAX_LOST_SECONDS:g} s",
                _verdict(r["lost_max_s"] <= MAX_LOST_SECONDS),
            )
        )
        rows.append(("  training lost, median", f"{r['lost_median_s']:.1f} s", "", ""))
        rows.append(
            (
                "  steps trained before the first frame back, max",
                f"{r['trained_before_first_frame_max']}",
                "",
                "",
            )
        )
        rows.append(
            (
                "  sessions training again without a new play",
                f"{r['resumed']} of {n}",
                "all",
                _verdict(r["resumed"] == n),
            )
        )
        rows.append(
            (
                "  server RSS after restoring / at the end",
                f"{_mib(marks.get('rss_restored'))} / {_mib(marks.get('rss_after_restart'))}",
                "",
                "",
            )
        )
    return rows


def format_report(r: dict) -> str:
    marks = r["marks"]

    def la(key):
        return " ".join(f"{x:.2f}" for x in marks.get(key, ()))

    lines = [
        f"classroom load: {r['sessions']} sessions ({', '.join(r['presets'])}; grid "
        f"{r['grid'] or 'off'}), {r['fps']:g} steps and frames/s, {r['seconds']:g} s, "
        f"save interval {r['save_interval']:g} s",
        f"machine: {os.cpu_count()} cores; load average (1/5/15 min) at start {la('load_start')}, "
        f"after streaming {la('load_mid')}, at the end {la('load_end')}",
        "",
    ]
    width = max(len(row[0]) for row in r["rows"]) + 2
    vwidth = max(len(row[1]) for row in r["rows"]) + 2
    twidth = max(len(row[2]) for row in r["rows"]) + 2
    lines.append(f"{'measure':<{width}}{'value':<{vwidth}}{'target':<{twidth}}verdict")
    for measure, value, target, verdict in r["rows"]:
        lines.append(f"{measure:<{width}}{value:<{vwidth}}{target:<{twidth}}{verdict}".rstrip())
    if r["dropped"]:
        lines.append("")
        lines.append("dropped: " + "; ".join(f"#{i}: {why}" for i, why in list(r["dropped"].items())[:10]))
    if r.get("not_back"):
        lines.append(
            "not back after the restart: "
            + "; ".join(f"#{i}: {why}" for i, why in list(r["not_back"].items())[:10])
        )
    if r["messages"]:
        lines.append("server messages to clients (first few): " + " | ".join(m for _, m in r["messages"][:5]))
    problems = marks.get("log_problems") or []
    if problems:
        lines.append(f"server log: {len(problems)} error lines, first: " + " | ".join(problems[:5]))
    lines.append("")
    lines.append("all targets met" if r["all_met"] else "some targets NOT MET")
    return "\n".join(lines)
