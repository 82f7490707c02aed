"""Liveness and readiness for load balancers and `make demo`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from voting.api.deps import get_engine

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Health: the process runs and reaches its database")
def healthz(request: Request) -> JSONResponse:
    try:
        with get_engine(request).connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable"},
                            status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
