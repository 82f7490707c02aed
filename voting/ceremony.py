"""The key ceremony as the server carries it: scrutineers' keys, commitments, sealed shares.

The server stores and relays; it can read no share (each is sealed to its recipient) and it
accepts no message that its scrutineer did not sign. When every commitment is in, anyone can
compute the joint public key; the ceremony result is stored once and used by every vote.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from tally.errors import TallyError
from tally.key_ceremony import (
    CeremonyParams,
    CeremonyResult,
    CommitmentMessage,
    finish_ceremony,
    verify_commitment_message,
)
from tally.messages import SignedMessage, verify_message
from voting import audit
from voting.box_models import CeremonyMessageRow, KeyCeremonyRow, ScrutineerKey
from voting.errors import Conflict, MessageRejected, NotFound, NotReady

__all__ = [
    "begin_ceremony",
    "ceremony_params",
    "ceremony_result",
    "commitments",
    "complete_ceremony",
    "post_commitment",
    "post_sealed_share",
    "register_scrutineer",
    "sealed_shares_for",
    "shares_relayed",
    "transport_keys",
]


def register_scrutineer(db: Session, session_id: int, index: int, name: str,
                        signing_key: bytes, transport_key: bytes, actor: str) -> None:
    db.add(ScrutineerKey(session_id=session_id, index=index, name=name,
                         signing_key=signing_key.hex(), transport_key=transport_key.hex()))
    audit.record(db, actor, "ceremony.scrutineer_registered", f"session:{session_id}",
                 {"index": index})


def begin_ceremony(db: Session, session_id: int, n: int, k: int, actor: str) -> CeremonyParams:
    if db.get(KeyCeremonyRow, session_id) is not None:
        raise Conflict("ceremony", session_id)
    params = CeremonyParams(f"rendavote/session/{session_id}", n, k)
    db.add(KeyCeremonyRow(session_id=session_id, ceremony_id=params.ceremony_id, n=n, k=k))
    audit.record(db, actor, "ceremony.begun", f"session:{session_id}", {"n": n, "k": k})
    return params


def ceremony_params(db: Session, session_id: int) -> CeremonyParams:
    row = db.get(KeyCeremonyRow, session_id)
    if row is None:
        raise NotFound("ceremony", session_id)
    return CeremonyParams(row.ceremony_id, row.n, row.k)


def _signing_key(db: Session, session_id: int, index: int) -> bytes:
    key = db.exec(select(ScrutineerKey).where(ScrutineerKey.session_id == session_id)
                  .where(ScrutineerKey.index == index)).first()
    if key is None:
        raise NotFound("scrutineer", index)
    return bytes.fromhex(key.signing_key)


def transport_keys(db: Session, session_id: int) -> dict[int, bytes]:
    rows = db.exec(select(ScrutineerKey).where(ScrutineerKey.session_id == session_id)).all()
    return {row.index: bytes.fromhex(row.transport_key) for row in rows}


def post_commitment(db: Session, session_id: int, message: SignedMessage) -> None:
    """Accept a scrutineer's signed Feldman commitments after checking signature and proofs."""
    params = ceremony_params(db, session_id)
    try:
        verify_message("commitment", message, _signing_key(db, session_id, message.signer))
        body = CommitmentMessage.from_json(message.body)
        if body.index != message.signer:
            raise MessageRejected(message.signer, "signer is not the committing scrutineer")
        verify_commitment_message(params, body)
    except TallyError as exc:
        raise MessageRejected(message.signer, str(exc)) from exc
    db.add(CeremonyMessageRow(session_id=session_id, kind="commitment", sender=message.signer,
                              body=message.to_json()))


def post_sealed_share(db: Session, session_id: int, message: SignedMessage) -> None:
    """Relay one sealed share; the body is ``{"recipient": j, "sealed": hex}``."""
    try:
        verify_message("sealed-share", message, _signing_key(db, session_id, message.signer))
        recipient = int(message.body["recipient"])
        bytes.fromhex(message.body["sealed"])
    except (TallyError, KeyError, TypeError, ValueError) as exc:
        raise MessageRejected(message.signer, str(exc)) from exc
    db.add(CeremonyMessageRow(session_id=session_id, kind="share", sender=message.signer,
                              recipient=recipient, body=message.to_json()))


def sealed_shares_for(db: Session, session_id: int, recipient: int) -> dict[int, bytes]:
    rows = db.exec(select(CeremonyMessageRow)
                   .where(CeremonyMessageRow.session_id == session_id)
                   .where(CeremonyMessageRow.kind == "share")
                   .where(CeremonyMessageRow.recipient == recipient)).all()
    return {row.sender: bytes.fromhex(row.body["body"]["sealed"]) for row in rows}


def shares_relayed(db: Session, session_id: int) -> dict[str, int]:
    """How many sealed shares each sender has handed over (``"i": count``), for progress."""
    rows = db.exec(select(CeremonyMessageRow.sender)
                   .where(CeremonyMessageRow.session_id == session_id)
                   .where(CeremonyMessageRow.kind == "share")).all()
    counts: dict[str, int] = {}
    for sender in rows:
        counts[str(sender)] = counts.get(str(sender), 0) + 1
    return counts


def _commitment_rows(db: Session, session_id: int) -> list[CeremonyMessageRow]:
    return list(db.exec(select(CeremonyMessageRow)
                        .where(CeremonyMessageRow.session_id == session_id)
                        .where(CeremonyMessageRow.kind == "commitment")
                        .order_by(col(CeremonyMessageRow.sender))).all())


def commitments(db: Session, session_id: int) -> dict[int, CommitmentMessage]:
    return {row.sender: CommitmentMessage.from_json(row.body["body"])
            for row in _commitment_rows(db, session_id)}


def complete_ceremony(db: Session, session_id: int, actor: str) -> CeremonyResult:
    """Once all n commitments are in: the joint key and verification keys, stored for good."""
    params = ceremony_params(db, session_id)
    found = commitments(db, session_id)
    if sorted(found) != list(range(1, params.n + 1)):
        raise NotReady("commitments missing", have=sorted(found))
    result = finish_ceremony(params, [found[i] for i in sorted(found)])
    row = db.get(KeyCeremonyRow, session_id)
    assert row is not None
    row.result = result.to_json()
    db.add(row)
    audit.record(db, actor, "ceremony.completed", f"session:{session_id}",
                 {"public_key": result.public_key.hex()})
    return result


def ceremony_result(db: Session, session_id: int) -> tuple[CeremonyResult, list[SignedMessage]]:
    """The finished ceremony and the signed commitment messages, for contexts and records."""
    row = db.get(KeyCeremonyRow, session_id)
    if row is None or row.result is None:
        raise NotReady("key ceremony not completed", session=session_id)
    signed = [SignedMessage.from_json(r.body) for r in _commitment_rows(db, session_id)]
    return CeremonyResult.from_json(row.result), signed
