"""The ballot box: check the card, verify every proof, spend the card, chain, store.

Proofs are checked before the transaction (they are the slow part and need no lock); the
transaction then locks the board head, spends the card with a conditional UPDATE (the
database decides which of two concurrent casts wins) and appends to the chain. Either all of
it lands or none of it does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tally.ballot import EncryptedBallot, verify_ballot
from tally.board import ballot_hash, next_entry
from tally.election import ElectionContext
from tally.elgamal import Ciphertext
from tally.errors import InvalidBallot, InvalidEncoding, TallyError
from tally.group import Point
from tally.manifest import Manifest
from voting.box_models import BallotCard, BoardEntryRow, BoardHead, CardState, VoteElection
from voting.card_codes import card_hash
from voting.cards import card_secret
from voting.db import session_scope
from voting.errors import BallotRejected, CardRejected, NotFound, VoteNotOpen
from voting.lifecycle import VoteState
from voting.live import changed
from voting.models import Vote

__all__ = ["BallotBox", "Receipt", "add_to_aggregate"]

_SPENT_TAG = b"rendavote/v1/spent\x00"


@dataclass(frozen=True)
class Receipt:
    """What the tablet shows after a cast: the tracking code and where it sits on the board."""

    vote: str
    seq: int
    tracking_code: str
    entry_hash: str

    def to_json(self) -> dict[str, Any]:
        return {"vote": self.vote, "seq": self.seq, "tracking_code": self.tracking_code,
                "entry_hash": self.entry_hash}


def _spent_tag(secret: bytes, b_hash: bytes) -> str:
    """Binds a spent card to its ballot for whoever holds the card secret, and nobody else."""
    return hashlib.sha256(_SPENT_TAG + secret + b_hash).hexdigest()


def add_to_aggregate(aggregate: list[Any], ballot: EncryptedBallot) -> list[Any]:
    """The running homomorphic sum, as stored in the board head, plus one ballot."""
    return [
        (Ciphertext.from_json(stored, allow_identity=True) + sel.ciphertext).to_json()
        for sel, stored in zip(ballot.selections, aggregate, strict=True)
    ]


class BallotBox:
    """Casting for every vote served by one database; election contexts are cached."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._contexts: dict[int, ElectionContext] = {}

    def context(self, db: Session, vote: Vote) -> ElectionContext:
        assert vote.id is not None
        ctx = self._contexts.get(vote.id)
        if ctx is None:
            election = db.get(VoteElection, vote.id)
            if election is None:
                raise VoteNotOpen(vote=vote.slug)
            ctx = ElectionContext(
                Manifest.from_json(election.manifest),
                Point.from_hex(election.public_key),
                bytes.fromhex(election.election_hash),
            )
            self._contexts[vote.id] = ctx
        return ctx

    def cast(self, vote_pk: int, card_input: str | bytes, ballot_json: Any) -> Receipt:
        """Accept one ballot with one card, or refuse it and change nothing."""
        with Session(self.engine) as db:
            vote = db.get(Vote, vote_pk)
            if vote is None:
                raise NotFound("vote", vote_pk)
            if vote.state != VoteState.OPEN:
                raise VoteNotOpen(vote=vote.slug)
            ctx = self.context(db, vote)
            slug = vote.slug
        ballot = _verified(ctx, ballot_json)
        stored = ballot.to_json()
        b_hash = ballot_hash(stored)
        secret = card_secret(slug, card_input)
        c_hash = card_hash(slug, secret).hex()
        tag = _spent_tag(secret, b_hash)

        with session_scope(self.engine, immediate=True) as db:
            head = db.exec(
                select(BoardHead).where(BoardHead.vote_id == vote_pk).with_for_update()
            ).one()
            vote = db.get(Vote, vote_pk)
            assert vote is not None
            if vote.state != VoteState.OPEN:
                raise VoteNotOpen(vote=slug)
            spent = db.execute(
                update(BallotCard)
                .where(col(BallotCard.vote_id) == vote_pk)
                .where(col(BallotCard.card_hash) == c_hash)
                .where(col(BallotCard.state) == CardState.ISSUED)
                .values(state=CardState.SPENT, spent_tag=tag)
            )
            if spent.rowcount != 1:  # type: ignore[attr-defined]
                return self._replayed(db, vote_pk, slug, c_hash, tag, b_hash)
            if _on_board(db, vote_pk, b_hash) is not None:
                raise BallotRejected("duplicate")
            entry = next_entry(ctx.election_hash, bytes.fromhex(head.head), head.seq + 1,
                               stored, b_hash)
            db.add(BoardEntryRow(
                vote_id=vote_pk, seq=entry.seq,
                ballot=json.dumps(stored, separators=(",", ":")),
                ballot_hash=b_hash.hex(), prev=entry.prev.hex(),
                entry_hash=entry.entry_hash.hex(), tracking_code=entry.tracking_code,
            ))
            head.seq = entry.seq
            head.head = entry.entry_hash.hex()
            head.aggregate = add_to_aggregate(head.aggregate, ballot)
            db.add(head)
            changed(db, vote.session_id, slug, "cast")  # published only once this commits
            return Receipt(slug, entry.seq, entry.tracking_code, entry.entry_hash.hex())

    def _replayed(self, db: Session, vote_pk: int, slug: str, c_hash: str, tag: str,
                  b_hash: bytes) -> Receipt:
        """The same ballot sent again with its card gets its receipt; anything else, refusal."""
        card = db.exec(
            select(BallotCard)
            .where(BallotCard.vote_id == vote_pk)
            .where(BallotCard.card_hash == c_hash)
            .where(BallotCard.state == CardState.SPENT)
        ).first()
        row = _on_board(db, vote_pk, b_hash)
        if card is None or card.spent_tag != tag or row is None:
            raise CardRejected()
        return Receipt(slug, row.seq, row.tracking_code, row.entry_hash)


def _on_board(db: Session, vote_pk: int, b_hash: bytes) -> BoardEntryRow | None:
    return db.exec(
        select(BoardEntryRow)
        .where(BoardEntryRow.vote_id == vote_pk)
        .where(BoardEntryRow.ballot_hash == b_hash.hex())
    ).first()


def _verified(ctx: ElectionContext, ballot_json: Any) -> EncryptedBallot:
    try:
        ballot = EncryptedBallot.from_json(ballot_json)
    except (InvalidEncoding, KeyError, TypeError, ValueError) as exc:
        raise BallotRejected("malformed") from exc
    except TallyError as exc:
        raise BallotRejected("malformed") from exc
    try:
        verify_ballot(ctx, ballot)
    except InvalidBallot as exc:
        raise BallotRejected(_reason(exc)) from exc
    except TallyError as exc:
        raise BallotRejected("invalid") from exc
    return ballot


def _reason(exc: InvalidBallot) -> str:
    if exc.constraint is not None:
        return f"constraint {exc.constraint}: {exc.reason}"
    if exc.selection is not None:
        return f"selection {exc.selection}: {exc.reason}"
    return exc.reason

