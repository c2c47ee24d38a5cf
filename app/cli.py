"""The `nnplay` command: train headless in a terminal, or serve the playground."""
from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
import time
from pathlib import Path

from core.errors import ConfigError, StateError
from core.presets import PRESETS


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnplay", description=__doc__)
    commands = parser.add_subparsers(dest="command")

    train = commands.add_parser("train", help="train a network in the terminal")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", choices=list(PRESETS), help="a preset by id")
    source.add_argument("--config", type=Path, help="a JSON file in the config format")
    amount = train.add_mutually_exclusive_group()
    amount.add_argument("--steps", type=_count, help="parameter updates (0 evaluates the start)")
    amount.add_argument("--epochs", type=_count, help="passes over the training rows")
    train.add_argument("--history", type=Path, help="write the per-step history (.csv or .json)")
    train.add_argument("--json", action="store_true", help="print the final snapshot as JSON")
    train.add_argument("--every", type=_count, default=None, help="table row every N steps")
    train.add_argument("--mnist-dir", default=os.environ.get("NNPLAY_MNIST_DIR"),
                       help="directory with the four MNIST IDX files")
    train.set_defaults(handler=_train)

    figure = commands.add_parser("figure", help="draw one panel of a run as PNG or SVG")
    source = figure.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", choices=list(PRESETS), help="a preset by id")
    source.add_argument("--config", type=Path, help="a JSON file in the config format")
    figure.add_argument("--steps", type=_count, default=0, help="training steps first (default 0)")
    figure.add_argument("--panel", choices=["network", "loss", "boundary", "formula"], default="network")
    figure.add_argument("--theme", choices=["light", "dark", "projector", "print"], default="light")
    figure.add_argument("--width", type=int, default=800)
    figure.add_argument("--height", type=int, default=500)
    figure.add_argument("--decimals", type=int, choices=[2, 3, 4], default=4)
    figure.add_argument("--layer", type=int, help="formula panel: the layer (1 = first hidden)")
    figure.add_argument("--unit", type=int, help="formula panel: a neuron of that layer")
    figure.add_argument("--weight", type=int, nargs=2, metavar=("I", "J"),
                        help="formula panel: the weight from unit I below to unit J")
    figure.add_argument("-o", "--output", type=Path, required=True, help="file ending in .png or .svg")
    figure.add_argument("--mnist-dir", default=os.environ.get("NNPLAY_MNIST_DIR"))
    figure.set_defaults(handler=_figure)

    lesson = commands.add_parser("lesson", help="write every step of a lesson as figures")
    lesson.add_argument("name", help="a lesson id (e.g. 01-forward-pass) or its number")
    lesson.add_argument("--out", type=Path, required=True, help="directory for the files")
    lesson.add_argument("--theme", choices=["light", "dark", "projector", "print"], default="light")
    lesson.add_argument("--width", type=int, default=800)
    lesson.add_argument("--height", type=int, default=500)
    lesson.set_defaults(handler=_lesson)

    serve = commands.add_parser("serve", help="start the web server")
    serve.add_argument("--host", default=None, help="default 127.0.0.1 (NNPLAY_HOST)")
    serve.add_argument("--port", type=int, default=None, help="default 8000 (NNPLAY_PORT)")
    serve.set_defaults(handler=_serve)
    return parser


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _train(args) -> int:
    from core.snapshot import snapshot

    if args.history and args.history.suffix not in (".csv", ".json"):
        return _fail("--history: the file name must end in .csv or .json")
    run = _build_run(args)
    if isinstance(run, int):
        return run

    if args.epochs is not None:
        total, unit = args.epochs, "epochs"
    else:
        total, unit = (100 if args.steps is None else args.steps), "steps"
    out = sys.stderr if args.json else sys.stdout
    progress = _Progress(total, unit)
    table = _Table(out, args.every or max(1, total // 10 if unit == "steps" else 1), progress)
    table.row(run)
    try:
        for done in range(1, total + 1):
            if unit == "epochs":
                run.step_epochs(1)
            else:
                run.step(1)
            progress.update(done)
            if done % table.every == 0 or done == total or run.status == "diverged":
                table.row(run)
            if run.status == "diverged":
                break
    except StateError as error:
        print(f"\nstopped: {error}", file=sys.stderr)
    progress.clear()
    if run.status == "diverged":
        d = run.divergence
        print(f"diverged at step {d['step']}: {d['reason']} ({d['hint']})", file=sys.stderr)
    if args.history:
        history = run.history
        text = history.to_csv() if args.history.suffix == ".csv" else json.dumps(history.as_dict())
        args.history.write_text(text)
    if args.json:
        snap = snapshot(run, activations=False)
        keys = ("step", "epoch", "status", "loss", "accuracy", "params")
        print(json.dumps({key: snap[key] for key in keys}, allow_nan=False))
    return 0 if run.status != "diverged" else 1


class _Table:
    def __init__(self, out, every: int, progress: _Progress):
        self.out, self.every, self.progress = out, every, progress
        print(f"{'step':>8} {'epoch':>6} {'train loss':>12} {'test loss':>12} "
              f"{'train acc':>9} {'test acc':>9}", file=out)

    def row(self, run) -> None:
        m = run.metrics()
        cells = [_fmt(m["loss"]["train"], 12), _fmt(m["loss"]["test"], 12),
                 _fmt(m["accuracy"]["train"], 9, pct=True), _fmt(m["accuracy"]["test"], 9, pct=True)]
        self.progress.clear()
        print(f"{run.step_count:>8} {run.batcher.epoch:>6} " + " ".join(cells), file=self.out, flush=True)


def _fmt(value, width, pct=False) -> str:
    if value is None:
        return "-".rjust(width)
    return (f"{value:.1%}" if pct else f"{value:.6g}").rjust(width)


class _Progress:
    """A one-line bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, unit: str):
        self.total, self.unit = total, unit
        self.started = time.perf_counter()
        self.shown = False
        self.live = sys.stderr.isatty()

    def update(self, done: int) -> None:
        if not self.live:
            return
        width = 30
        filled = int(width * done / max(self.total, 1))
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                         f"{self.unit} ({rate:.0f}/s)")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 70 + "\r")
            self.shown = False


def _figure(args) -> int:
    from app.figures import FigureError, render_figure

    fmt = args.output.suffix.lstrip(".").lower()
    if fmt not in ("png", "svg"):
        return _fail("-o: the file name must end in .png or .svg")
    select = {}
    if args.layer is not None:
        select["layer"] = args.layer
    if args.unit is not None:
        select["unit"] = args.unit
    if args.weight is not None:
        select["i"], select["j"] = args.weight
    run = _build_run(args)
    if isinstance(run, int):
        return run
    try:
        run.step(args.steps)
        data = render_figure(run, args.panel, fmt, args.theme, args.width, args.height,
                             args.decimals, select)
    except FigureError as error:
        return _fail(f"--{error.field}: {error.reason}")
    except StateError as error:
        return _fail(str(error))
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data):,} bytes)")
    return 0


def _lesson(args) -> int:
    from app.figures import render_figure
    from app.lessons import build_step, caption, read_all

    lessons, problems = read_all()
    for problem in problems:
        print(f"nnplay: lesson not loaded: {problem}", file=sys.stderr)
    lesson = lessons.get(args.name) or next(
        (l for l in lessons.values() if args.name.isdigit() and l.number == int(args.name)), None)
    if lesson is None:
        return _fail(f"no lesson {args.name!r}; there are: {', '.join(lessons)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for index, step in enumerate(lesson.steps):
        run = build_step(step, mnist_dir=os.environ.get("NNPLAY_MNIST_DIR"))
        select = step.select.figure_select() if step.select and step.figure == "formula" else {}
        panel = step.figure
        if panel == "boundary" and run.data.domain is None:
            panel = "network"
        stem = args.out / f"{index + 1:02d}-{panel}"
        for fmt in ("png", "svg"):
            stem.with_suffix(f".{fmt}").write_bytes(
                render_figure(run, panel, fmt, args.theme, args.width, args.height, 4, select))
        stem.with_suffix(".txt").write_text(caption(lesson, index, run) + "\n")
        print(f"{stem.name}: {step.title}")
    return 0


def _build_run(args):
    """The run that --preset or --config asks for, or the exit code of a clear error."""
    from core.run import Run

    try:
        config = {"preset": args.preset} if args.preset else json.loads(args.config.read_text())
        return Run(config, mnist_dir=args.mnist_dir)
    except OSError as error:
        return _fail(f"--config: cannot read {args.config}: {error.strerror}")
    except json.JSONDecodeError as error:
        return _fail(f"--config: not valid JSON: {error}")
    except ConfigError as error:
        return _fail("\n".join(f"{e['field'] or 'config'}: {e['reason']}" for e in error.errors))


def _fail(message: str) -> int:
    print(f"nnplay: {message}", file=sys.stderr)
    return 2


def _serve(args) -> int:
    # A teacher starting the server by hand keeps the class's work in ./var across restarts.
    os.environ.setdefault("NNPLAY_DATA_DIR", "var")
    try:
        import uvicorn

        from app.settings import get_settings
    except ImportError as error:  # the server is not there yet or not installed
        return _fail(f"cannot start the server: {error}")
    settings = get_settings()
    # A class's server holds hundreds of sessions: a full garbage collection walks every
    # object they own and held the event loop for ~65 ms with 100 of them. Young
    # collections still run as often as ever (they find most garbage cycles); full ones
    # a hundred times less often; and what importing made is never walked again.
    importlib.import_module("app.main")  # what uvicorn will load: made before the freeze
    gc.freeze()
    gc.set_threshold(700, 10, 1000)
    host, port = args.host or settings.host, args.port or settings.port
    print(f"nnplay: serving on http://{host}:{port}/ (Ctrl+C stops)", file=sys.stderr)
    # The socket's own limit sits just above the app's, so an oversized command gets the
    # app's error frame rather than a dropped connection.
    # A short graceful shutdown: open student sockets must not outlast `docker stop`.
    # No per-message deflate: on a LAN the bandwidth it saves is not worth a zlib pass over
    # every frame of every socket (7% of the server's CPU with 100 clients of 2 KB frames).
    uvicorn.run("app.main:app", host=host, port=port, ws_max_size=settings.max_message_bytes * 2,
                ws_per_message_deflate=False, timeout_graceful_shutdown=5, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
