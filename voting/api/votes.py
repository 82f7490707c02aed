"""The public and kiosk side of a vote: what a tablet needs to encrypt, casting, the board,
turnout, and — once certified, never before — the result and the election record."""

from __future__ import annotations

import io
import zipfile
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select

from tally.certificate import fingerprint
from voting import repository
from voting.api.deps import DbSession
from voting.ballot_box import BallotBox, Receipt
from voting.box_models import BoardEntryRow, BoardHead, VoteElection, VoteOutcome
from voting.cards import card_counts
from voting.errors import BallotRejected, NotFound, NotReady
from voting.lifecycle import VoteState
from voting.models import Attendance, CongressSession, Vote
from voting.record_export import record_files_of

__all__ = ["router", "vote_status"]

router = APIRouter(prefix="/api/sessions/{session_id}/votes/{slug}", tags=["votes"])

#: A ballot of 3,000 selections is far beyond any real vote; the body limit guards memory.
_MAX_BALLOT_SELECTIONS = 400


def ballot_box(request: Request) -> BallotBox:
    """One ballot box per app process: it caches each vote's election context."""
    box: BallotBox | None = getattr(request.app.state, "ballot_box", None)
    if box is None:
        box = request.app.state.ballot_box = BallotBox(request.app.state.engine)
    return box


def _vote(db: Session, session_id: int, slug: str) -> Vote:
    return repository.get_vote(db, session_id, slug)


class CastRequest(BaseModel):
    """A cast: the card as scanned or typed, and the encrypted ballot (crypto spec)."""

    card: str = Field(min_length=1, max_length=200)
    ballot: dict[str, Any]


class ReceiptOut(BaseModel):
    vote: str
    seq: int
    tracking_code: str
    entry_hash: str


@router.get("/election", summary="What a tablet needs to encrypt a ballot for this vote")
def election(session_id: int, slug: str, db: DbSession) -> dict[str, Any]:
    vote = _vote(db, session_id, slug)
    row = db.get(VoteElection, vote.id)
    if row is None:
        raise NotReady("the vote's keys are not ready", vote=slug)
    candidates = repository.list_candidate_lists(db, session_id)
    details = next((c.candidates for c in candidates if c.id == vote.candidate_list_id), [])
    return {
        "vote": row.spec["vote"],
        "session": row.spec["session"],
        "state": vote.state,
        "manifest": row.manifest,
        "public_key": row.public_key,
        "election_hash": row.election_hash,
        "candidates": [c.model_dump(include={"name", "investment", "summary"}) for c in details],
    }


@router.post("/ballots", status_code=201, response_model=ReceiptOut,
             summary="Cast an encrypted ballot with a one-time card")
def cast(session_id: int, slug: str, body: Annotated[CastRequest, Body()],
         box: Annotated[BallotBox, Depends(ballot_box)]) -> ReceiptOut:
    # No DbSession here: the box takes its own connections, one at a time. Holding one from
    # the request while the box waited for another deadlocked the pool under load.
    selections = body.ballot.get("selections")
    if isinstance(selections, list) and len(selections) > _MAX_BALLOT_SELECTIONS:
        raise BallotRejected("malformed")
    receipt: Receipt = box.cast_in(session_id, slug, body.card, body.ballot)
    return ReceiptOut(**receipt.to_json())


def vote_status(db: Session, vote: Vote) -> dict[str, Any]:
    """Turnout while open; the certified result only after certification. Never a count
    of votes before that: the aggregate stays encrypted until the scrutineers decrypt it."""
    session = db.get(CongressSession, vote.session_id)
    assert session is not None
    present = db.exec(select(func.count()).select_from(Attendance)
                      .where(Attendance.session_id == vote.session_id)).one()
    head = db.get(BoardHead, vote.id)
    status: dict[str, Any] = {
        "vote": vote.slug,
        "title": vote.title,
        "kind": vote.kind,
        "state": vote.state,
        "deputies_total": session.deputies_total,
        "deputies_present": int(present),
        "cards": card_counts(db, vote).to_json(),
        "ballots_cast": head.seq if head is not None else 0,
        "board_head": head.head if head is not None else None,
    }
    if vote.state == VoteState.CERTIFIED:
        outcome = db.get(VoteOutcome, vote.id)
        assert outcome is not None and outcome.certificate is not None
        status["result"] = outcome.result
        status["certificate"] = {
            "signers": [
                {"signer": s["signer"], "role": s["role"],
                 "fingerprint": fingerprint(bytes.fromhex(s["public_key"]))}
                for s in outcome.certificate["signatures"]
            ],
        }
    return status


@router.get("/status", summary="Turnout, state, and the certified result once there is one")
def status(session_id: int, slug: str, db: DbSession) -> dict[str, Any]:
    return vote_status(db, _vote(db, session_id, slug))


@router.get("/board/{tracking_code}", summary="Find a ballot on the board by tracking code")
def board_entry(session_id: int, slug: str, tracking_code: str, db: DbSession) -> dict[str, Any]:
    vote = _vote(db, session_id, slug)
    code = tracking_code.strip().upper()
    row = db.exec(select(BoardEntryRow).where(BoardEntryRow.vote_id == vote.id)
                  .where(BoardEntryRow.tracking_code == code)).first()
    if row is None:
        raise NotFound("ballot", code)
    head = db.get(BoardHead, vote.id)
    return {"seq": row.seq, "tracking_code": row.tracking_code, "entry_hash": row.entry_hash,
            "ballot_hash": row.ballot_hash, "board_size": head.seq if head else row.seq}


@router.get("/board", summary="The board's entries (encrypted ballots), in order")
def board(session_id: int, slug: str, db: DbSession, after: int = 0,
          limit: int = 100) -> list[dict[str, Any]]:
    vote = _vote(db, session_id, slug)
    rows = db.exec(select(BoardEntryRow).where(BoardEntryRow.vote_id == vote.id)
                   .where(col(BoardEntryRow.seq) > after).order_by(col(BoardEntryRow.seq))
                   .limit(max(1, min(limit, 500)))).all()
    return [{"seq": r.seq, "tracking_code": r.tracking_code, "entry_hash": r.entry_hash,
             "ballot_hash": r.ballot_hash, "prev": r.prev} for r in rows]


@router.get("/record.zip", summary="The certified election record, for `tally verify`")
def record_zip(session_id: int, slug: str, db: DbSession) -> Response:
    vote = _vote(db, session_id, slug)
    files = record_files_of(db, vote)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(f"{slug}/{name}", data)
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{slug}-record.zip"'})
