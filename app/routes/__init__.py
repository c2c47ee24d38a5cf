"""All routers in one place: the app includes `api_router` and `page_router`."""
from fastapi import APIRouter

from app.routes import catalog, explorer, health, lessons, pages, sessions, socket, teacher

api_router = APIRouter(prefix="/api")
api_router.include_router(health.router)
api_router.include_router(catalog.router)
api_router.include_router(sessions.router)
api_router.include_router(explorer.router)
api_router.include_router(teacher.router)
api_router.include_router(lessons.router)

page_router = APIRouter()
page_router.include_router(pages.router)
page_router.include_router(socket.router)
