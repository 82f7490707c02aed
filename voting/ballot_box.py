"""The ballot box: check the card, verify every proof, spend the card, chain, store.

Proofs are checked before the transaction (they are the slow part and need no lock); the
transaction then spends the card with a conditional UPDATE (the database decides which of
two concurrent casts wins), locks the board head and appends to the chain. Either all of it
lands or none of it does.

A cast holds at most one pooled connection at a time (a request that held one while waiting
for a second deadlocked the pool under load: docs/performance.md). The writers of one process
queue on an in-process lock before they take a connection: on SQLite they wait there rather
than in SQLite's busy handler, whose sleeps of up to 100 ms made the latency tail; on
PostgreSQL at most one connection per process waits on the board-head row lock, and the
pool stays free for the lookups of new casts. Across processes the database alone decides
(row lock, busy timeout, the conditional UPDATE of the card).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tally.ballot import EncryptedBallot, verify_ballot
from tally.board import ballot_hash, next_entry
from tally.election import ElectionContext
from tally.elgamal import Ciphertext
from tally.errors import InvalidBallot, InvalidEncoding, TallyError
from tally.group import Point
from tally.manifest import Manifest
from voting import repository
from voting.box_models import BallotCard, BoardEntryRow, BoardHead, CardState, VoteElection
from voting.card_codes import card_hash
from voting.cards import card_secret
from voting.db import session_scope
from voting.errors import BallotRejected, CardRejected, NotFound, VoteNotOpen
from voting.lifecycle import VoteState
from voting.live import changed
from voting.models import Vote

__all__ = ["BallotBox", "Receipt"]

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


class BallotBox:
    """Casting for every vote served by one database; election contexts are cached."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._contexts: dict[int, ElectionContext] = {}
        #: vote → (seq, head, sum) as this process last committed it
        self._sums: dict[int, tuple[int, str, tuple[Ciphertext, ...]]] = {}
        self._writer = threading.Lock()

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
            ctx = self._open_context(db, vote)
        return self._cast(vote_pk, vote.session_id, vote.slug, ctx, card_input, ballot_json)

    def cast_in(self, session_id: int, slug: str, card_input: str | bytes,
                ballot_json: Any) -> Receipt:
        """:meth:`cast` for the vote ``slug`` of session ``session_id`` (the HTTP route)."""
        with Session(self.engine) as db:
            vote = repository.get_vote(db, session_id, slug)
            assert vote.id is not None
            vote_pk, ctx = vote.id, self._open_context(db, vote)
        return self._cast(vote_pk, session_id, slug, ctx, card_input, ballot_json)

    def _open_context(self, db: Session, vote: Vote) -> ElectionContext:
        if vote.state != VoteState.OPEN:
            raise VoteNotOpen(vote=vote.slug)
        return self.context(db, vote)

    def _cast(self, vote_pk: int, session_id: int, slug: str, ctx: ElectionContext,
              card_input: str | bytes, ballot_json: Any) -> Receipt:
        ballot = _verified(ctx, ballot_json)
        stored = ballot.to_json()
        b_hash = ballot_hash(stored)
        secret = card_secret(slug, card_input)
        c_hash = card_hash(slug, secret).hex()
        tag = _spent_tag(secret, b_hash)
        with self._writer:
            return self._append(vote_pk, session_id, slug, ctx, ballot, stored, b_hash, c_hash,
                                tag)

    def _append(self, vote_pk: int, session_id: int, slug: str, ctx: ElectionContext,
                ballot: EncryptedBallot, stored: dict[str, Any], b_hash: bytes, c_hash: str,
                tag: str) -> Receipt:
        """The transaction: spend the card, lock the head, chain and store, as one unit.

        The card is spent first (a row lock on that card alone) and the board head locked
        second, so the section every cast waits for holds only the head read, the insert and
        the head update. Core statements, not the ORM unit of work: it was a third of it.
        """
        with session_scope(self.engine, immediate=True) as db:
            spent = db.execute(
                update(BallotCard)
                .where(col(BallotCard.vote_id) == vote_pk)
                .where(col(BallotCard.card_hash) == c_hash)
                .where(col(BallotCard.state) == CardState.ISSUED)
                .values(state=CardState.SPENT, spent_tag=tag)
            )
            if spent.rowcount != 1:  # type: ignore[attr-defined]
                return self._replayed(db, vote_pk, slug, c_hash, tag, b_hash)
            head = db.execute(
                select(BoardHead.seq, BoardHead.head, BoardHead.aggregate, Vote.state)
                .join(Vote, col(Vote.id) == col(BoardHead.vote_id))
                .where(col(BoardHead.vote_id) == vote_pk)
                .with_for_update(of=BoardHead)
            ).one()
            if head.state != VoteState.OPEN:
                raise VoteNotOpen(vote=slug)
            entry = next_entry(ctx.election_hash, bytes.fromhex(head.head), head.seq + 1,
                               stored, b_hash)
            total = self._aggregate_plus(vote_pk, head.seq, head.head, head.aggregate, ballot)
            try:
                db.execute(insert(BoardEntryRow).values(
                    vote_id=vote_pk, seq=entry.seq,
                    ballot=json.dumps(stored, separators=(",", ":")),
                    ballot_hash=b_hash.hex(), prev=entry.prev.hex(),
                    entry_hash=entry.entry_hash.hex(), tracking_code=entry.tracking_code,
                ))
            except IntegrityError:  # unique (vote_id, ballot_hash): a copied ballot
                raise BallotRejected("duplicate") from None
            db.execute(
                update(BoardHead).where(col(BoardHead.vote_id) == vote_pk)
                .values(seq=entry.seq, head=entry.entry_hash.hex(),
                        aggregate=[c.to_json() for c in total])
            )
            changed(db, session_id, slug, "cast")  # published only once this commits
        self._sums[vote_pk] = (entry.seq, entry.entry_hash.hex(), total)  # only once committed
        return Receipt(slug, entry.seq, entry.tracking_code, entry.entry_hash.hex())

    def _aggregate_plus(self, vote_pk: int, seq: int, head: str, stored: list[Any],
                        ballot: EncryptedBallot) -> tuple[Ciphertext, ...]:
        """The running sum plus ``ballot``. The stored sum is parsed (every point validated)
        only when this process did not write the current head itself."""
        cached = self._sums.get(vote_pk)
        if cached is not None and cached[0] == seq and cached[1] == head:
            current = cached[2]
        else:
            current = tuple(Ciphertext.from_json(c, allow_identity=True) for c in stored)
        return tuple(a + sel.ciphertext
                     for a, sel in zip(current, ballot.selections, strict=True))

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

