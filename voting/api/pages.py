"""The home page: the sessions on this server and where each face of the system lives."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, func, select

from voting import repository
from voting.api.deps import DbSession, Lang
from voting.api.route_list import app_routes
from voting.models import Deputy, Vote

__all__ = ["FACES", "Face", "router"]

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Face:
    """One face of the system: its i18n key (``face.<key>``) and where it is served."""

    key: str
    path: str


FACES: tuple[Face, ...] = (
    Face("kiosk", "/kiosk"),
    Face("projector", "/projector"),
    Face("console", "/console"),
    Face("scrutineer", "/scrutineer"),
    Face("verify", "/verify"),
    Face("docs", "/docs"),
)

_HOME_SESSIONS = 200  # the API pages through the rest


def _served_paths(request: Request) -> set[str]:
    return {entry.path for entry in app_routes(request.app.routes)}


def _is_served(face: Face, served: set[str]) -> bool:
    return any(p == face.path or p.startswith(face.path + "/") for p in served)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DbSession, lang: Lang) -> HTMLResponse:
    sessions = repository.list_sessions(db, limit=_HOME_SESSIONS)
    ids = [s.id for s in sessions]
    roster: dict[int, int] = {}
    votes: dict[int, int] = {}
    if ids:
        roster = dict(db.exec(
            select(Deputy.session_id, func.count()).where(col(Deputy.session_id).in_(ids))
            .group_by(col(Deputy.session_id))
        ).all())
        votes = dict(db.exec(
            select(Vote.session_id, func.count()).where(col(Vote.session_id).in_(ids))
            .group_by(col(Vote.session_id))
        ).all())
    served = _served_paths(request)
    faces = [(face, _is_served(face, served)) for face in FACES]
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request,
        "home.html",
        {
            "lang": lang,
            "demo": request.app.state.settings.is_demo,
            "sessions": sessions,
            "roster": roster,
            "votes": votes,
            "faces": faces,
        },
    )
    return response
