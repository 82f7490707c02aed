"""Read endpoints for sessions, their rosters, candidate lists and votes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from voting import repository
from voting.api.deps import DbSession
from voting.models import (
    CandidateListPublic,
    DeputyPublic,
    SessionPublic,
    VotePublic,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/sessions", tags=["sessions"])


@router.get("", response_model=list[SessionPublic], summary="Sessions, oldest first")
def list_sessions(
    db: DbSession,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SessionPublic]:
    rows = repository.list_sessions(db, offset=offset, limit=limit)
    return [SessionPublic.model_validate(row) for row in rows]


@router.get("/{session_id}", response_model=SessionPublic, summary="One session")
def get_session(session_id: int, db: DbSession) -> SessionPublic:
    return SessionPublic.model_validate(repository.get_session(db, session_id))


@router.get("/{session_id}/deputies", response_model=list[DeputyPublic],
            summary="The roster (names, delegations, seats, roles; never attendance)")
def list_deputies(session_id: int, db: DbSession) -> list[DeputyPublic]:
    return [DeputyPublic.model_validate(row) for row in repository.list_deputies(db, session_id)]


@router.get("/{session_id}/candidates", response_model=list[CandidateListPublic],
            summary="Candidate lists with their projects in ballot order")
def list_candidates(session_id: int, db: DbSession) -> list[CandidateListPublic]:
    return repository.list_candidate_lists(db, session_id)


@router.get("/{session_id}/votes", response_model=list[VotePublic],
            summary="The session's votes and their states")
def list_votes(session_id: int, db: DbSession) -> list[VotePublic]:
    return [VotePublic.model_validate(row) for row in repository.list_votes(db, session_id)]
