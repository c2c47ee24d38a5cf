"""All routers in one place: the app includes `api_router` and `page_router`."""

from fastapi import APIRouter
from fastapi.routing import APIRoute

from app.routes import catalog, explorer, health, lessons, pages, sessions, socket, sweeps, teacher, twins


def operation_id(route: APIRoute) -> str:
    """The handler's name (`create_session`, `step`): what a generated client calls it."""
    return route.name


api_router = APIRouter(prefix="/api", generate_unique_id_function=operation_id)
api_router.include_router(health.router)
api_router.include_router(catalog.router)
api_router.include_router(sessions.router)
api_router.include_router(twins.router)
api_router.include_router(sweeps.router)
api_router.include_router(explorer.router)
api_router.include_router(teacher.router)
api_router.include_router(lessons.router)

page_router = APIRouter()
page_router.include_router(pages.router)
page_router.include_router(socket.router)
