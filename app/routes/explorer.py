"""The activation and loss explorers: curves computed by the engine's own functions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field, model_validator

from app.errors import documented, invalid
from app.models import ActivationCurve, LossComparison, send
from app.schemas import Strict
from core.activations import ACTIVATIONS
from core.explorer import activation_curve, loss_comparison

router = APIRouter(prefix="/explorer", tags=["explorer"])

Bound = Annotated[float, Query(ge=-100, le=100, allow_inf_nan=False)]


@router.get("/activation", response_model=ActivationCurve, responses=documented(422))
async def activation(
    name: Literal[tuple(ACTIVATIONS)],  # type: ignore[valid-type]
    low: Bound = -6.0,
    high: Bound = 6.0,
    points: Annotated[int, Query(ge=2, le=2001)] = 121,
) -> Response:
    """f(z) and f'(z) over [low, high]."""
    if low >= high:
        raise invalid("high", f"must be greater than low ({low})", message="high: must be greater than low")
    return send(activation_curve(name, low, high, points))


Probability = Annotated[float, Field(ge=0, le=1)]


class LossRequest(Strict):
    prediction: Annotated[list[Probability], Field(min_length=1, max_length=32)]
    target: Annotated[list[Probability], Field(min_length=1, max_length=32)]

    @model_validator(mode="after")
    def _same_length(self):
        if len(self.prediction) != len(self.target):
            raise ValueError("prediction and target need the same number of entries")
        return self


@router.post("/losses", response_model=LossComparison, responses=documented(422))
async def losses(body: LossRequest) -> Response:
    """MSE, SSE, BCE and CCE of one prediction, with dL/dy_hat (and the shortcut dL/dz)."""
    return send(loss_comparison(body.prediction, body.target))
