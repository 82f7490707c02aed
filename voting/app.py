"""The FastAPI application: ``create_app()`` wires settings, database, templates, routers.

Served by ``voting serve`` (uvicorn, factory mode, so every worker builds its own app from
the same environment). Routers live in voting/api/, one module per area.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookies import SimpleCookie

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voting.api import routers
from voting.api.projector import make_live_hub
from voting.db import make_engine
from voting.errors import install_error_handlers
from voting.hardening import install_hardening
from voting.i18n import LANG_COOKIE, normalize_lang
from voting.live import WORKER_ID
from voting.settings import Settings, get_settings
from voting.templating import STATIC_DIR, make_templates

__all__ = ["create_app"]

_SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


class _HeadersMiddleware:
    """Adds security headers, and remembers an explicit ``?lang=`` choice in a cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen = normalize_lang(Request(scope).query_params.get("lang"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("x-worker", WORKER_ID)  # which process answered
                if chosen:
                    cookie: SimpleCookie = SimpleCookie()
                    cookie[LANG_COOKIE] = chosen
                    cookie[LANG_COOKIE]["path"] = "/"
                    cookie[LANG_COOKIE]["samesite"] = "Lax"
                    cookie[LANG_COOKIE]["max-age"] = 365 * 24 * 3600
                    headers.append("set-cookie", cookie.output(header="").strip())
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. Reads the environment when ``settings`` is None (fails closed)."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    live_hub = make_live_hub(engine, settings.live_poll_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await live_hub.start()
        try:
            yield
        finally:
            await live_hub.stop()
            engine.dispose()

    app = FastAPI(
        title="rendavote",
        summary="人大代表电子票决系统 · secure electronic voting for people's congress sessions",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.live_hub = live_hub
    app.state.templates = make_templates()
    install_error_handlers(app)
    app.add_middleware(_HeadersMiddleware)
    install_hardening(app, settings)  # outermost: CSP, HSTS, body and card-attempt limits
    for router in routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
