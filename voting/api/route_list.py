"""Every route of an app, flattened: FastAPI keeps included routers nested in
``app.routes``, so a plain walk of it misses their paths."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from starlette.routing import BaseRoute, Mount

__all__ = ["RouteEntry", "app_routes"]


@dataclass(frozen=True)
class RouteEntry:
    """One method on one path; ``method`` is "MOUNT" for a mounted app (static files)."""

    method: str
    path: str


def _entries(route: BaseRoute, path: str) -> Iterator[RouteEntry]:
    if isinstance(route, Mount):
        yield RouteEntry("MOUNT", path)
        return
    methods = sorted(getattr(route, "methods", None) or ["WEBSOCKET"])
    for method in methods:
        if method != "HEAD":  # answered by the GET handler
            yield RouteEntry(method, path)


def app_routes(routes: list[BaseRoute]) -> list[RouteEntry]:
    """The routes of ``app.routes``, included routers expanded."""
    found: list[RouteEntry] = []
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for context in contexts():
                # Websocket contexts leave ``path`` empty; their starlette route has it.
                path = context.path or str(getattr(context.starlette_route, "path", "")
                                           or getattr(context.original_route, "path", ""))
                found.extend(_entries(context.original_route, path))
        else:
            found.extend(_entries(route, str(getattr(route, "path", ""))))
    return found
