"""The public verification pages (核验): find a ballot on the board by its tracking code,
download a vote's election record, and learn how to check it with ``tally verify``.

Plain server-rendered pages with plain forms: they work without JavaScript, on any phone
that scanned the projector's QR code. ``/verify/{sid}/{slug}/qr.svg`` is that QR code,
drawn here as SVG so the projector needs no third-party service.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from voting import repository
from voting.api.deps import DbSession, Lang
from voting.api.projector import PAGE_CSP
from voting.api.votes import vote_status
from voting.box_models import BoardEntryRow, VoteElection
from voting.lifecycle import VoteState
from voting.models import CongressSession, Vote

__all__ = ["normalize_tracking_code", "router", "verify_url"]

router = APIRouter(include_in_schema=False)

_VERIFY_SESSIONS = 200
_CODE_SYMBOLS = 16  # tally.board.tracking_code: 10 bytes, Crockford base32
# Crockford base32 reads the letters people confuse as the digits they look like.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{16}$")
_VOTE_REF = re.compile(r"(?P<sid>[0-9]{1,12})/(?P<slug>[A-Za-z0-9_-]{1,64})")

CodeQuery = Annotated[str | None, Query(max_length=64)]


def normalize_tracking_code(typed: str) -> str | None:
    """``abcd efgh-jkmn-pqrs`` → ``ABCD-EFGH-JKMN-PQRS``; None if it cannot be a code."""
    compact = re.sub(r"[\s\-]", "", typed).upper().translate(_CONFUSABLE)
    if not _CODE_PATTERN.fullmatch(compact):
        return None
    return "-".join(compact[i : i + 4] for i in range(0, _CODE_SYMBOLS, 4))


def verify_url(request: Request, session_id: int, slug: str) -> str:
    """The absolute address of a vote's verification page, as this request reached us."""
    return str(request.url_for("verify_vote", session_id=session_id, slug=slug))


def _render(request: Request, name: str, context: dict[str, Any]) -> HTMLResponse:
    context.setdefault("demo", request.app.state.settings.is_demo)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, name, context, headers={"content-security-policy": PAGE_CSP})
    return response


def _public_votes(db: Session) -> list[tuple[CongressSession, list[Vote]]]:
    sessions = repository.list_sessions(db, limit=_VERIFY_SESSIONS)
    ids = [s.id for s in sessions]
    votes = db.exec(select(Vote).where(col(Vote.session_id).in_(ids))
                    .where(Vote.state != VoteState.DRAFT).order_by(col(Vote.id))).all()
    grouped: dict[int, list[Vote]] = {}
    for vote in votes:
        grouped.setdefault(vote.session_id, []).append(vote)
    return [(s, grouped[s.id]) for s in sessions if s.id in grouped]


@router.get("/verify", response_class=HTMLResponse)
def verify_index(request: Request, db: DbSession, lang: Lang,
                 vote: Annotated[str | None, Query(max_length=80)] = None,
                 code: CodeQuery = None) -> Response:
    """Every vote one can check; the lookup form sends ``vote=sid/slug&code=…`` here."""
    chosen = _VOTE_REF.fullmatch(vote or "")
    if chosen:
        target = request.app.url_path_for("verify_vote", session_id=int(chosen["sid"]),
                                          slug=chosen["slug"])
        query = "?" + urlencode({"code": code}) if code else ""
        return RedirectResponse(str(target) + query, status_code=303)
    return _render(request, "verify.html", {"lang": lang, "groups": _public_votes(db)})


@router.get("/verify/{session_id}/{slug}", response_class=HTMLResponse, name="verify_vote")
def verify_vote(session_id: int, slug: str, request: Request, db: DbSession, lang: Lang,
                code: CodeQuery = None) -> HTMLResponse:
    """One vote: its board, certificate fingerprints, record, and a tracking-code lookup."""
    session = repository.get_session(db, session_id)
    vote = repository.get_vote(db, session_id, slug)
    status = vote_status(db, vote)
    election = db.get(VoteElection, vote.id)
    lookup: dict[str, Any] | None = None
    if code:
        normalized = normalize_tracking_code(code)
        if normalized is None:
            lookup = {"code": code, "error": "verify.bad_code"}
        else:
            row = db.exec(select(BoardEntryRow).where(BoardEntryRow.vote_id == vote.id)
                          .where(BoardEntryRow.tracking_code == normalized)).first()
            lookup = {"code": normalized, "entry": row,
                      "error": None if row is not None else "verify.not_found"}
    return _render(request, "verify_vote.html", {
        "lang": lang, "session": session, "vote": vote, "status": status, "lookup": lookup,
        "election_hash": election.election_hash if election is not None else None,
        "record_name": f"{vote.slug}-record.zip",
        "certified": vote.state == VoteState.CERTIFIED,
    })


@router.get("/verify/{session_id}/{slug}/qr.svg")
def verify_qr(session_id: int, slug: str, request: Request, db: DbSession) -> Response:
    """The QR code of the vote's verification page, as SVG (drawn here, offline)."""
    repository.get_vote(db, session_id, slug)  # 404 for a vote that does not exist
    image = qrcode.make(verify_url(request, session_id, slug),
                        image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return Response(image.to_string(encoding="unicode"), media_type="image/svg+xml",
                    headers={"cache-control": "public, max-age=300"})
