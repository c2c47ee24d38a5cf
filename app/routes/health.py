from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

router = APIRouter(tags=["health"])


def _version() -> str:
    try:
        return version("nnplay")
    except PackageNotFoundError:
        return "0+unknown"


@router.get("/health")
async def health() -> dict:
    """Liveness: {"status": "ok", "version": ...}."""
    return {"status": "ok", "version": _version()}
