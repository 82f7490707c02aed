"""The life of a vote as an explicit state machine.

    draft ──prepare──▶ keys_ready ──open──▶ open ──close──▶ closed
          ──(k decryption shares)──▶ counted ──(every signature)──▶ certified

Every transition is checked here and written to the operator audit log in the same
transaction; anything else is refused with :class:`voting.errors.InvalidTransition`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlmodel import Session

from voting import audit, live
from voting.errors import InvalidTransition
from voting.models import Vote

__all__ = ["ALLOWED", "VoteState", "require_state", "transition"]


class VoteState(StrEnum):
    DRAFT = "draft"
    KEYS_READY = "keys_ready"
    OPEN = "open"
    CLOSED = "closed"
    COUNTED = "counted"
    CERTIFIED = "certified"


ALLOWED: dict[VoteState, VoteState] = {
    VoteState.DRAFT: VoteState.KEYS_READY,
    VoteState.KEYS_READY: VoteState.OPEN,
    VoteState.OPEN: VoteState.CLOSED,
    VoteState.CLOSED: VoteState.COUNTED,
    VoteState.COUNTED: VoteState.CERTIFIED,
}


def require_state(vote: Vote, *states: VoteState) -> None:
    """Refuse to act on ``vote`` unless it is in one of ``states``."""
    if vote.state not in states:
        raise InvalidTransition(vote.state, "|".join(states), vote=vote.slug)


def transition(
    db: Session, vote: Vote, target: VoteState, actor: str, detail: dict[str, Any] | None = None
) -> None:
    """Move ``vote`` to ``target`` if the machine allows it, and log who did it."""
    current = VoteState(vote.state)
    if ALLOWED.get(current) != target:
        raise InvalidTransition(current.value, target.value, vote=vote.slug)
    vote.state = target.value
    db.add(vote)
    audit.record(db, actor, f"vote.{target.value}", f"vote:{vote.id}", detail or {})
    live.changed(db, vote.session_id, vote.slug, "state")  # projectors hear after commit
