"""Guided lessons: data files (lessons/*.toml), one per lesson, each a list of steps with
a short text and an exact state (config, seed, steps taken, phase, selection, what is
shown). A teacher writes a new lesson without code; docs/lessons.md explains the format.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.lesson_text import TextError, check_names
from app.paths import LESSONS_DIR
from app.schemas import Phase
from core.config import resolve_config
from core.errors import ConfigError
from core.frame import probe
from core.run import Run

PANELS = ("network", "loss", "boundary", "formula")


class Selection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["neuron", "weight"]
    layer: Annotated[int, Field(ge=1)]
    unit: Annotated[int, Field(ge=0)] | None = None
    i: Annotated[int, Field(ge=0)] | None = None
    j: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _complete(self):
        if self.kind == "neuron" and self.unit is None:
            raise ValueError("a neuron selection needs unit")
        if self.kind == "weight" and (self.i is None or self.j is None):
            raise ValueError("a weight selection needs i and j")
        return self

    def figure_select(self) -> dict:
        if self.kind == "neuron":
            return {"layer": self.layer, "unit": self.unit}
        return {"layer": self.layer, "i": self.i, "j": self.j}


# The panels a lesson step may show.
Panel = Literal[
    "network",
    "formula",
    "loss-chart",
    "accuracy-chart",
    "heatmap",
    "digits",
    "gradcheck",
    "landscape",
    "sweep",
    "explorer",
    "activation-explorer",
    "loss-explorer",
    "timeline",
    "diagnostics",
]


class LessonStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1, max_length=200)]
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    preset: str | None = None
    config: dict = Field(default_factory=dict)
    steps: Annotated[int, Field(ge=0, le=100_000)] = 0
    epochs: Annotated[int, Field(ge=0, le=10_000)] = 0
    phase: Phase | None = None
    select: Selection | None = None
    show: list[Panel] = Field(default_factory=lambda: list[Panel](["network", "loss-chart"]))
    controls: list[str] = Field(default_factory=lambda: ["play", "step", "reset"])
    # The diagram writes out every z, a and w (the numbers mode): for steps whose text
    # states them.
    numbers: bool = False
    figure: Literal[PANELS] = "network"  # type: ignore[valid-type]

    def full_config(self) -> dict:
        return {**({"preset": self.preset} if self.preset else {}), **self.config}


class Lesson(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    number: Annotated[int, Field(ge=1)]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    summary: Annotated[str, Field(min_length=1, max_length=1000)]
    steps: Annotated[list[LessonStep], Field(min_length=1, max_length=50)]


class LessonError(ValueError):
    pass


def read_lesson(path: Path) -> Lesson:
    """Parse and check one lesson file; every step's config must resolve."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        lesson = Lesson(id=path.stem, **data)
    except (tomllib.TOMLDecodeError, ValidationError, TypeError) as error:
        raise LessonError(f"{path.name}: {error}") from None
    for index, step in enumerate(lesson.steps, start=1):
        try:
            resolve_config(step.full_config())
            check_names(step.text)
        except (ConfigError, TextError) as error:
            raise LessonError(f"{path.name}, step {index}: {error}") from None
    return lesson


@lru_cache
def read_all() -> tuple[dict[str, Lesson], tuple[str, ...]]:
    """(the readable lessons by id, in order; the problems of the others). A mistake in
    one file costs that lesson only."""
    lessons, problems = [], []
    for path in sorted(LESSONS_DIR.glob("*.toml")):
        try:
            lessons.append(read_lesson(path))
        except LessonError as error:
            problems.append(str(error))
    ordered = {lesson.id: lesson for lesson in sorted(lessons, key=lambda l: l.number)}
    return ordered, tuple(problems)


def all_lessons() -> dict[str, Lesson]:
    return read_all()[0]


def build_step(step: LessonStep, mnist_dir=None, keep: Callable[[Run], None] | None = None) -> Run:
    """The exact state a lesson step describes: a fresh run, its steps, then its phase.

    `keep(run)` is called with the fresh run and after each of the step's `steps` (a
    timeline's record), so that the states on the way can be looked back at.
    """
    run = Run(step.full_config(), mnist_dir=mnist_dir)
    if keep is not None:
        keep(run)
    if step.epochs:
        run.step_epochs(step.epochs)
    if step.steps:
        if keep is None:
            run.step(step.steps)
        else:
            for _ in range(step.steps):
                if run.step(1) == 0 or run.status == "diverged":
                    break
                keep(run)
    if step.phase is not None:
        for _ in range(4):
            if run.step_phase() == step.phase:
                break
    return run


def caption(lesson: Lesson, index: int, run: Run) -> str:
    """Alt text for a lesson step's figure, stating the numbers a reader needs."""
    step = lesson.steps[index]
    m = run.metrics()
    parts = [
        f"Lesson {lesson.number}, step {index + 1}: {step.title}.",
        f"A {'-'.join(map(str, run.sizes))} network ({', '.join(run.config['activations'])}) "
        f"after {run.step_count} training steps.",
    ]
    if m["loss"]["train"] is not None:
        parts.append(
            f"Training loss {m['loss']['train']:.4g}"
            + (f", test loss {m['loss']['test']:.4g}." if m["loss"]["test"] is not None else ".")
        )
    if m["accuracy"]["train"] is not None:
        parts.append(
            f"Training accuracy {m['accuracy']['train']:.1%}"
            + (f", test accuracy {m['accuracy']['test']:.1%}." if m["accuracy"]["test"] is not None else ".")
        )
    if max(run.sizes) <= 8:
        values = run.network.forward(probe(run)[0][:1])  # the first probe row
        for layer, v in enumerate(values, start=1):
            name = "Output" if layer == len(values) else f"Hidden layer {layer} activations"
            parts.append(f"{name}: {', '.join(f'{a:.4f}' for a in v.a[0])}.")
    if run.status == "diverged":
        parts.append(f"Training diverged: {(run.divergence or {}).get('reason')}.")
    return " ".join(parts)
