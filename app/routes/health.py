from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Request

router = APIRouter(tags=["health"])


def _version() -> str:
    try:
        return version("nnplay")
    except PackageNotFoundError:
        return "0+unknown"


@router.get("/health")
async def health(request: Request) -> dict:
    """Liveness: {"status": "ok", "version", "sessions", "loop_lag_ms": {p50, p95, max},
    "grids": {"workers", "by_workers", "here"}} (live frames' arrays and grids rendered by
    the grid workers and in the server's own process)."""
    state = request.app.state
    return {"status": "ok", "version": _version(), "sessions": len(state.sessions.sessions),
            "loop_lag_ms": state.lag.summary(), "grids": state.grids.stats()}
