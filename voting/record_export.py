"""The election record of a vote, read out of the database (docs/record.md)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, col, select

from tally.board import BoardEntry
from tally.elgamal import Ciphertext
from tally.messages import SignedMessage
from tally.record import CERTIFICATE, RecordKeys, RecordParts, dump_json, record_files
from tally.vote_spec import CardCounts, VoteSpec
from voting.box_models import (
    BoardEntryRow,
    DecryptionShareRow,
    ScrutineerKey,
    SessionKeyRow,
    VoteElection,
    VoteOutcome,
)
from voting.ceremony import ceremony_result
from voting.errors import NotReady
from voting.lifecycle import VoteState, require_state
from voting.models import Vote

__all__ = ["export_record", "record_files_of", "record_parts"]


def record_parts(db: Session, vote: Vote) -> RecordParts:
    """Everything the record holds, once the vote is counted."""
    require_state(vote, VoteState.COUNTED, VoteState.CERTIFIED)
    election = db.get(VoteElection, vote.id)
    outcome = db.get(VoteOutcome, vote.id)
    session_key = db.get(SessionKeyRow, vote.session_id)
    assert election is not None and outcome is not None and outcome.result is not None
    if session_key is None:
        raise NotReady("session has no certification key", session=vote.session_id)
    ceremony, messages = ceremony_result(db, vote.session_id)
    scrutineers = db.exec(select(ScrutineerKey)
                          .where(ScrutineerKey.session_id == vote.session_id)).all()
    board = [
        BoardEntry(row.seq, json.loads(row.ballot), bytes.fromhex(row.ballot_hash),
                   bytes.fromhex(row.prev), bytes.fromhex(row.entry_hash))
        for row in db.exec(select(BoardEntryRow).where(BoardEntryRow.vote_id == vote.id)
                           .order_by(col(BoardEntryRow.seq))).all()
    ]
    shares = [
        SignedMessage.from_json(row.message)
        for row in db.exec(select(DecryptionShareRow).where(DecryptionShareRow.vote_id == vote.id)
                           .order_by(col(DecryptionShareRow.scrutineer))).all()
    ]
    return RecordParts(
        spec=VoteSpec.from_json(election.spec),
        cards=CardCounts.from_json(outcome.cards),
        keys=RecordKeys(
            certification=bytes.fromhex(session_key.public_key),
            scrutineers={s.index: (s.name, bytes.fromhex(s.signing_key)) for s in scrutineers},
        ),
        ceremony=ceremony,
        ceremony_messages=messages,
        election_hash=bytes.fromhex(election.election_hash),
        board=board,
        aggregate=[Ciphertext.from_json(c, allow_identity=True) for c in outcome.aggregate],
        shares=shares,
        counts=list(outcome.counts or []),
        result=outcome.result,
    )


def record_files_of(db: Session, vote: Vote) -> dict[str, bytes]:
    """Every file of the certified record of ``vote``."""
    require_state(vote, VoteState.CERTIFIED)
    outcome = db.get(VoteOutcome, vote.id)
    assert outcome is not None and outcome.certificate is not None
    files = record_files(record_parts(db, vote))
    files[CERTIFICATE] = dump_json(outcome.certificate)
    return files


def export_record(db: Session, vote: Vote, directory: Path) -> dict[str, bytes]:
    """Write the certified record of ``vote`` into ``directory``; return the files."""
    files = record_files_of(db, vote)
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return files
