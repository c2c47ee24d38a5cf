from fastapi import APIRouter, Request, Response

from app.models import Health, send
from app.version import package_version as _version

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health(request: Request) -> Response:
    """Liveness: {"status": "ok", "version", "sessions", "loop_lag_ms": {p50, p95, max},
    "grids": {"workers", "by_workers", "here"}} (live frames' arrays and grids rendered by
    the grid workers and in the server's own process)."""
    state = request.app.state
    return send({"status": "ok", "version": _version(), "sessions": len(state.sessions.sessions),
                 "loop_lag_ms": state.lag.summary(), "grids": state.grids.stats()})
