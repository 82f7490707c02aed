"""Reads and writes of sessions, rosters, candidate lists and votes.

Every function takes an open :class:`sqlmodel.Session` and never commits: the caller owns
the transaction (voting.db.session_scope). Lookups of a missing thing raise NotFound.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, func, select

from voting.errors import Conflict, NotFound
from voting.models import (
    Candidate,
    CandidateCreate,
    CandidateList,
    CandidateListPublic,
    CandidatePublic,
    CongressSession,
    Deputy,
    DeputyCreate,
    SessionCreate,
    Vote,
    VoteCreate,
)

__all__ = [
    "add_candidate_list",
    "add_deputies",
    "add_vote",
    "count_deputies",
    "create_session",
    "find_session_by_code",
    "get_session",
    "get_vote",
    "list_candidate_lists",
    "list_deputies",
    "list_sessions",
    "list_votes",
]


def create_session(session: Session, data: SessionCreate) -> CongressSession:
    if data.code is not None and find_session_by_code(session, data.code) is not None:
        raise Conflict("session_code", data.code)
    assert data.quorum is not None  # filled in by SessionCreate
    row = CongressSession(code=data.code, title=data.title, level=data.level.value,
                          deputies_total=data.deputies_total, quorum=data.quorum)
    session.add(row)
    session.flush()
    return row


def get_session(session: Session, session_id: int) -> CongressSession:
    row = session.get(CongressSession, session_id)
    if row is None:
        raise NotFound("session", session_id)
    return row


def find_session_by_code(session: Session, code: str) -> CongressSession | None:
    return session.exec(select(CongressSession).where(CongressSession.code == code)).first()


def list_sessions(session: Session, *, offset: int = 0, limit: int = 100) -> Sequence[
    CongressSession
]:
    query = select(CongressSession).order_by(col(CongressSession.id)).offset(offset).limit(limit)
    return session.exec(query).all()


def count_deputies(session: Session, session_id: int) -> int:
    query = select(func.count()).select_from(Deputy).where(Deputy.session_id == session_id)
    return session.exec(query).one()


def list_deputies(session: Session, session_id: int) -> Sequence[Deputy]:
    get_session(session, session_id)
    query = select(Deputy).where(Deputy.session_id == session_id).order_by(col(Deputy.id))
    return session.exec(query).all()


def add_deputies(
    session: Session, session_id: int, deputies: Sequence[DeputyCreate]
) -> list[Deputy]:
    """Store already validated deputies (see voting.importer for validation)."""
    rows = [Deputy(session_id=session_id, **d.model_dump()) for d in deputies]
    session.add_all(rows)
    session.flush()
    return rows


def add_candidate_list(
    session: Session, session_id: int, title: str, candidates: Sequence[CandidateCreate]
) -> CandidateList:
    existing = session.exec(
        select(CandidateList).where(
            CandidateList.session_id == session_id, CandidateList.title == title
        )
    ).first()
    if existing is not None:
        raise Conflict("candidate_list", title)
    row = CandidateList(session_id=session_id, title=title)
    session.add(row)
    session.flush()
    assert row.id is not None
    session.add_all([Candidate(list_id=row.id, **c.model_dump()) for c in candidates])
    session.flush()
    return row


def list_candidate_lists(session: Session, session_id: int) -> list[CandidateListPublic]:
    get_session(session, session_id)
    lists = session.exec(
        select(CandidateList)
        .where(CandidateList.session_id == session_id)
        .order_by(col(CandidateList.id))
    ).all()
    ids = [lst.id for lst in lists]
    candidates = session.exec(
        select(Candidate)
        .where(col(Candidate.list_id).in_(ids))
        .order_by(col(Candidate.list_id), col(Candidate.position))
    ).all() if ids else []
    by_list: dict[int, list[CandidatePublic]] = {}
    for cand in candidates:
        by_list.setdefault(cand.list_id, []).append(CandidatePublic.model_validate(cand))
    return [
        CandidateListPublic(id=lst.id, session_id=lst.session_id, title=lst.title,
                            created_at=lst.created_at, candidates=by_list.get(lst.id, []))
        for lst in lists
        if lst.id is not None
    ]


def add_vote(session: Session, session_id: int, data: VoteCreate) -> Vote:
    get_session(session, session_id)
    if session.exec(
        select(Vote).where(Vote.session_id == session_id, Vote.slug == data.slug)
    ).first() is not None:
        raise Conflict("vote", data.slug)
    row = Vote(
        session_id=session_id,
        slug=data.slug,
        kind=data.kind.value,
        title=data.title,
        options=list(data.options),
        scale=None if data.scale is None else list(data.scale),
        select_min=data.select_min,
        select_max=data.select_max,
        threshold_rule=data.threshold_rule.value,
        candidate_list_id=data.candidate_list_id,
        parent_vote_id=data.parent_vote_id,
    )
    session.add(row)
    session.flush()
    return row


def get_vote(session: Session, session_id: int, slug: str) -> Vote:
    row = session.exec(
        select(Vote).where(Vote.session_id == session_id, Vote.slug == slug)
    ).first()
    if row is None:
        raise NotFound("vote", slug)
    return row


def list_votes(session: Session, session_id: int) -> Sequence[Vote]:
    get_session(session, session_id)
    query = select(Vote).where(Vote.session_id == session_id).order_by(col(Vote.id))
    return session.exec(query).all()
