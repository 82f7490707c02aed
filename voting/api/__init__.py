"""HTTP routers, one module per area. Add a router by importing it in :func:`routers`."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["routers"]


def routers() -> list[APIRouter]:
    """Every router of the app, in the order they are mounted."""
    from voting.api import (
        health,
        kiosk_pages,
        operator,
        pages,
        projector,
        scrutineers,
        sessions,
        verify_pages,
        votes,
    )
    from voting.api.staff import staff_routers

    return [health.router, pages.router, sessions.router, votes.router, scrutineers.router,
            operator.router, kiosk_pages.router, projector.router, verify_pages.router,
            *staff_routers()]
