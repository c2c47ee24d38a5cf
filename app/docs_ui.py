"""/docs (Swagger UI) and /redoc with every script, style sheet and icon served by the app:
they work on a class LAN with no internet. FastAPI's own pages load them from public CDNs
(and ReDoc its fonts from Google); here they come from the fastapi-offline package,
versioned and compressed like the app's own files (app/assets.py)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from app.assets import AssetSet

DOCS_URL, REDOC_URL = "/docs", "/redoc"


def install(app: FastAPI, docs: AssetSet) -> None:
    """Add the two pages; the app must be made with docs_url=None and redoc_url=None."""
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url

    def openapi_url(request: Request) -> str:
        return request.scope.get("root_path", "") + app.openapi_url

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url(request),
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=oauth2_redirect_url,
            swagger_js_url=docs.url("swagger-ui-bundle.js"),
            swagger_css_url=docs.url("swagger-ui.css"),
            swagger_favicon_url=docs.url("favicon.png"),
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    if oauth2_redirect_url:

        @app.get(oauth2_redirect_url, include_in_schema=False)
        async def swagger_ui_redirect() -> HTMLResponse:
            return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url(request),
            title=f"{app.title} - ReDoc",
            redoc_js_url=docs.url("redoc.standalone.js"),
            redoc_favicon_url=docs.url("favicon.png"),
            with_google_fonts=False,
        )
