"""Test helper: an open vote built through the service's own functions, ready for casting.

The same sequence as ``voting simulate`` (voting/simulate.py ``Simulation``): a session with
deputies checked in, scrutineer devices running the key ceremony through the server,
``prepare_vote``, ``make_cards``, ``issue_card``, ``open_vote``. No certification key is made
(its scrypt costs ~0.3 s and casting does not need it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from keys.scrutineer import ScrutineerDevice
from tally.ballot import EncryptedBallot, encrypt_ballot, mark_selection
from tally.board import BoardEntry, ballot_hash, verify_chain
from tally.election import ElectionContext
from tally.rng import Rng
from voting import cards as card_service
from voting import ceremony, vote_service
from voting.box_models import BallotCard, BoardEntryRow, BoardHead
from voting.db import session_scope
from voting.models import Attendance, CongressSession, Deputy, Vote

__all__ = ["ACTOR", "OpenVote", "board_rows", "build_open_vote", "check_board", "encrypt_pick",
           "run_ceremony"]

ACTOR = "tests"
OPTIONS = ("甲项目", "乙项目", "丙项目")


@dataclass(frozen=True)
class OpenVote:
    """An open selection vote (3 options, select 0..2) and the cards made for it."""

    engine: Engine
    session_id: int
    vote_pk: int
    slug: str
    ctx: ElectionContext
    issued: tuple[bytes, ...]  # handed out: each good for one cast
    unissued: tuple[bytes, ...]  # printed, never handed out
    devices: tuple[ScrutineerDevice, ...]


def run_ceremony(engine: Engine, session_id: int, n: int, k: int,
                 rng: Rng) -> tuple[ScrutineerDevice, ...]:
    """The key ceremony between ``n`` simulated scrutineer devices, relayed by the server."""
    devices = tuple(ScrutineerDevice(i, f"代表{i:04d}", rng) for i in range(1, n + 1))
    with session_scope(engine) as db:
        for device in devices:
            ceremony.register_scrutineer(db, session_id, device.index, device.name,
                                         device.signing_public, device.transport_public, ACTOR)
        params = ceremony.begin_ceremony(db, session_id, n, k, ACTOR)
    with session_scope(engine) as db:
        for device in devices:
            ceremony.post_commitment(db, session_id, device.commit(params))
    with session_scope(engine) as db:
        keys = ceremony.transport_keys(db, session_id)
        for device in devices:
            for message in device.sealed_share_messages(params, keys):
                ceremony.post_sealed_share(db, session_id, message)
    with session_scope(engine) as db:
        commitments = ceremony.commitments(db, session_id)
        for device in devices:
            device.receive_shares(params, commitments,
                                  ceremony.sealed_shares_for(db, session_id, device.index))
        ceremony.complete_ceremony(db, session_id, ACTOR)
    return devices


def build_open_vote(engine: Engine, rng: Rng, *, issued: int = 4, unissued: int = 1,
                    slug: str = "box-1") -> OpenVote:
    """A session of 9 deputies (8 present), a 2-of-3 ceremony and one open 3选2 vote."""
    with session_scope(engine) as db:
        session = CongressSession(title="测试镇人民代表大会", level="township",
                                  deputies_total=9, quorum=5)
        db.add(session)
        db.flush()
        assert session.id is not None
        session_id = session.id
        deputies = [Deputy(session_id=session_id, name=f"代表{i:04d}", seat=f"{i:04d}")
                    for i in range(1, 10)]
        db.add_all(deputies)
        db.flush()
        for deputy in deputies[:8]:
            assert deputy.id is not None
            db.add(Attendance(session_id=session_id, deputy_id=deputy.id, operator=ACTOR))
    devices = run_ceremony(engine, session_id, 3, 2, rng)
    with session_scope(engine) as db:
        vote = Vote(session_id=session_id, slug=slug, kind="selection", title="三选二",
                    options=list(OPTIONS), select_min=0, select_max=2,
                    threshold_rule="majority_of_all")
        db.add(vote)
        db.flush()
        ctx = vote_service.prepare_vote(db, vote, ACTOR)
        secrets = card_service.make_cards(db, vote, issued + unissued, rng, ACTOR)
        for secret in secrets[:issued]:
            card_service.issue_card(db, vote, secret, ACTOR)
        vote_service.open_vote(db, vote, ACTOR)
        assert vote.id is not None
        vote_pk = vote.id
    return OpenVote(engine, session_id, vote_pk, slug, ctx, tuple(secrets[:issued]),
                    tuple(secrets[issued:]), devices)


def encrypt_pick(ctx: ElectionContext, picked: Sequence[int], rng: Rng) -> EncryptedBallot:
    """An honest ballot choosing options ``picked``."""
    ballot, _ = encrypt_ballot(ctx, mark_selection(ctx.manifest, picked), rng)
    return ballot


def board_rows(engine: Engine, vote_pk: int) -> list[BoardEntryRow]:
    with Session(engine) as db:
        return list(db.exec(select(BoardEntryRow).where(BoardEntryRow.vote_id == vote_pk)
                            .order_by(col(BoardEntryRow.seq))).all())


def check_board(engine: Engine, vote_pk: int, election_hash: bytes) -> list[BoardEntryRow]:
    """The stored board verifies as a chain (ballot hashes recomputed), its head and length
    are the board head's, and every spent card produced exactly one entry."""
    rows = board_rows(engine, vote_pk)
    entries = [BoardEntry(r.seq, json.loads(r.ballot), bytes.fromhex(r.ballot_hash),
                          bytes.fromhex(r.prev), bytes.fromhex(r.entry_hash)) for r in rows]
    head = verify_chain(election_hash, entries, [ballot_hash(e.ballot) for e in entries])
    assert [e.tracking_code for e in entries] == [r.tracking_code for r in rows]
    with Session(engine) as db:
        stored = db.get(BoardHead, vote_pk)
        assert stored is not None
        assert (stored.seq, stored.head) == (len(rows), head.hex())
        spent = db.exec(select(BallotCard).where(BallotCard.vote_id == vote_pk)
                        .where(BallotCard.state == "spent")).all()
    assert len(spent) == len(rows)
    return rows
