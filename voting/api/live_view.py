"""The public live view of a session: what the projector shows and the websocket sends.

Built from :func:`voting.api.votes.vote_status`, so it carries turnout and state while a
vote runs and the result only once it is certified — never a count before. Around that it
adds what a hall display needs: the session title, the list of votes with their states,
which vote is current, when it opened, and the names of its options.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tally.rules import ThresholdRule, threshold_votes
from voting import repository
from voting.api.votes import vote_status
from voting.lifecycle import VoteState
from voting.models import AuditEntry, Vote

__all__ = ["current_vote", "iso_time", "live_view", "read_live_view"]

_COUNTING = (VoteState.CLOSED, VoteState.COUNTED)


def current_vote(votes: list[Vote], pin: str | None = None) -> Vote | None:
    """The vote the hall should see.

    A pinned vote if it exists; else the newest open vote; else the newest one being
    counted; else the newest certified result (it stays up until the next vote opens);
    else the first vote ready to open (announced as next). Drafts are never shown.
    """
    if pin is not None:
        return next((v for v in votes if v.slug == pin), None)
    newest_first = sorted(votes, key=lambda v: v.id or 0, reverse=True)
    for states in ((VoteState.OPEN,), _COUNTING, (VoteState.CERTIFIED,)):
        found = next((v for v in newest_first if v.state in states), None)
        if found is not None:
            return found
    return next((v for v in reversed(newest_first) if v.state == VoteState.KEYS_READY), None)


def _opened_at(db: Session, vote: Vote) -> datetime | None:
    """When the vote opened, from the audit log (the transition to open is logged there)."""
    row = db.exec(
        select(AuditEntry.at)
        .where(col(AuditEntry.at) >= vote.created_at)  # keeps the scan on the `at` index
        .where(AuditEntry.action == f"vote.{VoteState.OPEN.value}")
        .where(AuditEntry.subject == f"vote:{vote.id}")
        .order_by(col(AuditEntry.id).desc())
    ).first()
    return row


def iso_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def live_view(db: Session, session_id: int, pin: str | None = None) -> dict[str, Any]:
    """The session's public view (raises NotFound for an unknown session)."""
    session = repository.get_session(db, session_id)
    votes = list(repository.list_votes(db, session_id))
    current = current_vote(votes, pin)
    view: dict[str, Any] = {
        "session": {"id": session.id, "title": session.title,
                    "deputies_total": session.deputies_total},
        "votes": [{"slug": v.slug, "title": v.title, "kind": v.kind, "state": v.state}
                  for v in votes if v.state != VoteState.DRAFT],
        "current": None,
    }
    if current is None:
        return view
    status = vote_status(db, current)
    opened = _opened_at(db, current) if current.state != VoteState.KEYS_READY else None
    status.update({
        "options": list(current.options),
        "scale": list(current.scale) if current.scale is not None else None,
        "select_max": current.select_max,
        "threshold_rule": current.threshold_rule,
        "opened_at": iso_time(opened) if opened is not None else None,
    })
    if "result" in status:  # certified: the vote count needed, for the verdict legend
        rule = cast(ThresholdRule, current.threshold_rule)
        status["threshold_votes"] = threshold_votes(rule, status["deputies_total"],
                                                    status["result"]["ballots_cast"])
    view["current"] = status
    return view


def read_live_view(engine: Engine, session_id: int, pin: str | None = None) -> dict[str, Any]:
    """:func:`live_view` in a session of its own (the hub calls this from a thread)."""
    with Session(engine) as db:
        return live_view(db, session_id, pin)
