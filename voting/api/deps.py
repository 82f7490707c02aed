"""Request dependencies shared by the routers: database session, settings, language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from voting.i18n import request_lang
from voting.settings import Settings

__all__ = ["DbSession", "EngineDep", "Lang", "get_db", "get_engine", "get_settings_dep"]


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """A session for reads. Writes use voting.db.session_scope, which commits once."""
    with Session(get_engine(request)) as session:
        yield session


DbSession = Annotated[Session, Depends(get_db)]
EngineDep = Annotated[Engine, Depends(get_engine)]
Lang = Annotated[str, Depends(request_lang)]
