"""What scrutineers' devices exchange through the server: ceremony messages, decryption
shares, certificate signatures. Every message is signed by its scrutineer's own key and
checked before it is kept; secret shares travel sealed to their recipient."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from tally.certificate import CertificateError, Signature
from tally.messages import MessageError, SignedMessage
from voting import ceremony, repository, vote_service
from voting.api.deps import DbSession, EngineDep
from voting.box_models import KeyCeremonyRow, VoteOutcome
from voting.db import session_scope
from voting.errors import MessageRejected, NotFound, NotReady
from voting.lifecycle import VoteState, require_state

__all__ = ["router"]

router = APIRouter(prefix="/api/sessions/{session_id}", tags=["scrutineers"])
ACTOR_PREFIX = "scrutineer"


def _signed(doc: dict[str, Any]) -> SignedMessage:
    try:
        return SignedMessage.from_json(doc)
    except MessageError as exc:
        raise MessageRejected(0, str(exc)) from exc


@router.get("/ceremony", summary="The key ceremony: parameters, keys, commitments, result")
def get_ceremony(session_id: int, db: DbSession) -> dict[str, Any]:
    row = db.get(KeyCeremonyRow, session_id)
    if row is None:
        raise NotFound("ceremony", session_id)
    return {
        "params": ceremony.ceremony_params(db, session_id).to_json(),
        "transport_keys": {str(i): k.hex() for i, k in
                           ceremony.transport_keys(db, session_id).items()},
        "commitments": {str(i): c.to_json() for i, c in
                        ceremony.commitments(db, session_id).items()},
        "result": row.result,
    }


@router.post("/ceremony/commitments", status_code=201,
             summary="Round 1: a scrutineer's signed Feldman commitments")
def post_commitment(session_id: int, message: Annotated[dict[str, Any], Body()],
                    engine: EngineDep) -> dict[str, str]:
    signed = _signed(message)
    with session_scope(engine) as tx:
        ceremony.post_commitment(tx, session_id, signed)
    return {"status": "accepted"}


@router.post("/ceremony/shares", status_code=201,
             summary="Round 2: one share sealed to its recipient, signed by its sender")
def post_share(session_id: int, message: Annotated[dict[str, Any], Body()],
               engine: EngineDep) -> dict[str, str]:
    signed = _signed(message)
    with session_scope(engine) as tx:
        ceremony.post_sealed_share(tx, session_id, signed)
    return {"status": "accepted"}


@router.get("/ceremony/shares/{index}", summary="Round 3: the sealed shares for scrutineer index")
def get_shares(session_id: int, index: int, db: DbSession) -> dict[str, str]:
    return {str(sender): blob.hex() for sender, blob in
            ceremony.sealed_shares_for(db, session_id, index).items()}


@router.get("/votes/{slug}/tally", summary="The closed vote's encrypted tally, to decrypt")
def get_tally(session_id: int, slug: str, db: DbSession) -> dict[str, Any]:
    vote = repository.get_vote(db, session_id, slug)
    require_state(vote, VoteState.CLOSED, VoteState.COUNTED, VoteState.CERTIFIED)
    outcome = db.get(VoteOutcome, vote.id)
    if outcome is None:
        raise NotReady("the vote is not closed", vote=slug)
    return {"aggregate": outcome.aggregate, "cards": outcome.cards}


@router.post("/votes/{slug}/decryption-shares", status_code=201,
             summary="A scrutineer's signed decryption share; the k-th one counts the vote")
def post_decryption_share(session_id: int, slug: str,
                          message: Annotated[dict[str, Any], Body()],
                          engine: EngineDep) -> dict[str, Any]:
    signed = _signed(message)
    with session_scope(engine, immediate=True) as tx:
        vote = repository.get_vote(tx, session_id, slug)
        counted = vote_service.submit_decryption_share(
            tx, vote, signed, f"{ACTOR_PREFIX}-{signed.signer}")
    return {"status": "accepted", "counted": counted}


@router.get("/votes/{slug}/certificate-payload",
            summary="The certificate payload every signer signs (after the count)")
def certificate_payload(session_id: int, slug: str, db: DbSession) -> dict[str, Any]:
    vote = repository.get_vote(db, session_id, slug)
    payload, _ = vote_service.pending_payload(db, vote)
    return payload


@router.post("/votes/{slug}/certificate-signatures", status_code=201,
             summary="A scrutineer's signature on the certificate payload")
def post_signature(session_id: int, slug: str, signature: Annotated[dict[str, Any], Body()],
                   engine: EngineDep) -> dict[str, str]:
    try:
        parsed = Signature.from_json(signature)
    except CertificateError as exc:
        raise MessageRejected(0, str(exc)) from exc
    with session_scope(engine) as tx:
        vote = repository.get_vote(tx, session_id, slug)
        vote_service.add_scrutineer_signature(tx, vote, parsed, parsed.signer)
    return {"status": "accepted"}


