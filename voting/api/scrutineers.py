"""What scrutineers' devices exchange through the server: ceremony messages, decryption
shares, certificate signatures. Every message is signed by its scrutineer's own key and
checked before it is kept; secret shares travel sealed to their recipient.

Every write is a scrutineer's signed request (voting/api/auth.py), and the message it
carries must be that same scrutineer's. Commitments are shown only once all n are in, so
no scrutineer can choose theirs after seeing the others'."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body
from sqlmodel import col, select

from tally.board import BoardEntry
from tally.certificate import CertificateError, Signature
from tally.messages import MessageError, SignedMessage
from voting import ceremony, repository, vote_service
from voting.api.auth import MessageSender, ScrutineerOrOperator
from voting.api.deps import DbSession, EngineDep
from voting.box_models import BoardEntryRow, KeyCeremonyRow, ScrutineerKey, VoteOutcome
from voting.db import session_scope
from voting.errors import MessageRejected, NotFound, NotReady
from voting.lifecycle import VoteState, require_state

__all__ = ["router"]

router = APIRouter(prefix="/api/sessions/{session_id}", tags=["scrutineers"])
ACTOR_PREFIX = "scrutineer"


def _signed(doc: dict[str, Any], sender: MessageSender) -> SignedMessage:
    """The signed message in ``doc``; a scrutineer may only send their own."""
    try:
        message = SignedMessage.from_json(doc)
    except MessageError as exc:
        raise MessageRejected(sender.scrutineer or 0, str(exc)) from exc
    if sender.scrutineer is not None and message.signer != sender.scrutineer:
        raise MessageRejected(sender.scrutineer, "a scrutineer may only send their own messages")
    return message


def _all_committed(db: DbSession, session_id: int) -> bool:
    return len(ceremony.commitments(db, session_id)) == ceremony.ceremony_params(
        db, session_id).n


def _actor(message: SignedMessage, sender: MessageSender) -> str:
    own = f"{ACTOR_PREFIX}-{message.signer}"
    return own if sender.scrutineer is not None else f"{own} via {sender.actor}"


@router.get("/ceremony", summary="The key ceremony: parameters, keys, commitments, result")
def get_ceremony(session_id: int, db: DbSession) -> dict[str, Any]:
    row = db.get(KeyCeremonyRow, session_id)
    if row is None:
        raise NotFound("ceremony", session_id)
    found = ceremony.commitments(db, session_id)
    complete = len(found) == row.n
    keys = db.exec(select(ScrutineerKey).where(ScrutineerKey.session_id == session_id)
                   .order_by(col(ScrutineerKey.index))).all()
    return {
        "params": ceremony.ceremony_params(db, session_id).to_json(),
        "scrutineers": [{"index": k.index, "name": k.name, "signing_key": k.signing_key,
                         "transport_key": k.transport_key} for k in keys],
        "transport_keys": {str(k.index): k.transport_key for k in keys},
        "committed": sorted(found),
        # Withheld until every commitment is in (tally/key_ceremony.py).
        "commitments": {str(i): c.to_json() for i, c in found.items()} if complete else {},
        "shares_relayed": ceremony.shares_relayed(db, session_id),
        "result": row.result,
    }


@router.post("/ceremony/commitments", status_code=201,
             summary="Round 1: a scrutineer's signed Feldman commitments")
def post_commitment(session_id: int, message: Annotated[dict[str, Any], Body()],
                    engine: EngineDep, sender: ScrutineerOrOperator) -> dict[str, str]:
    signed = _signed(message, sender)
    with session_scope(engine) as tx:
        ceremony.post_commitment(tx, session_id, signed)
    return {"status": "accepted"}


@router.post("/ceremony/shares", status_code=201,
             summary="Round 2: one share sealed to its recipient, signed by its sender")
def post_share(session_id: int, message: Annotated[dict[str, Any], Body()],
               engine: EngineDep, sender: ScrutineerOrOperator) -> dict[str, str]:
    signed = _signed(message, sender)
    with session_scope(engine) as tx:
        if not _all_committed(tx, session_id):
            raise NotReady("commitments missing")
        ceremony.post_sealed_share(tx, session_id, signed)
    return {"status": "accepted"}


@router.get("/ceremony/shares/{index}", summary="Round 3: the sealed shares for scrutineer index")
def get_shares(session_id: int, index: int, db: DbSession,
               caller: ScrutineerOrOperator) -> dict[str, str]:
    if caller.scrutineer is not None and caller.scrutineer != index:
        raise MessageRejected(caller.scrutineer, "a scrutineer may only fetch their own shares")
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


_BALLOT_PAGE = 500


@router.get("/votes/{slug}/tally/ballots",
            summary="The closed vote's board, encrypted ballots included, to recheck the tally")
def tally_ballots(session_id: int, slug: str, db: DbSession, after: int = 0,
                  limit: int = _BALLOT_PAGE) -> list[dict[str, Any]]:
    """A scrutineer's device sums these itself before it decrypts anything, so it never
    decrypts a ciphertext that is not the sum of the whole board (e.g. one ballot)."""
    vote = repository.get_vote(db, session_id, slug)
    require_state(vote, VoteState.CLOSED, VoteState.COUNTED, VoteState.CERTIFIED)
    rows = db.exec(select(BoardEntryRow).where(BoardEntryRow.vote_id == vote.id)
                   .where(col(BoardEntryRow.seq) > after).order_by(col(BoardEntryRow.seq))
                   .limit(max(1, min(limit, _BALLOT_PAGE)))).all()
    return [BoardEntry(r.seq, json.loads(r.ballot), bytes.fromhex(r.ballot_hash),
                       bytes.fromhex(r.prev), bytes.fromhex(r.entry_hash)).to_json()
            for r in rows]


@router.post("/votes/{slug}/decryption-shares", status_code=201,
             summary="A scrutineer's signed decryption share; the k-th one counts the vote")
def post_decryption_share(session_id: int, slug: str,
                          message: Annotated[dict[str, Any], Body()],
                          engine: EngineDep, sender: ScrutineerOrOperator) -> dict[str, Any]:
    signed = _signed(message, sender)
    with session_scope(engine, immediate=True) as tx:
        vote = repository.get_vote(tx, session_id, slug)
        counted = vote_service.submit_decryption_share(tx, vote, signed, _actor(signed, sender))
    return {"status": "accepted", "counted": counted}


@router.get("/votes/{slug}/certificate-payload",
            summary="The certificate payload every signer signs (after the count)")
def certificate_payload(session_id: int, slug: str, db: DbSession,
                        _caller: ScrutineerOrOperator) -> dict[str, Any]:
    vote = repository.get_vote(db, session_id, slug)
    payload, _ = vote_service.pending_payload(db, vote)
    return payload


@router.post("/votes/{slug}/certificate-signatures", status_code=201,
             summary="A scrutineer's signature on the certificate payload")
def post_signature(session_id: int, slug: str, signature: Annotated[dict[str, Any], Body()],
                   engine: EngineDep, sender: ScrutineerOrOperator) -> dict[str, str]:
    try:
        parsed = Signature.from_json(signature)
    except CertificateError as exc:
        raise MessageRejected(sender.scrutineer or 0, str(exc)) from exc
    if sender.scrutineer is not None and parsed.signer != f"{ACTOR_PREFIX}-{sender.scrutineer}":
        raise MessageRejected(sender.scrutineer, "a scrutineer may only send their own signature")
    actor = (parsed.signer if sender.scrutineer is not None
             else f"{parsed.signer} via {sender.actor}")
    with session_scope(engine) as tx:
        vote = repository.get_vote(tx, session_id, slug)
        vote_service.add_scrutineer_signature(tx, vote, parsed, actor)
    return {"status": "accepted"}


