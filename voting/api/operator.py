"""The secretariat's operations (秘书处): scrutineers and ceremony, certification key,
check-in, votes and their lifecycle, ballot cards, certification, further votes.

Every route needs the operator (voting/api/auth.py) and lands in the audit log.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import select

from voting import audit, ceremony, live, repository, vote_service
from voting.api.auth import Operator
from voting.api.deps import EngineDep
from voting.api.votes import vote_status
from voting.card_codes import CardCode
from voting.card_print import render_cards_pdf
from voting.cards import issue_card, make_cards
from voting.db import session_scope
from voting.errors import Conflict, NotFound
from voting.models import Attendance, Deputy, VoteCreate, VotePublic
from voting.session_keys import create_session_key, unlock_session_key

__all__ = ["router"]

router = APIRouter(prefix="/api/sessions/{session_id}", tags=["operator"])


class ScrutineerKeys(BaseModel):
    index: int = Field(ge=1, le=99)
    name: str = Field(min_length=1, max_length=100)
    signing_key: str = Field(pattern=r"^[0-9a-f]{64}$")
    transport_key: str = Field(pattern=r"^[0-9a-f]{64}$")


class CeremonyStart(BaseModel):
    n: int = Field(ge=1, le=99)
    k: int = Field(ge=1, le=99)


class Passphrase(BaseModel):
    passphrase: str = Field(min_length=0, max_length=1000)


class CardCount(BaseModel):
    count: int = Field(ge=1, le=10_000)


class CardScan(BaseModel):
    card: str = Field(min_length=1, max_length=200)


class CheckIn(BaseModel):
    deputy_id: int


@router.post("/scrutineers", status_code=201, summary="Record a scrutineer's public keys")
def register_scrutineer(session_id: int, body: ScrutineerKeys, engine: EngineDep,
                        actor: Operator) -> dict[str, str]:
    with session_scope(engine) as db:
        repository.get_session(db, session_id)
        ceremony.register_scrutineer(db, session_id, body.index, body.name,
                                     bytes.fromhex(body.signing_key),
                                     bytes.fromhex(body.transport_key), actor)
    return {"status": "registered"}


@router.post("/ceremony", status_code=201, summary="Begin the k-of-n key ceremony")
def begin_ceremony(session_id: int, body: CeremonyStart, engine: EngineDep,
                   actor: Operator) -> dict[str, Any]:
    with session_scope(engine) as db:
        repository.get_session(db, session_id)
        params = ceremony.begin_ceremony(db, session_id, body.n, body.k, actor)
    return params.to_json()


@router.post("/ceremony/complete", summary="Derive the joint key once every commitment is in")
def complete_ceremony(session_id: int, engine: EngineDep, actor: Operator) -> dict[str, Any]:
    with session_scope(engine) as db:
        result = ceremony.complete_ceremony(db, session_id, actor)
    return {"public_key": result.public_key.hex(), "ceremony_hash": result.ceremony_hash.hex()}


@router.post("/certification-key", status_code=201,
             summary="Generate the session's certification key, sealed under a passphrase")
def certification_key(session_id: int, body: Passphrase, engine: EngineDep,
                      actor: Operator) -> dict[str, str]:
    with session_scope(engine) as db:
        repository.get_session(db, session_id)
        fingerprint = create_session_key(db, session_id, body.passphrase, secrets.token_bytes,
                                         actor)
    return {"fingerprint": fingerprint}


@router.post("/attendance", status_code=201, summary="Check a deputy in (报到)")
def check_in(session_id: int, body: CheckIn, engine: EngineDep,
             actor: Operator) -> dict[str, str]:
    with session_scope(engine) as db:
        deputy = db.get(Deputy, body.deputy_id)
        if deputy is None or deputy.session_id != session_id:
            raise NotFound("deputy", body.deputy_id)
        if db.exec(select(Attendance).where(Attendance.session_id == session_id)
                   .where(Attendance.deputy_id == body.deputy_id)).first() is not None:
            raise Conflict("attendance", body.deputy_id)
        db.add(Attendance(session_id=session_id, deputy_id=body.deputy_id, operator=actor))
        audit.record(db, actor, "deputy.checked_in", f"deputy:{body.deputy_id}")
        live.changed(db, session_id, None, "attendance")
    return {"status": "present"}


@router.post("/votes", status_code=201, response_model=VotePublic, summary="Define a vote")
def create_vote(session_id: int, body: VoteCreate, engine: EngineDep,
                actor: Operator) -> VotePublic:
    with session_scope(engine) as db:
        vote = repository.add_vote(db, session_id, body)
        audit.record(db, actor, "vote.created", f"vote:{vote.id}", {"slug": vote.slug})
        return VotePublic.model_validate(vote)


def _transition(session_id: int, slug: str, engine: EngineDep, actor: str, action: str,
                ) -> dict[str, Any]:
    with session_scope(engine) as db:
        vote = repository.get_vote(db, session_id, slug)
        if action == "prepare":
            vote_service.prepare_vote(db, vote, actor)
        else:
            vote_service.open_vote(db, vote, actor)
        return vote_status(db, vote)


@router.post("/votes/{slug}/prepare", summary="Fix the manifest and keys: draft → keys ready")
def prepare(session_id: int, slug: str, engine: EngineDep, actor: Operator) -> dict[str, Any]:
    return _transition(session_id, slug, engine, actor, "prepare")


@router.post("/votes/{slug}/open", summary="Open the vote for ballots")
def open_vote(session_id: int, slug: str, engine: EngineDep, actor: Operator) -> dict[str, Any]:
    return _transition(session_id, slug, engine, actor, "open")


@router.post("/votes/{slug}/close", summary="Close the vote: unissued cards void, tally fixed")
def close(session_id: int, slug: str, engine: EngineDep, actor: Operator) -> dict[str, Any]:
    with session_scope(engine) as db:
        vote_pk = repository.get_vote(db, session_id, slug).id
    assert vote_pk is not None
    vote_service.close_vote(engine, vote_pk, actor)
    with session_scope(engine) as db:
        return vote_status(db, repository.get_vote(db, session_id, slug))


@router.post("/votes/{slug}/cards", summary="Make N ballot cards; answers the printable PDF",
             response_class=Response)
def print_cards(session_id: int, slug: str, body: CardCount, engine: EngineDep,
                actor: Operator) -> Response:
    with session_scope(engine) as db:
        congress = repository.get_session(db, session_id)
        vote = repository.get_vote(db, session_id, slug)
        made = make_cards(db, vote, body.count, secrets.token_bytes, actor)
        pdf = render_cards_pdf(vote.title, vote.slug, [CardCode(s) for s in made], congress.title)
    return Response(pdf, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{slug}-cards.pdf"',
                             "cache-control": "no-store"})


@router.post("/votes/{slug}/cards/issue", summary="Activate a card as the desk hands it out")
def issue(session_id: int, slug: str, body: CardScan, engine: EngineDep,
          actor: Operator) -> dict[str, Any]:
    with session_scope(engine) as db:
        vote = repository.get_vote(db, session_id, slug)
        issue_card(db, vote, body.card, actor)
        return vote_status(db, vote)


@router.post("/votes/{slug}/certify",
             summary="Sign the result with the session key once the scrutineers have signed")
def certify(session_id: int, slug: str, body: Annotated[Passphrase, Body()], engine: EngineDep,
            actor: Operator) -> dict[str, Any]:
    with session_scope(engine) as db:
        vote = repository.get_vote(db, session_id, slug)
        key = unlock_session_key(db, session_id, body.passphrase)
        vote_service.certify(db, vote, key, actor)
        return vote_status(db, vote)


@router.post("/votes/{slug}/runoff", status_code=201, response_model=VotePublic,
             summary="Create the further vote a tie or shortfall calls for")
def runoff(session_id: int, slug: str, engine: EngineDep, actor: Operator) -> VotePublic:
    with session_scope(engine) as db:
        vote = repository.get_vote(db, session_id, slug)
        return VotePublic.model_validate(vote_service.create_runoff(db, vote, actor))
