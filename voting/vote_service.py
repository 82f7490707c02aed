"""Operations on one vote, from draft to certified result (the lifecycle's transitions).

Each function is one unit of work on the caller's session, except :func:`close_vote`, which
takes the engine: it must lock the board head exactly as casting does.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tally.certificate import (
    Certificate,
    CertificateError,
    Signature,
    sign_payload,
    verify_certificate,
)
from tally.decryption import DecryptionShare, combine_decryption, verify_decryption_share
from tally.election import ElectionContext, make_context
from tally.elgamal import Ciphertext
from tally.errors import TallyError
from tally.group import IDENTITY
from tally.messages import SignedMessage, verify_message
from tally.record import certificate_payload, record_files
from tally.vote_spec import CardCounts, VoteSpec, compute_result
from voting import audit
from voting.box_models import (
    BoardHead,
    DecryptionShareRow,
    ScrutineerKey,
    VoteElection,
    VoteOutcome,
)
from voting.cards import card_counts, rewrite_card_rows, void_unissued
from voting.ceremony import ceremony_result
from voting.db import session_scope
from voting.errors import MessageRejected, NotFound, NotReady
from voting.lifecycle import VoteState, require_state, transition
from voting.models import Attendance, CongressSession, Vote

__all__ = [
    "add_scrutineer_signature",
    "aggregate_of",
    "certify",
    "close_vote",
    "create_runoff",
    "election_context",
    "open_vote",
    "pending_payload",
    "prepare_vote",
    "submit_decryption_share",
    "vote_spec",
]


def vote_spec(db: Session, vote: Vote) -> VoteSpec:
    """The vote as its session defines it now (present deputies counted from check-in)."""
    session = db.get(CongressSession, vote.session_id)
    assert session is not None
    present = db.exec(select(func.count()).select_from(Attendance)
                      .where(Attendance.session_id == vote.session_id)).one()
    is_selection, is_rating = vote.kind == "selection", vote.kind == "rating"
    return VoteSpec(
        session_title=session.title,
        deputies_total=session.deputies_total,
        deputies_present=int(present),
        vote_id=vote.slug,
        kind=vote.kind,  # type: ignore[arg-type]
        title=vote.title,
        threshold=vote.threshold_rule,  # type: ignore[arg-type]
        options=tuple(vote.options) if is_selection else None,
        select_min=vote.select_min if is_selection else None,
        select_max=vote.select_max if is_selection else None,
        items=tuple(vote.options) if is_rating else None,
        scale=tuple(vote.scale or ()) if is_rating else None,
    )


def prepare_vote(db: Session, vote: Vote, actor: str) -> ElectionContext:
    """Fix the manifest and election hash under the session's joint key: draft → keys_ready."""
    require_state(vote, VoteState.DRAFT)
    ceremony, _ = ceremony_result(db, vote.session_id)
    spec = vote_spec(db, vote)
    ctx = make_context(spec.manifest(), ceremony)
    assert vote.id is not None
    zero = Ciphertext(IDENTITY, IDENTITY).to_json()
    db.add(VoteElection(vote_id=vote.id, spec=spec.to_json(), manifest=ctx.manifest.to_json(),
                        public_key=ctx.public_key.hex(), election_hash=ctx.election_hash.hex()))
    db.add(BoardHead(vote_id=vote.id, seq=0, head=ctx.election_hash.hex(),
                     aggregate=[zero for _ in ctx.manifest.labels]))
    transition(db, vote, VoteState.KEYS_READY, actor,
               {"election_hash": ctx.election_hash.hex()})
    return ctx


def open_vote(db: Session, vote: Vote, actor: str) -> None:
    transition(db, vote, VoteState.OPEN, actor)


def close_vote(engine: Engine, vote_pk: int, actor: str) -> CardCounts:
    """Close: no more casts, unissued cards void, the running sum becomes the tally."""
    with session_scope(engine, immediate=True) as db:
        head = db.exec(select(BoardHead).where(BoardHead.vote_id == vote_pk)
                       .with_for_update()).first()
        vote = _vote(db, vote_pk)
        transition(db, vote, VoteState.CLOSED, actor)  # refuses a vote that is not open
        assert head is not None  # an open vote always has its board head
        void_unissued(db, vote)
        db.flush()
        cards = card_counts(db, vote)
        if cards.spent != head.seq:
            raise NotReady("spent cards and board disagree", spent=cards.spent, board=head.seq)
        election = db.get(VoteElection, vote_pk)
        assert election is not None
        spec = vote_spec(db, vote)  # present deputies as at the close
        election.spec = spec.to_json()
        db.add(election)
        db.add(VoteOutcome(vote_id=vote_pk, cards=cards.to_json(), aggregate=head.aggregate))
        audit.record(db, actor, "vote.tally_fixed", f"vote:{vote_pk}", cards.to_json())
    with session_scope(engine) as db:
        rewrite_card_rows(db, _vote(db, vote_pk))
    return cards


def election_context(db: Session, vote: Vote) -> ElectionContext:
    ceremony, _ = ceremony_result(db, vote.session_id)
    spec = VoteSpec.from_json(_election(db, vote).spec)
    return make_context(spec.manifest(), ceremony)


def aggregate_of(db: Session, vote: Vote) -> tuple[Ciphertext, ...]:
    outcome = _outcome(db, vote)
    return tuple(Ciphertext.from_json(c, allow_identity=True) for c in outcome.aggregate)


def submit_decryption_share(db: Session, vote: Vote, message: SignedMessage, actor: str) -> bool:
    """Check and keep one scrutineer's share; with k of them, count. Returns True once counted."""
    require_state(vote, VoteState.CLOSED)
    ceremony, _ = ceremony_result(db, vote.session_id)
    ctx = election_context(db, vote)
    aggregate = aggregate_of(db, vote)
    try:
        verify_message("decryption-share", message, _scrutineer_key(db, vote, message.signer))
        share = DecryptionShare.from_json(message.body)
        if share.scrutineer != message.signer:
            raise MessageRejected(message.signer, "signer is not the share's scrutineer")
        verify_decryption_share(ctx, ceremony, aggregate, share)
    except TallyError as exc:
        raise MessageRejected(message.signer, str(exc)) from exc
    assert vote.id is not None
    db.add(DecryptionShareRow(vote_id=vote.id, scrutineer=share.scrutineer,
                              message=message.to_json()))
    db.flush()
    audit.record(db, actor, "vote.share_received", f"vote:{vote.id}",
                 {"scrutineer": share.scrutineer})
    rows = _share_rows(db, vote)
    if len(rows) < ceremony.params.k:
        return False
    shares = [DecryptionShare.from_json(r.message["body"]) for r in rows]
    outcome = _outcome(db, vote)
    cards = CardCounts.from_json(outcome.cards)
    counts = combine_decryption(ctx, ceremony, aggregate, shares, cards.spent)
    spec = VoteSpec.from_json(_election(db, vote).spec)
    outcome.counts = list(counts)
    outcome.result = compute_result(spec, cards.issued, cards.spent, tuple(counts))
    db.add(outcome)
    transition(db, vote, VoteState.COUNTED, actor)
    return True


def pending_payload(db: Session, vote: Vote) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The certificate payload every signer must sign, and the record files it covers."""
    from voting.record_export import record_parts

    require_state(vote, VoteState.COUNTED, VoteState.CERTIFIED)
    parts = record_parts(db, vote)
    files = record_files(parts)
    payload = certificate_payload(files, parts.spec, parts.cards, parts.result,
                                  parts.election_hash, parts.board)
    return payload, files


def add_scrutineer_signature(db: Session, vote: Vote, signature: Signature, actor: str) -> None:
    """Keep a scrutineer's signature on the pending certificate once it verifies."""
    require_state(vote, VoteState.COUNTED)
    payload, _ = pending_payload(db, vote)
    signers = _scrutineer_signers(db, vote)
    if signature.signer not in signers or signature.role != "scrutineer":
        raise MessageRejected(0, f"{signature.signer} did not take part in this count")
    try:
        verify_certificate(Certificate(payload, (signature,)),
                           {signature.signer: signers[signature.signer]})
    except CertificateError as exc:
        raise MessageRejected(0, str(exc)) from exc
    outcome = _outcome(db, vote)
    kept = [s for s in outcome.signatures if s["signer"] != signature.signer]
    outcome.signatures = [*kept, signature.to_json()]
    db.add(outcome)
    audit.record(db, actor, "vote.certificate_signed", f"vote:{vote.id}",
                 {"signer": signature.signer})


def certify(db: Session, vote: Vote, certification_key: Ed25519PrivateKey,
            actor: str) -> Certificate:
    """Sign with the session's key once every scrutineer who decrypted has signed: certified."""
    require_state(vote, VoteState.COUNTED)
    payload, _ = pending_payload(db, vote)
    expected = {"certification": _session_key_hex(db, vote), **_scrutineer_signers(db, vote)}
    outcome = _outcome(db, vote)
    signatures = [sign_payload(payload, certification_key, "certification", "certification"),
                  *(Signature.from_json(s) for s in outcome.signatures)]
    certificate = Certificate(payload, tuple(signatures))
    try:
        verify_certificate(certificate, expected, required_signers=expected.keys())
    except CertificateError as exc:
        raise NotReady(str(exc), vote=vote.slug) from exc
    outcome.certificate = certificate.to_json()
    db.add(outcome)
    transition(db, vote, VoteState.CERTIFIED, actor)
    return certificate


def _scrutineer_signers(db: Session, vote: Vote) -> dict[str, str]:
    """Signer name → key of every scrutineer whose share is in the count."""
    return {f"scrutineer-{row.scrutineer}": _scrutineer_key(db, vote, row.scrutineer).hex()
            for row in _share_rows(db, vote)}


def create_runoff(db: Session, vote: Vote, actor: str) -> Vote:
    """The further vote a certified selection calls for: 再次投票 among tied options, or
    另行选举 for the seats left, candidates in order of first-round votes."""
    require_state(vote, VoteState.CERTIFIED)
    result = _outcome(db, vote).result or {}
    if vote.kind != "selection" or not (result.get("tie") or result.get("shortfall")):
        raise NotReady("this vote calls for no further vote", vote=vote.slug)
    if result.get("tie"):
        candidates, seats = result["tie"]["options"], result["tie"]["seats"]
        suffix, label = "tie", "再次投票"
    else:
        candidates = result["shortfall"]["runoff_options"]
        seats = result["shortfall"]["seats"]
        suffix, label = "runoff", "另行选举"
    if not candidates:
        raise NotReady("no candidate is left for a further vote", vote=vote.slug)
    siblings = db.exec(select(func.count()).select_from(Vote)
                       .where(Vote.parent_vote_id == vote.id)).one()
    runoff = Vote(
        session_id=vote.session_id, slug=f"{vote.slug}-{suffix}{int(siblings) + 1}"[:64],
        kind="selection", title=f"{vote.title}（{label}）"[:200],
        options=[vote.options[i] for i in candidates], select_min=0,
        select_max=min(seats, len(candidates)), threshold_rule=vote.threshold_rule,
        candidate_list_id=vote.candidate_list_id, parent_vote_id=vote.id,
    )
    db.add(runoff)
    db.flush()
    audit.record(db, actor, "vote.runoff_created", f"vote:{vote.id}",
                 {"runoff": runoff.slug, "seats": runoff.select_max, "options": candidates})
    return runoff


def _vote(db: Session, vote_pk: int) -> Vote:
    vote = db.get(Vote, vote_pk)
    if vote is None:
        raise NotFound("vote", vote_pk)
    return vote


def _election(db: Session, vote: Vote) -> VoteElection:
    election = db.get(VoteElection, vote.id)
    if election is None:
        raise NotReady("vote has no keys yet", vote=vote.slug)
    return election


def _outcome(db: Session, vote: Vote) -> VoteOutcome:
    outcome = db.get(VoteOutcome, vote.id)
    if outcome is None:
        raise NotReady("vote is not closed", vote=vote.slug)
    return outcome


def _share_rows(db: Session, vote: Vote) -> list[DecryptionShareRow]:
    return list(db.exec(select(DecryptionShareRow).where(DecryptionShareRow.vote_id == vote.id)
                        .order_by(col(DecryptionShareRow.scrutineer))).all())


def _scrutineer_key(db: Session, vote: Vote, index: int) -> bytes:
    row = db.exec(select(ScrutineerKey).where(ScrutineerKey.session_id == vote.session_id)
                  .where(ScrutineerKey.index == index)).first()
    if row is None:
        raise NotFound("scrutineer", index)
    return bytes.fromhex(row.signing_key)


def _session_key_hex(db: Session, vote: Vote) -> str:
    from voting.box_models import SessionKeyRow

    row = db.get(SessionKeyRow, vote.session_id)
    if row is None:
        raise NotReady("session has no certification key", session=vote.session_id)
    return row.public_key
