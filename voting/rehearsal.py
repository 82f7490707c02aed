"""A hall rehearsal: an open vote with known card secrets, set up straight in the database,
and what happens after the casts — the board check, close, k-of-n count, certification.

Used by the load benchmark (voting/bench_load.py) and the reliability tests (crash, double
votes, fuzz, tamper). Casting itself goes through the HTTP server; only the secretariat's
and scrutineers' steps run in-process, through the same service functions the API calls.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tally.board import BoardEntry, ballot_hash, verify_chain
from tally.election import ElectionContext
from tally.group import Point
from tally.manifest import Manifest
from voting import cards as card_service
from voting import ceremony, vote_service
from voting.box_models import BoardEntryRow, BoardHead, VoteElection
from voting.card_codes import encode_backup_code
from voting.db import session_scope
from voting.models import Vote
from voting.record_export import export_record
from voting.session_keys import unlock_session_key
from voting.simulate import Simulation

__all__ = ["BoardCheck", "OpenVote", "Rehearsal", "check_board"]

Rng = Callable[[int], bytes]
ACTOR = "rehearsal"


@dataclass(frozen=True)
class OpenVote:
    """An open selection vote and the typed codes of its issued cards (as printed)."""

    session_id: int
    vote_pk: int
    slug: str
    manifest: dict[str, Any]
    public_key: str
    election_hash: str
    cards: tuple[str, ...]

    @property
    def base_path(self) -> str:
        return f"/api/sessions/{self.session_id}/votes/{self.slug}"

    @property
    def cast_path(self) -> str:
        return f"{self.base_path}/ballots"

    def context(self) -> ElectionContext:
        return ElectionContext(Manifest.from_json(self.manifest), Point.from_hex(self.public_key),
                               bytes.fromhex(self.election_hash))


class Rehearsal:
    """One congress session with its deputies present, scrutineer devices and key ceremony."""

    def __init__(self, engine: Engine, *, deputies: int, scrutineers: int = 3, threshold: int = 2,
                 rng: Rng = secrets.token_bytes, title: str = "演练 · hall rehearsal") -> None:
        self.engine = engine
        self._sim = Simulation(engine, {
            "title": title, "deputies_total": deputies, "deputies_present": deputies,
            "scrutineers": {"count": scrutineers, "threshold": threshold},
        }, rng)
        self.rng = rng
        self.session_id = self._sim.session_id

    def open_vote(self, slug: str, *, cards: int, options: int = 13, select_max: int = 10,
                  ) -> OpenVote:
        """A "choose at most ``select_max`` of ``options``" vote, opened, ``cards`` issued."""
        with session_scope(self.engine) as db:
            vote = Vote(session_id=self.session_id, slug=slug, kind="selection",
                        title=f"{options}选{select_max} {slug}",
                        options=[f"民生实事项目{i + 1}" for i in range(options)],
                        select_min=0, select_max=select_max)
            db.add(vote)
            db.flush()
            ctx = vote_service.prepare_vote(db, vote, ACTOR)
            made = card_service.make_cards(db, vote, cards, self.rng, ACTOR)
            for secret in made:
                card_service.issue_card(db, vote, secret, ACTOR)
            vote_service.open_vote(db, vote, ACTOR)
            assert vote.id is not None
            return OpenVote(self.session_id, vote.id, slug, ctx.manifest.to_json(),
                            ctx.public_key.hex(), ctx.election_hash.hex(),
                            tuple(encode_backup_code(s) for s in made))

    def count_and_certify(self, vote: OpenVote) -> None:
        """Close the vote, decrypt with k scrutineers, collect signatures, certify."""
        vote_service.close_vote(self.engine, vote.vote_pk, ACTOR)
        devices = self._sim.devices[: self._sim.k]
        ctx = vote.context()
        with session_scope(self.engine) as db:
            row = _vote(db, vote.vote_pk)
            aggregate = vote_service.aggregate_of(db, row)
            done, _ = ceremony.ceremony_result(db, self.session_id)
            for device in devices:
                vote_service.submit_decryption_share(
                    db, row, device.decryption_share(ctx, done, aggregate), ACTOR)
        with session_scope(self.engine) as db:
            row = _vote(db, vote.vote_pk)
            payload, _ = vote_service.pending_payload(db, row)
            for device in devices:
                vote_service.add_scrutineer_signature(db, row, device.sign_certificate(payload),
                                                      ACTOR)
            key = unlock_session_key(db, self.session_id, self._sim.passphrase)
            vote_service.certify(db, row, key, ACTOR)

    def export(self, vote: OpenVote, directory: Path) -> dict[str, bytes]:
        """Write the certified record of ``vote`` into ``directory``."""
        with Session(self.engine) as db:
            return export_record(db, _vote(db, vote.vote_pk), directory)


@dataclass(frozen=True)
class BoardCheck:
    """The board after a burst: its size, the spent cards, and receipts not found on it."""

    entries: int
    spent: int
    issued: int
    head: str
    missing: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"entries": self.entries, "spent": self.spent, "issued": self.issued,
                "head": self.head, "missing": list(self.missing)}


def check_board(engine: Engine, vote: OpenVote,
                receipts: Iterable[Mapping[str, Any]]) -> BoardCheck:
    """Recheck the stored chain (raises :class:`tally.board.BoardError` if it breaks) and
    find every receipt on it: same seq, tracking code and entry hash."""
    with Session(engine) as db:
        rows = db.exec(select(BoardEntryRow).where(BoardEntryRow.vote_id == vote.vote_pk)
                       .order_by(col(BoardEntryRow.seq))).all()
        head_row = db.get(BoardHead, vote.vote_pk)
        election = db.get(VoteElection, vote.vote_pk)
        assert head_row is not None and election is not None
        counts = card_service.card_counts(db, _vote(db, vote.vote_pk))
    ballots = [json.loads(r.ballot) for r in rows]
    entries = [BoardEntry(r.seq, b, bytes.fromhex(r.ballot_hash), bytes.fromhex(r.prev),
                          bytes.fromhex(r.entry_hash)) for r, b in zip(rows, ballots, strict=True)]
    head = verify_chain(bytes.fromhex(election.election_hash), entries,
                        [ballot_hash(b) for b in ballots])
    if head.hex() != head_row.head or head_row.seq != len(entries):
        raise AssertionError("the board head row does not match the chain")
    by_code = {r.tracking_code: r for r in rows}
    missing = []
    for receipt in receipts:
        row = by_code.get(str(receipt.get("tracking_code")))
        if row is None or row.seq != receipt.get("seq") or row.entry_hash != receipt.get(
                "entry_hash"):
            missing.append(str(receipt.get("tracking_code")))
    return BoardCheck(len(entries), counts.spent, counts.issued, head.hex(), tuple(missing))


def _vote(db: Session, vote_pk: int) -> Vote:
    vote = db.get(Vote, vote_pk)
    assert vote is not None
    return vote
