from fastapi import APIRouter, Request, Response

from app.errors import APIError, documented
from app.models import Health, Ready, send
from app.version import package_version as _version

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health(request: Request) -> Response:
    """Liveness: {"status": "ok" or "degraded", "problems", "version", "process" (the
    server process's name among several, or null), "sessions" (in
    memory), "memory": {"used_mb", "total_mb", "session_mb", "in_store"},
    "loop_lag_ms": {p50, p95, max}, "grids": {"workers", "by_workers", "here"}} (live
    frames' arrays and grids rendered by the frame workers and in the server's own process).
    Degraded while saving fails, for one session or for all: the server answers, but what
    it holds would not survive a restart; and when saved sessions were lost at start."""
    state = request.app.state
    problems = [] if state.persistence is None else state.persistence.problems()
    if state.store_problem:
        problems.append(state.store_problem)
    if state.owners is not None and state.owners.error:  # its sessions may be adopted elsewhere
        problems.append(state.owners.error)
    return send(
        {
            "status": "degraded" if problems else "ok",
            "problems": problems,
            "version": _version(),
            "process": state.settings.process_name,
            "sessions": len(state.sessions.sessions),
            "memory": _memory(state.sessions),
            "loop_lag_ms": state.lag.summary(),
            "grids": state.frame_pool.stats(),
        }
    )


NOT_READY = (
    "`not_ready`: this server process has not renewed its session leases for longer than a "
    "lease (NNPLAY_LEASE_SECONDS), so other processes may have adopted its sessions: a proxy "
    "should send their requests elsewhere until it renews them again"
)


@router.get("/ready", response_model=Ready, responses=documented(503, busy=NOT_READY))
async def ready(request: Request) -> Response:
    """Readiness, for a proxy's health check (tools/haproxy.cfg.j2): {"status": "ready",
    "process"} while this process may be sent requests; a 503 `not_ready` once its session
    leases ran out unrenewed (it cannot reach the database), when others may hold its
    sessions. /api/health stays 200 then, for people: it says `degraded` and why."""
    state = request.app.state
    owners = state.owners
    lapsed = None if owners is None else owners.lapsed()
    if lapsed is not None:
        raise APIError(
            503,
            "not_ready",
            f"this server process has not renewed its session leases for {lapsed:.0f} s"
            f" ({owners.error}): other processes may hold its sessions",
            headers={"Retry-After": str(max(1, round(owners.renew_seconds)))},
        )
    return send({"status": "ready", "process": state.settings.process_name})


def _memory(manager) -> dict:
    mb = 2**20
    return {
        "used_mb": round(manager.memory_in_use() / mb, 1),
        "total_mb": round(manager.total / mb, 1),
        "base_mb": round(manager.base / mb, 1),
        "session_mb": round(manager.session_limit / mb, 1),
        "in_store": len(manager.evicted),
    }
