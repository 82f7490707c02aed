"""The secretariat console (秘书处控制台): server-rendered pages, one per task.

Pages only read; every action is a form that kiosk_ui/static/js/console.js sends to the
JSON API (voting/api/operator.py, secretariat.py, demo_ops.py) with the CSRF header, then
shows the answer. Operators only: anyone else is sent to the login page.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session, col, func, select

from tally.certificate import fingerprint
from voting import repository
from voting.api.deps import DbSession
from voting.api.secretariat import audit_entries, count_progress, list_devices
from voting.api.votes import vote_status
from voting.api.web import login_redirect, operator_or_none, render
from voting.box_models import KeyCeremonyRow, ScrutineerKey, SessionKeyRow
from voting.ceremony import commitments, shares_relayed
from voting.models import Attendance, Deputy, Level, ThresholdRule, Vote, VoteKind

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)

_AUDIT_PAGE = 100
DEFAULT_SCALE = ("满意", "基本满意", "不满意")


def _present_ids(db: Session, session_id: int) -> set[int]:
    return {int(d) for d in db.exec(select(Attendance.deputy_id)
                                    .where(Attendance.session_id == session_id)).all()}


def _ceremony(db: Session, session_id: int) -> dict[str, Any]:
    row = db.get(KeyCeremonyRow, session_id)
    keys = db.exec(select(ScrutineerKey).where(ScrutineerKey.session_id == session_id)
                   .order_by(col(ScrutineerKey.index))).all()
    session_key = db.get(SessionKeyRow, session_id)
    public_key = row.result["public_key"] if row and row.result else None
    return {
        "begun": row is not None,
        "n": row.n if row else None,
        "k": row.k if row else None,
        "done": public_key is not None,
        "public_key_fp": _fp(public_key),
        "committed": sorted(commitments(db, session_id)) if row else [],
        "shares": shares_relayed(db, session_id) if row else {},
        "scrutineers": [{"index": k.index, "name": k.name, "signing_fp": _fp(k.signing_key),
                         "transport_fp": _fp(k.transport_key)} for k in keys],
        "certification_key": session_key is not None,
        "certification_fp": _fp(session_key.public_key if session_key else None),
    }


def _fp(key_hex: str | None) -> str:
    return fingerprint(bytes.fromhex(key_hex)) if key_hex else ""


def _session_context(db: Session, session_id: int, request: Request) -> dict[str, Any]:
    congress = repository.get_session(db, session_id)
    return {"congress": congress, "session_id": session_id,
            "server_url": str(request.base_url).rstrip("/")}


@router.get("")
def index(request: Request, db: DbSession) -> Response:
    if operator_or_none(request) is None:
        return login_redirect(request)
    sessions = repository.list_sessions(db, limit=500)
    roster = dict(db.exec(select(Deputy.session_id, func.count())
                          .group_by(col(Deputy.session_id))).all())
    votes = dict(db.exec(select(Vote.session_id, func.count())
                         .group_by(col(Vote.session_id))).all())
    return render(request, "console/index.html",
                  {"sessions": sessions, "roster": roster, "votes": votes, "levels": list(Level)})


@router.get("/audit")
def audit_page(request: Request, db: DbSession, session: int | None = None,
               page: int = 0) -> Response:
    if operator_or_none(request) is None:
        return login_redirect(request)
    page = max(0, page)
    entries, total = audit_entries(db, session_id=session, offset=page * _AUDIT_PAGE,
                                   limit=_AUDIT_PAGE)
    rows = [{**e.model_dump(), "detail_text": json.dumps(e.detail, ensure_ascii=False)}
            for e in entries]
    context: dict[str, Any] = {"entries": rows, "total": total, "page": page,
                               "pages": max(1, -(-total // _AUDIT_PAGE)), "filter": session}
    if session is not None:
        context.update(_session_context(db, session, request))
    return render(request, "console/audit.html", context)


@router.get("/sessions/{session_id}")
def session_page(request: Request, session_id: int, db: DbSession) -> Response:
    if operator_or_none(request) is None:
        return login_redirect(request)
    context = _session_context(db, session_id, request)
    votes = repository.list_votes(db, session_id)
    lists = repository.list_candidate_lists(db, session_id)
    context.update({
        "votes": votes,
        "candidate_lists": lists,
        "roster_count": repository.count_deputies(db, session_id),
        "present": len(_present_ids(db, session_id)),
        "ceremony": _ceremony(db, session_id),
        "kinds": list(VoteKind),
        "thresholds": list(ThresholdRule),
        "default_scale": "\n".join(DEFAULT_SCALE),
    })
    return render(request, "console/session.html", context)


@router.get("/sessions/{session_id}/roster")
def roster_page(request: Request, session_id: int, db: DbSession) -> Response:
    if operator_or_none(request) is None:
        return login_redirect(request)
    context = _session_context(db, session_id, request)
    context.update({"deputies": repository.list_deputies(db, session_id),
                    "candidate_lists": repository.list_candidate_lists(db, session_id)})
    return render(request, "console/roster.html", context)


@router.get("/sessions/{session_id}/keys")
def keys_page(request: Request, session_id: int, db: DbSession) -> Response:
    if operator_or_none(request) is None:
        return login_redirect(request)
    context = _session_context(db, session_id, request)
    roster_scrutineers = [d for d in repository.list_deputies(db, session_id) if d.is_scrutineer]
    context.update({"ceremony": _ceremony(db, session_id),
                    "roster_scrutineers": roster_scrutineers})
    return render(request, "console/keys.html", context)


@router.get("/sessions/{session_id}/checkin")
def checkin_page(request: Request, session_id: int, db: DbSession) -> Response:
    if operator_or_none(request) is None:
        return login_redirect(request)
    context = _session_context(db, session_id, request)
    votes = [v for v in repository.list_votes(db, session_id)
             if v.state in ("draft", "keys_ready", "open")]
    context.update({"deputies": repository.list_deputies(db, session_id),
                    "present_ids": _present_ids(db, session_id),
                    "issuable": [v for v in votes if v.state in ("keys_ready", "open")],
                    "chosen": request.query_params.get("vote", "")})
    return render(request, "console/checkin.html", context)


@router.get("/sessions/{session_id}/devices")
def devices_page(request: Request, session_id: int, db: DbSession) -> Response:
    if operator_or_none(request) is None:
        return login_redirect(request)
    context = _session_context(db, session_id, request)
    context["devices"] = list_devices(session_id, db, "console")
    return render(request, "console/devices.html", context)


@router.get("/sessions/{session_id}/votes/{slug}")
def vote_page(request: Request, session_id: int, slug: str, db: DbSession) -> Response:
    if operator_or_none(request) is None:
        return login_redirect(request)
    context = _session_context(db, session_id, request)
    vote = repository.get_vote(db, session_id, slug)
    children = db.exec(select(Vote).where(Vote.parent_vote_id == vote.id)
                       .order_by(col(Vote.id))).all()
    parent = db.get(Vote, vote.parent_vote_id) if vote.parent_vote_id else None
    status = vote_status(db, vote)
    result = status.get("result")
    context.update({
        "vote": vote,
        "status": status,
        "progress": count_progress(db, vote),
        "ceremony": _ceremony(db, session_id),
        "result": result,
        "ranked": _ranked(vote, result) if result and vote.kind == "selection" else [],
        "children": children,
        "parent": parent,
        "needs_runoff": bool(result and (result.get("tie") or result.get("shortfall"))),
    })
    return render(request, "console/vote.html", context)


def _ranked(vote: Vote, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The options of a certified selection, most votes first, with the elected marked."""
    counts: list[int] = list(result.get("counts") or [])
    elected = set(result.get("elected") or [])
    tied = set((result.get("tie") or {}).get("options") or [])
    order = sorted(range(len(counts)), key=lambda i: (-counts[i], i))
    return [{"rank": n + 1, "index": i, "name": vote.options[i], "votes": counts[i],
             "elected": i in elected, "tied": i in tied} for n, i in enumerate(order)]
