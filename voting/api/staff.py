"""The staff side's routers (login and devices, the secretariat console and its API, the
demo-only scrutineer helpers), mounted by voting.api.routers()."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["staff_routers"]


def staff_routers() -> list[APIRouter]:
    from voting.api import console, demo_ops, login, secretariat

    return [login.router, secretariat.router, console.router, demo_ops.router]
