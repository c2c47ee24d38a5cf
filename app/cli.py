"""The `nnplay` command: train headless in a terminal, or serve the playground."""

from __future__ import annotations

import argparse
import errno
import gc
import importlib
import json
import os
import socket
import sys
import time
from pathlib import Path

from app.common import COMMON_DEFAULTS, PORT_RANGE, SERVE_DEFAULTS, THREADS_RANGE, common_settings, variable
from app.threads import limit_blas_threads
from core.errors import ConfigError, StateError
from core.presets import PRESETS

# Seconds an idle HTTP connection stays open (see serve()).
KEEP_ALIVE_SECONDS = 75

EPILOG = """\
exit codes: 0 done, 1 training diverged, 2 bad input or settings (one line on stderr,
starting "nnplay: "), 130 interrupted (Ctrl+C), 141 the reader of the output went away.

environment: the NNPLAY_* settings (README, docs/api.md), e.g. NNPLAY_MNIST_DIR for the
MNIST presets and NNPLAY_THREADS for NumPy's BLAS threads (--threads overrides it).
nnplay prints no colours of its own; NO_COLOR (set and not empty) also turns off the
colours of the server's log."""


def main(argv: list[str] | None = None) -> int:
    """The command's exit code; every failure is one line on stderr, never a traceback."""
    try:
        code = _run(argv)
        sys.stdout.flush()  # a reader gone away shows here, inside the try, not at exit
        return code
    except BrokenPipeError:
        # `nnplay train ... | head -3`: stop quietly. stdout goes to devnull so that the
        # interpreter's own flush at exit does not meet the closed pipe again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool that SIGPIPE stopped
    except KeyboardInterrupt:
        return 130  # 128 + SIGINT


def _run(argv: list[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        common = common_settings()
    except ValueError as error:  # BadSetting: one line naming the variable
        return _fail(str(error))
    args.mnist_dir = getattr(args, "mnist_dir", None) or common.mnist_dir
    # Before the work imports NumPy: OpenBLAS then never starts the threads it won't use.
    limit_blas_threads(args.threads or common.threads)
    return args.handler(args)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line: 'nnplay: argument --x: why (see ... --help)'."""

    def error(self, message: str):
        self.exit(2, f"nnplay: {message} (see: {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="nnplay",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    commands = parser.add_subparsers(dest="command")
    # Options every command has: the BLAS threads it may use.
    threads = _Parser(add_help=False)
    low, high = THREADS_RANGE
    threads.add_argument(
        "--threads",
        type=_bounded(low, high),
        default=None,
        help=f"BLAS threads for NumPy ({low}-{high}; default {COMMON_DEFAULTS['threads']}, or "
        f"{variable('threads')})",
    )

    train = commands.add_parser("train", help="train a network in the terminal", parents=[threads])
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", choices=list(PRESETS), help="a preset by id")
    source.add_argument("--config", type=Path, help="a JSON file in the config format")
    amount = train.add_mutually_exclusive_group()
    amount.add_argument("--steps", type=_count, help="parameter updates (0 evaluates the start)")
    amount.add_argument("--epochs", type=_count, help="passes over the training rows")
    train.add_argument("--history", type=Path, help="write the per-step history (.csv or .json)")
    train.add_argument("--json", action="store_true", help="print the final snapshot as JSON")
    train.add_argument("--every", type=_count, default=None, help="table row every N steps")
    train.add_argument(
        "--mnist-dir",
        help=f"directory with the four MNIST IDX files (default {variable('mnist_dir')})",
    )
    train.set_defaults(handler=_train)

    sweep = commands.add_parser(
        "sweep", help="train a twin at each value of one setting; loss against value", parents=[threads]
    )
    source = sweep.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", choices=list(PRESETS), help="a preset by id")
    source.add_argument("--config", type=Path, help="a JSON file in the config format")
    sweep.add_argument(
        "--field", required=True, help="the setting: its path (optimizer.lr) or its last part (lr)"
    )
    values = sweep.add_mutually_exclusive_group(required=True)
    values.add_argument("--values", type=_values, help="comma-separated, e.g. 0.001,0.01,0.1 or sgd,adam")
    values.add_argument("--log-range", type=_range, help="FROM:TO:COUNT, evenly on a log scale")
    values.add_argument("--range", type=_range, help="FROM:TO:COUNT, evenly on a linear scale")
    sweep.add_argument("--steps", type=_bounded(1, None), default=500, help="steps each variant trains")
    sweep.add_argument("--out", type=Path, help="write the results (.csv or .json)")
    sweep.add_argument(
        "--mnist-dir",
        help=f"directory with the four MNIST IDX files (default {variable('mnist_dir')})",
    )
    sweep.set_defaults(handler=_sweep)

    figure = commands.add_parser("figure", help="draw one panel of a run as PNG or SVG", parents=[threads])
    source = figure.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", choices=list(PRESETS), help="a preset by id")
    source.add_argument("--config", type=Path, help="a JSON file in the config format")
    figure.add_argument("--steps", type=_count, default=0, help="training steps first (default 0)")
    figure.add_argument(
        "--panel", choices=["network", "loss", "boundary", "formula", "landscape"], default="network"
    )
    figure.add_argument("--theme", choices=["light", "dark", "projector", "print"], default="light")
    figure.add_argument("--width", type=_whole, default=800, help="pixels (as the API allows)")
    figure.add_argument("--height", type=_whole, default=500, help="pixels (as the API allows)")
    figure.add_argument("--decimals", type=int, choices=[2, 3, 4], default=4)
    figure.add_argument("--layer", type=int, help="formula panel: the layer (1 = first hidden)")
    figure.add_argument("--unit", type=int, help="formula panel: a neuron of that layer")
    figure.add_argument(
        "--weight",
        type=int,
        nargs=2,
        metavar=("I", "J"),
        help="formula panel: the weight from unit I below to unit J",
    )
    figure.add_argument(
        "--directions", choices=["random", "weights"], help="landscape panel: random (default) or weights"
    )
    figure.add_argument("--direction-seed", type=_count, help="landscape panel: the random directions' seed")
    figure.add_argument("--weights", help="landscape panel: two parameters, e.g. W1[0,2],b2[0]")
    figure.add_argument("--span", type=float, help="landscape panel: the grid runs from -span to span")
    figure.add_argument(
        "--resolution", type=int, help="landscape panel: grid points a side, odd (default 41)"
    )
    figure.add_argument("-o", "--output", type=Path, required=True, help="file ending in .png or .svg")
    figure.add_argument(
        "--mnist-dir",
        help=f"directory with the four MNIST IDX files (default {variable('mnist_dir')})",
    )
    figure.set_defaults(handler=_figure)

    lesson = commands.add_parser("lesson", help="write every step of a lesson as figures", parents=[threads])
    lesson.add_argument("name", help="a lesson id (e.g. 01-forward-pass) or its number")
    lesson.add_argument("--out", type=Path, required=True, help="directory for the files")
    lesson.add_argument("--theme", choices=["light", "dark", "projector", "print"], default="light")
    lesson.add_argument("--width", type=_whole, default=800, help="pixels (as the API allows)")
    lesson.add_argument("--height", type=_whole, default=500, help="pixels (as the API allows)")
    lesson.set_defaults(handler=_lesson)

    serve = commands.add_parser("serve", help="start the web server", parents=[threads])
    serve.add_argument("--host", default=None, help=f"default {_default('host')}")
    serve.add_argument("--port", type=_bounded(*PORT_RANGE), default=None, help=f"default {_default('port')}")
    serve.set_defaults(handler=_serve)
    return parser


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _bounded(low: int | None, high: int | None):
    """An argparse type: a whole number from `low` to `high` (either may be None)."""

    def parse(text: str) -> int:
        value = _whole(text)
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"{low} to {high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"must be {span}, got {value}")
        return value

    return parse


_count = _bounded(0, None)


def _values(text: str) -> list:
    """--values: numbers as numbers, null (or full: a full batch) as None, other words as
    they are (a choice such as adam)."""
    out: list = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise argparse.ArgumentTypeError(f"an empty value in {text!r}")
        if part in ("null", "full"):
            out.append(None)
            continue
        for kind in (int, float):
            try:
                out.append(kind(part))
                break
            except ValueError:
                continue
        else:
            out.append(part)
    return out


def _range(text: str) -> tuple[float, float, int]:
    """FROM:TO:COUNT, e.g. 0.001:1:8."""
    parts = text.split(":")
    try:
        low, high, count = float(parts[0]), float(parts[1]), int(parts[2])
        if len(parts) != 3:
            raise IndexError
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(f"must be FROM:TO:COUNT, e.g. 0.001:1:8, got {text!r}") from None
    return low, high, count


def _default(field: str) -> str:
    """'VALUE, or NNPLAY_FIELD': a server setting's default and the variable that changes it."""
    return f"{SERVE_DEFAULTS[field]}, or {variable(field)}"


class _Version(argparse.Action):
    """--version: the installed package's version, looked up only when asked for."""

    def __call__(self, parser, namespace, values, option_string=None):
        from app.version import package_version

        print(f"{parser.prog} {package_version()}")
        parser.exit(0)


def _check_size(args) -> str | None:
    """Why --width or --height is out of the figure's range (the API's), or None."""
    from app.figures import HEIGHT_LIMITS, WIDTH_LIMITS

    for name, (low, high) in (("width", WIDTH_LIMITS), ("height", HEIGHT_LIMITS)):
        value = getattr(args, name)
        if not low <= value <= high:
            return f"--{name}: must be {low} to {high}, got {value}"
    return None


def _unwritable(path: Path, option: str) -> str | None:
    """Why `path` cannot be written, or None: asked before the work, not after it.
    It opens the file as the final write will (and removes it again if it was not there)."""
    if path.is_dir():
        return f"{option}: {path} is a directory"
    existed = path.exists()
    try:
        with open(path, "ab"):
            pass
    except OSError as error:
        return f"{option}: cannot write {path}: {error.strerror}"
    if not existed:
        path.unlink(missing_ok=True)
    return None


def _train(args) -> int:
    if args.history:
        if args.history.suffix not in (".csv", ".json"):
            return _fail("--history: the file name must end in .csv or .json")
        if problem := _unwritable(args.history, "--history"):
            return _fail(problem)
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
        done = 0
        while done < total:
            # Up to the next table row at once: one call for many steps.
            chunk = min(table.every - done % table.every, total - done)
            taken = run.step_epochs(chunk) if unit == "epochs" else run.step(chunk)
            done += chunk
            progress.update(done)
            if done % table.every == 0 or done == total or run.status == "diverged":
                table.row(run)
            if run.status == "diverged" or taken < chunk and unit == "steps":
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
        try:
            args.history.write_text(text, encoding="utf-8")
        except OSError as error:
            return _fail(f"--history: cannot write {args.history}: {error.strerror}")
    if args.json:
        from core.snapshot import snapshot  # here: a table alone does without the frame code

        snap = snapshot(run, activations=False)
        keys = ("step", "epoch", "status", "loss", "accuracy", "params")
        print(json.dumps({key: snap[key] for key in keys}, allow_nan=False))
    return 0 if run.status != "diverged" else 1


def _sweep(args) -> int:
    from core.sweep import sweep, sweep_field, value_range

    if args.out:
        if args.out.suffix not in (".csv", ".json"):
            return _fail("--out: the file name must end in .csv or .json")
        if problem := _unwritable(args.out, "--out"):
            return _fail(problem)
    run = _build_run(args)
    if isinstance(run, int):
        return run
    try:
        field = sweep_field(args.field)
        if args.values is not None:
            values = args.values
        else:
            low, high, count = args.log_range or args.range
            values = value_range(low, high, count, "log" if args.log_range else "linear")
    except ConfigError as error:
        return _fail(_sweep_problem(error, args))
    progress = _Progress(args.steps * len(values), "steps")
    told = 0

    def report(at) -> None:
        nonlocal told
        progress.update(at.done)
        for result in at.results[told:]:  # without a terminal: a line per variant
            if not progress.live:
                print(f"{field} = {result['value']}: {_outcome(result)}", file=sys.stderr, flush=True)
        told = len(at.results)

    try:
        result = sweep(run, field, values, args.steps, progress=report)
    except ConfigError as error:
        return _fail(_sweep_problem(error, args))
    progress.clear()
    _sweep_table(field, result["results"])
    if args.out:
        text = (
            json.dumps(result, allow_nan=False)
            if args.out.suffix == ".json"
            else _sweep_csv(result["results"])
        )
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as error:
            return _fail(f"--out: cannot write {args.out}: {error.strerror}")
    return 0


def _sweep_problem(error: ConfigError, args) -> str:
    """A sweep's ConfigError in the command's words: the option to blame, then why."""
    option = {"field": "--field", "values": "--values", "steps": "--steps"}
    ranged = "--log-range" if args.log_range else "--range"
    option.update({end: f"{ranged} {end.upper()}" for end in ("from", "to", "count")})
    return "; ".join(f"{option.get(e['field'], e['field'] or 'config')}: {e['reason']}" for e in error.errors)


SWEEP_COLUMNS = ("value", "train_loss", "test_loss", "train_accuracy", "test_accuracy", "diverged_at")


def _outcome(result: dict) -> str:
    if result["diverged_at"] is not None:
        return f"diverged at step {result['diverged_at']}"
    train, test = _fmt(result["train_loss"], 0).strip(), _fmt(result["test_loss"], 0).strip()
    return f"train loss {train}, test loss {test}"


def _sweep_table(field: str, results: list[dict]) -> None:
    print(
        f"{field:>14} {'train loss':>12} {'test loss':>12} {'train acc':>9} {'test acc':>9} {'diverged':>8}"
    )
    for r in results:
        cells = [
            _fmt(r["train_loss"], 12),
            _fmt(r["test_loss"], 12),
            _fmt(r["train_accuracy"], 9, pct=True),
            _fmt(r["test_accuracy"], 9, pct=True),
            ("-" if r["diverged_at"] is None else str(r["diverged_at"])).rjust(8),
        ]
        print(f"{str(r['value']):>14} " + " ".join(cells), flush=True)


def _sweep_csv(results: list[dict]) -> str:
    """The API's columns; an empty cell where it has null."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, SWEEP_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in results:
        writer.writerow({key: "" if row[key] is None else row[key] for key in SWEEP_COLUMNS})
    return buffer.getvalue()


class _Table:
    def __init__(self, out, every: int, progress: _Progress):
        self.out, self.every, self.progress = out, every, progress
        print(
            f"{'step':>8} {'epoch':>6} {'train loss':>12} {'test loss':>12} {'train acc':>9} {'test acc':>9}",
            file=out,
        )

    def row(self, run) -> None:
        m = run.metrics()
        cells = [
            _fmt(m["loss"]["train"], 12),
            _fmt(m["loss"]["test"], 12),
            _fmt(m["accuracy"]["train"], 9, pct=True),
            _fmt(m["accuracy"]["test"], 9, pct=True),
        ]
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
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {self.unit} ({rate:.0f}/s)"
        )
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 70 + "\r")
            self.shown = False


def _landscape_select(args) -> dict:
    """The landscape panel's options given on the command line (the others: defaults)."""
    from core.landscape import split_weights

    select: dict = {}
    for option, key in (("directions", "directions"), ("direction_seed", "seed"), ("span", "span")):
        if getattr(args, option) is not None:
            select[key] = getattr(args, option)
    if args.resolution is not None:
        select["resolution"] = args.resolution
    if args.weights is not None:
        select["weights"] = split_weights(args.weights)
    return select


def _stepped_with_path(run, steps: int) -> list:
    """Train `steps` steps keeping time-travel checkpoints, as a session does: the states
    the landscape projects as the training path."""
    from core.landscape import checkpoint_path
    from core.timeline import Timeline

    timeline = Timeline(run)
    for _ in range(steps):
        if run.step() == 0:
            break  # diverged: the path ends at its last good state
        timeline.record(run)
    return checkpoint_path(timeline.checkpoints, run.bias)


def _figure(args) -> int:
    from app.figures import FigureError, render_figure

    fmt = args.output.suffix.lstrip(".").lower()
    if fmt not in ("png", "svg"):
        return _fail("-o: the file name must end in .png or .svg")
    if problem := _check_size(args) or _unwritable(args.output, "-o"):
        return _fail(problem)
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
    path: list = []
    if args.panel == "landscape":
        select = _landscape_select(args)
    try:
        if args.panel == "landscape":
            path = _stepped_with_path(run, args.steps)
        else:
            run.step(args.steps)
        data = render_figure(
            run, args.panel, fmt, args.theme, args.width, args.height, args.decimals, select, path
        )
    except FigureError as error:
        return _fail(f"--{error.field}: {error.reason}")
    except StateError as error:
        return _fail(str(error))
    try:
        args.output.write_bytes(data)
    except OSError as error:
        return _fail(f"-o: cannot write {args.output}: {error.strerror}")
    print(f"wrote {args.output} ({len(data):,} bytes)")
    return 0


def _lesson(args) -> int:
    from app.figures import render_figure
    from app.lessons import build_step, caption, read_all

    if problem := _check_size(args):
        return _fail(problem)
    lessons, problems = read_all()
    for problem in problems:
        print(f"nnplay: lesson not loaded: {problem}", file=sys.stderr)
    lesson = lessons.get(args.name) or next(
        (l for l in lessons.values() if args.name.isdigit() and l.number == int(args.name)), None
    )
    if lesson is None:
        return _fail(f"no lesson {args.name!r}; there are: {', '.join(lessons)}")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        import tempfile  # here: `train` starts without it

        with tempfile.TemporaryFile(dir=args.out):  # can files be made there, before any work
            pass
        _write_lesson(args, lesson, build_step, caption, render_figure)
    except OSError as error:
        return _fail(f"--out: cannot write in {args.out}: {error.strerror}")
    return 0


def _write_lesson(args, lesson, build_step, caption, render_figure) -> None:
    from app.lesson_text import fill

    for index, step in enumerate(lesson.steps):
        run = build_step(step, mnist_dir=args.mnist_dir)
        select = step.select.figure_select() if step.select and step.figure == "formula" else {}
        panel = step.figure
        if panel == "boundary" and run.data.domain is None:
            panel = "network"
        stem = args.out / f"{index + 1:02d}-{panel}"
        for fmt in ("png", "svg"):
            stem.with_suffix(f".{fmt}").write_bytes(
                render_figure(run, panel, fmt, args.theme, args.width, args.height, 4, select)
            )
        # The figure's alt text, then the step's own words with the engine's numbers.
        stem.with_suffix(".txt").write_text(
            f"{caption(lesson, index, run)}\n\n{fill(step.text, run)}\n", encoding="utf-8"
        )
        print(f"{stem.name}: {step.title}")


def _build_run(args):
    """The run that --preset or --config asks for, or the exit code of a clear error."""
    from core.run import Run

    try:
        if args.preset:
            config = {"preset": args.preset}
        else:
            config = json.loads(args.config.read_text(encoding="utf-8"))
        return Run(config, mnist_dir=args.mnist_dir)
    except OSError as error:
        return _fail(f"--config: cannot read {args.config}: {error.strerror}")
    except UnicodeDecodeError as error:
        return _fail(
            f"--config: {args.config} is not UTF-8 text "
            f"(byte 0x{error.object[error.start]:02x} at position {error.start})"
        )
    except json.JSONDecodeError as error:
        return _fail(f"--config: not valid JSON: {error}")
    except ConfigError as error:
        return _fail("; ".join(f"{e['field'] or 'config'}: {e['reason']}" for e in error.errors))


def _fail(message: str) -> int:
    """Say what went wrong in one line on stderr; the exit code for bad input."""
    print(f"nnplay: {' '.join(message.split())}", file=sys.stderr)
    return 2


def _serve(args) -> int:
    # A teacher starting the server by hand keeps the class's work (sessions, class code)
    # across restarts in the per-user data directory, wherever the command is started from.
    from app.settings import BadSetting, get_settings

    data_variable = variable("data_dir")
    if not os.environ.get(data_variable):
        import platformdirs

        os.environ[data_variable] = platformdirs.user_data_dir("nnplay")
    try:
        import uvicorn
    except ImportError as error:  # the server is not there yet or not installed
        return _fail(f"cannot start the server: {error}")
    try:
        settings = get_settings()
    except BadSetting as error:
        return _fail(str(error))
    host, port = args.host or settings.host, args.port or settings.port
    if problem := _cannot_listen(
        host,
        port,
        "--host" if args.host else variable("host"),
        "--port" if args.port else variable("port"),
    ):
        return _fail(problem)
    data_dir = settings.data_dir
    if data_dir is None:
        return _fail(f"{data_variable} names no folder")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return _fail(f"{data_variable}: cannot make {data_dir}: {error.strerror}")
    # A class's server holds hundreds of sessions: a full garbage collection walks every
    # object they own and held the event loop for ~65 ms with 100 of them. Young
    # collections still run as often as ever (they find most garbage cycles); full ones
    # a hundred times less often; and what importing made is never walked again.
    importlib.import_module("app.main")  # what uvicorn will load: made before the freeze
    gc.freeze()
    gc.set_threshold(700, 10, 1000)
    if settings.database_url is None:
        kept = f"sessions and the class code are kept in {data_dir} ({data_variable} changes it)"
    else:  # said in one line now, rather than as uvicorn's log of a failed start
        from app.persistence import StoreUnusable, open_database

        try:
            open_database(settings.database_url.get_secret_value()).close()
        except StoreUnusable as error:
            return _fail(str(error))
        from app.store_pg import redacted

        where = redacted(settings.database_url.get_secret_value())
        kept = f"sessions are kept in the PostgreSQL database at {where}, the class code in {data_dir}"
    print(f"nnplay: {kept}", file=sys.stderr)
    print(f"nnplay: serving on http://{host}:{port}/ (Ctrl+C stops)", file=sys.stderr)
    # The socket's own limit sits just above the app's, so an oversized command gets the
    # app's error frame rather than a dropped connection.
    # A short graceful shutdown: open student sockets must not outlast `docker stop`.
    # No per-message deflate: on a LAN the bandwidth it saves is not worth a zlib pass over
    # every frame of every socket (7% of the server's CPU with 100 clients of 2 KB frames).
    # NO_COLOR (https://no-color.org): set and not empty, the log has no colours; otherwise
    # uvicorn colours it when stderr is a terminal.
    colours = False if os.environ.get("NO_COLOR") else None
    # An idle connection stays open longer than clients keep theirs (httpx 5 s, aiohttp
    # 15 s): a server that closes first races the client's next request on that connection,
    # which then fails without an answer (a POST is not sent again). A proxy in front
    # should let its connections to the server go sooner than this.
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        ws_max_size=settings.max_message_bytes * 2,
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=5,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        log_level="info",
        use_colors=colours,
    )
    return 0


def _cannot_listen(host: str, port: int, host_source: str, port_source: str) -> str | None:
    """Why the server could not listen on host:port (named by the option or variable that
    set the wrong one), or None: asked with a socket of our own before uvicorn starts, so
    a port in use or an unknown host is one line and exit 2, not a log and exit 1 or 3."""
    # As uvicorn will: SO_REUSEADDR, so a port left in TIME_WAIT by a restart is no error.
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
            return None
        except socket.gaierror as error:
            return f"{host_source}: cannot find the address {host!r}: {error.strerror}"
        except OSError as error:
            blame = port_source if error.errno in (errno.EADDRINUSE, errno.EACCES) else host_source
            return f"{blame}: cannot listen on {host}:{port}: {error.strerror}"


if __name__ == "__main__":
    sys.exit(main())
