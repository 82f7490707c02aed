"""Tables of the secret part of a vote: keys, ballot cards, the board, shares, the outcome.

What is deliberately absent: no ballot row names its card, its deputy, its device or a time;
no card row names a deputy or a time. ``BallotCard.spent_tag`` can only be recomputed by
someone holding the card secret, so it links a card to its ballot for nobody else.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

import voting.models  # noqa: F401  (defines congress_session and vote, with the naming rules)

__all__ = [
    "BallotCard",
    "BoardEntryRow",
    "BoardHead",
    "CardState",
    "CeremonyMessageRow",
    "DecryptionShareRow",
    "KeyCeremonyRow",
    "ScrutineerKey",
    "SessionKeyRow",
    "VoteElection",
    "VoteOutcome",
]


class CardState:
    PRINTED = "printed"  # made and printed, not yet handed out
    ISSUED = "issued"  # handed out at the check-in desk: valid for one cast
    SPENT = "spent"  # a ballot was cast with it
    VOID = "void"  # never handed out; voided when the vote closed


class ScrutineerKey(SQLModel, table=True):
    """A scrutineer's public keys: Ed25519 for signing, X25519 for receiving shares."""

    __tablename__ = "scrutineer_key"
    __table_args__ = (UniqueConstraint("session_id", "index"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="congress_session.id")
    index: int
    name: str = Field(max_length=100)
    signing_key: str = Field(max_length=64)
    transport_key: str = Field(max_length=64)


class SessionKeyRow(SQLModel, table=True):
    """The session's certification key: public part and the passphrase-encrypted private key."""

    __tablename__ = "session_key"

    session_id: int = Field(foreign_key="congress_session.id", primary_key=True)
    public_key: str = Field(max_length=64)
    encrypted_private_key: str = Field(sa_column=Column(Text, nullable=False))


class KeyCeremonyRow(SQLModel, table=True):
    """The session's key ceremony: parameters, then the result once every commitment is in."""

    __tablename__ = "key_ceremony"

    session_id: int = Field(foreign_key="congress_session.id", primary_key=True)
    ceremony_id: str = Field(max_length=200)
    n: int
    k: int
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class CeremonyMessageRow(SQLModel, table=True):
    """A signed commitment (recipient null) or an encrypted share for one recipient."""

    __tablename__ = "ceremony_message"
    __table_args__ = (UniqueConstraint("session_id", "kind", "sender", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="congress_session.id")
    kind: str = Field(max_length=16)
    sender: int
    recipient: int = 0  # 0: to everyone (commitments); NULL would defeat the unique key
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class VoteElection(SQLModel, table=True):
    """The crypto context of a vote, fixed when its keys are ready."""

    __tablename__ = "vote_election"

    vote_id: int = Field(foreign_key="vote.id", primary_key=True)
    spec: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    manifest: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    public_key: str = Field(max_length=64)
    election_hash: str = Field(max_length=64)


class BallotCard(SQLModel, table=True):
    """A one-time ballot card; the database keeps only the hash of its secret."""

    __tablename__ = "ballot_card"

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    card_hash: str = Field(max_length=64, unique=True)
    state: str = Field(default=CardState.PRINTED, max_length=16)
    spent_tag: str | None = Field(default=None, max_length=64)


class BoardHead(SQLModel, table=True):
    """The board's head; its row is locked by every append, so appends are serial."""

    __tablename__ = "board_head"

    vote_id: int = Field(foreign_key="vote.id", primary_key=True)
    seq: int = 0
    head: str = Field(max_length=64)
    #: Running homomorphic sum of the board, so closing costs nothing at any size.
    aggregate: list[Any] = Field(sa_column=Column(JSON, nullable=False))


class BoardEntryRow(SQLModel, table=True):
    """One accepted ballot on the board (docs/record.md §ballots.jsonl)."""

    __tablename__ = "board_entry"
    __table_args__ = (
        UniqueConstraint("vote_id", "seq"),
        UniqueConstraint("vote_id", "ballot_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id")
    seq: int
    ballot: str = Field(sa_column=Column(Text, nullable=False))
    ballot_hash: str = Field(max_length=64)
    prev: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)
    tracking_code: str = Field(max_length=24, index=True)


class DecryptionShareRow(SQLModel, table=True):
    """A scrutineer's signed decryption share of a closed vote's tally."""

    __tablename__ = "decryption_share"
    __table_args__ = (UniqueConstraint("vote_id", "scrutineer"),)

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id")
    scrutineer: int
    message: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class VoteOutcome(SQLModel, table=True):
    """What closing and counting produced: the tally, then counts, result and certificate."""

    __tablename__ = "vote_outcome"

    vote_id: int = Field(foreign_key="vote.id", primary_key=True)
    cards: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    aggregate: list[Any] = Field(sa_column=Column(JSON, nullable=False))
    counts: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: Scrutineers' signatures on the pending certificate payload, as they arrive.
    signatures: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    certificate: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
