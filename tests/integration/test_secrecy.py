"""Ballot secrecy: nothing stored and nothing published links a ballot to a card or a deputy.

1. The schema (on SQLite and PostgreSQL): the board has no column that could name a card, a
   deputy, an attendance or a time; a card row names no deputy and no time; no table refers
   to a card or a board entry. After real casts, no row outside ``ballot_card`` holds a card
   hash and no card row holds anything derived from a ballot.
2. The election record holds no card hash or secret, no deputy other than the scrutineers
   (who sign as such), no timestamp.
3. Two runs with the same session, key ceremony, keys and cards, in which the same ballots
   are cast in another order, with the cards dealt to other deputies and other deputies
   present, give records that differ only where ``MAY_DIFFER`` says: the ciphertexts and
   their proofs, and what is computed from them (ballot and entry hashes, the chain's links,
   tracking codes, the homomorphic aggregate, the decryption shares and their proofs, the
   certificate's hashes of those files, the board head, the signatures over them).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from sqlalchemy import delete, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tally.rng import seeded_rng
from tally.verify import verify_record
from tests.box_setup import build_open_vote, encrypt_pick
from voting import cards as card_service
from voting.ballot_box import BallotBox
from voting.box_models import BallotCard, BoardEntryRow
from voting.card_codes import encode_backup_code, encode_qr_payload
from voting.db import make_engine, migrate
from voting.models import Attendance, Deputy
from voting.simulate import Simulation
from voting.tablet import encrypt_attempt

# --- 1. the schema and the rows --------------------------------------------------------------

BOARD_COLUMNS = {"id", "vote_id", "seq", "ballot", "ballot_hash", "prev", "entry_hash",
                 "tracking_code"}
CARD_COLUMNS = {"id", "vote_id", "card_hash", "state", "spent_tag"}


def test_no_table_links_a_ballot_to_a_card_or_a_deputy(db_engine: Engine) -> None:
    schema = inspect(db_engine)
    assert {c["name"] for c in schema.get_columns("board_entry")} == BOARD_COLUMNS
    assert {c["name"] for c in schema.get_columns("ballot_card")} == CARD_COLUMNS
    for table in ("board_entry", "ballot_card", "board_head"):
        targets = {fk["referred_table"] for fk in schema.get_foreign_keys(table)}
        assert targets == {"vote"}, (table, targets)
        for column in schema.get_columns(table):  # no time of any kind
            assert "time" not in str(column["type"]).lower() and "date" not in str(
                column["type"]).lower(), (table, column)
    for table in schema.get_table_names():
        targets = {fk["referred_table"] for fk in schema.get_foreign_keys(table)}
        assert not targets & {"ballot_card", "board_entry"}, table


def _all_values(engine: Engine) -> Iterator[tuple[str, str, str]]:
    """(table, column, value as text) for every stored value of every table."""
    schema = inspect(engine)
    with engine.connect() as connection:
        for table in schema.get_table_names():
            if table == "alembic_version":
                continue
            for row in connection.execute(text(f'SELECT * FROM "{table}"')).mappings():
                for column, value in row.items():
                    yield table, column, json.dumps(value, default=str, ensure_ascii=False)


def test_no_stored_row_links_a_ballot_to_a_card(db_engine: Engine) -> None:
    rng = seeded_rng(b"test_secrecy/rows")
    vote = build_open_vote(db_engine, rng, issued=4, unissued=1)
    box = BallotBox(db_engine)
    receipts = [box.cast(vote.vote_pk, card, encrypt_pick(vote.ctx, [i % 3], rng).to_json())
                for i, card in enumerate(vote.issued[:3])]
    with Session(db_engine) as db:
        card_hashes = {c.card_hash for c in db.exec(select(BallotCard)).all()}
        spent_tags = {c.spent_tag for c in db.exec(select(BallotCard)).all() if c.spent_tag}
        board = db.exec(select(BoardEntryRow)).all()
    ballot_values = ({b.ballot_hash for b in board} | {b.entry_hash for b in board}
                     | {r.tracking_code for r in receipts})
    secrets = {s.hex() for s in vote.issued + vote.unissued}
    assert len(card_hashes) == 5 and len(spent_tags) == 3
    for table, column, value in _all_values(db_engine):
        assert not any(s in value for s in secrets), (table, column)
        if (table, column) != ("ballot_card", "card_hash"):
            assert not any(h in value for h in card_hashes), (table, column)
        if (table, column) != ("ballot_card", "spent_tag"):
            assert not any(t in value for t in spent_tags), (table, column)
        if table == "ballot_card" or table == "audit_log":
            assert not any(v in value for v in ballot_values), (table, column)


# --- 2 and 3: two runs of one session --------------------------------------------------------

SESSION: dict[str, Any] = {
    "title": "测试乡第一次会议", "deputies_total": 12, "deputies_present": 10,
    "scrutineers": {"count": 3, "threshold": 2},
}
VOTE: dict[str, Any] = {
    "id": "projects", "kind": "selection", "title": "三选二", "options": ["甲", "乙", "丙"],
    "select_min": 0, "select_max": 2, "threshold": "majority_of_all", "cards_issued": 8,
    "ballots": [{"select": [0, 1], "count": 3}, {"select": [2], "count": 2},
                {"select": [], "count": 1}, {"select": [0, 2], "count": 1}],
}


class _Dealer(random.Random):
    """Shuffles ballots and cards by its seed; the decrypting scrutineers are always the
    first k, so that both runs are decrypted by the same scrutineers."""

    def sample(self, population: Sequence[Any], k: int, *, counts: Any = None) -> list[Any]:
        return list(population)[:k]


@dataclass(frozen=True)
class Run:
    files: dict[str, bytes]
    card_secrets: tuple[bytes, ...]
    card_hashes: frozenset[str]
    deputies: frozenset[str]  # every name and delegation on the roster
    scrutineers: frozenset[str]
    stored_times: frozenset[str]  # every time stored in the database, as text


def _run(tmp: Path, order_seed: int, present: Sequence[int]) -> Run:
    engine = make_engine(f"sqlite:///{tmp / 'secrecy.db'}")
    made: list[bytes] = []
    real_make_cards = card_service.make_cards
    real_encrypt = encrypt_attempt

    def keep_secrets(*args: Any, **kwargs: Any) -> list[bytes]:
        secrets = real_make_cards(*args, **kwargs)
        made.extend(secrets)
        return secrets

    try:
        migrate(engine)
        # Same seed: the same session key, scrutineer keys, ceremony and card secrets.
        simulation = Simulation(engine, SESSION, seeded_rng(b"test_secrecy/session"))
        simulation.shuffler = _Dealer(order_seed)  # who casts what, in which order
        with Session(engine) as db:
            db.execute(delete(Attendance))
            for deputy in db.exec(select(Deputy)).all():
                if int(deputy.seat) in present:
                    assert deputy.id is not None
                    db.add(Attendance(session_id=deputy.session_id, deputy_id=deputy.id,
                                      operator="desk"))
            db.commit()
        # Each run's tablets draw their own randomness, as real tablets do (with the
        # session's stream, the same ballots in another order would share their nonces).
        tablet_rng = seeded_rng(f"test_secrecy/tablets/{order_seed}".encode())

        def encrypt_on_tablet(ctx: Any, vector: Any, valid: bool, _rng: Any) -> Any:
            return real_encrypt(ctx, vector, valid, tablet_rng)

        with mock.patch.object(card_service, "make_cards", keep_secrets), \
                mock.patch("voting.simulate.encrypt_attempt", encrypt_on_tablet):
            simulation.run_vote(VOTE, tmp / "out")
        with Session(engine) as db:
            hashes = frozenset(c.card_hash for c in db.exec(select(BallotCard)).all())
            roster = db.exec(select(Deputy)).all()
            names = frozenset(d.name for d in roster) | frozenset(d.delegation for d in roster)
            scrutineers = frozenset(d.name for d in roster if d.is_scrutineer)
        times = frozenset(value for table, column, value in _all_values(engine)
                          if column in ("created_at", "checked_in_at", "at"))
    finally:
        engine.dispose()
    directory = tmp / "out" / VOTE["id"]
    files = {p.name: p.read_bytes() for p in directory.iterdir()}
    return Run(files, tuple(made), hashes, names, scrutineers, times)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Run]:
    first = _run(tmp_path_factory.mktemp("first"), 1, range(1, 11))
    second = _run(tmp_path_factory.mktemp("second"), 2, [1, 2, 3, *range(6, 13)])
    return first, second


def test_the_record_holds_no_card_no_deputy_and_no_time(runs: tuple[Run, Run]) -> None:
    run = runs[0]
    assert len(run.card_secrets) == VOTE["cards_issued"] == len(run.card_hashes)
    text_of = {name: data.decode("utf-8") for name, data in run.files.items()}
    card_texts = set(run.card_hashes)
    for secret in run.card_secrets:
        code = encode_backup_code(secret)
        card_texts |= {secret.hex(), code, code.replace("-", ""),
                       encode_qr_payload(VOTE["id"], secret).split(":")[-1]}
    others = run.deputies - run.scrutineers
    assert len(others) > 10 and len(run.scrutineers) == 3
    for name, content in text_of.items():
        assert not [c for c in card_texts if c in content.upper() or c in content], name
        assert not [d for d in others if d in content], name
        assert not [t for t in run.stored_times if t.strip('"')[:10] in content], name
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", content), name
    for name, data in run.files.items():
        for path, value in _leaves(_doc(name, data)):
            assert not any(re.search(r"time|date|(^|_)at$|when|deputy|card_hash|secret", str(p))
                           for p in path), (name, path)
            # A Unix time in seconds or milliseconds would be an int this large.
            assert not (isinstance(value, int) and value > 10**8), (name, path)
    keys = json.loads(run.files["keys.json"])
    assert {s["name"] for s in keys["scrutineers"]} == run.scrutineers


def _leaves(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _leaves(value, (*path, index))
    else:
        yield path, doc


#: Where two records of the same ballots may differ, as paths (``*``: any list index;
#: a path also covers everything below it). Anything else must be byte-for-byte equal.
MAY_DIFFER: dict[str, set[tuple[str, ...]]] = {
    # the ciphertexts and proofs, and what hashes them
    "ballots.jsonl": {("*", "ballot", "selections"), ("*", "ballot", "constraint_proofs"),
                      ("*", "ballot_hash"), ("*", "prev"), ("*", "entry_hash"),
                      ("*", "tracking_code")},
    # the sum of the ciphertexts
    "tally.json": {("aggregate",)},
    # s_l·A_i of another aggregate, their proofs and the signatures on them
    "decryption.json": {("shares", "*", "body", "shares"), ("shares", "*", "body", "proofs"),
                        ("shares", "*", "signature")},
    # the hashes of those three files, the board head, and the signatures over them
    "certificate.json": {("payload", "files", "ballots.jsonl"), ("payload", "files", "tally.json"),
                         ("payload", "files", "decryption.json"), ("payload", "board", "head"),
                         ("signatures", "*", "signature")},
}


def _differences(a: Any, b: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths where ``a`` and ``b`` differ; a differing shape is a difference at its path."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        for key in a:
            yield from _differences(a[key], b[key], (*path, key))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _differences(x, y, (*path, index))
    elif a != b or type(a) is not type(b):
        yield path


def _doc(name: str, data: bytes) -> Any:
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in data.splitlines()]
    return json.loads(data)


def _allowed(name: str, path: tuple[Any, ...]) -> bool:
    shape = tuple("*" if isinstance(p, int) else p for p in path)
    return any(shape[: len(allowed)] == allowed for allowed in MAY_DIFFER.get(name, ()))


def test_same_ballots_other_order_other_deputies_differ_only_in_ciphertexts(
        runs: tuple[Run, Run]) -> None:
    first, second = runs
    assert first.card_secrets == second.card_secrets  # the same printed cards
    for run in runs:
        verify_record(run.files, workers=1)
    assert first.files.keys() == second.files.keys()
    for name in sorted(first.files):
        if name not in MAY_DIFFER:
            assert first.files[name] == second.files[name], name
            continue
        found = list(_differences(*(_doc(name, run.files[name]) for run in runs)))
        assert found, f"{name}: the runs should not be identical"
        assert [p for p in found if not _allowed(name, p)] == [], name
    board = [[json.loads(line) for line in run.files["ballots.jsonl"].splitlines()]
             for run in runs]
    assert board[0][0]["prev"] == board[1][0]["prev"]  # the election hash
    # Not one ciphertext in common: nothing to match a ballot of one run to the other.
    ciphertexts = [{json.dumps(s["ciphertext"]) for line in b for s in line["ballot"]["selections"]}
                   for b in board]
    assert not ciphertexts[0] & ciphertexts[1]
    counts = [json.loads(run.files["decryption.json"])["counts"] for run in runs]
    assert counts[0] == counts[1] == [4, 3, 3]


def test_closing_unlinks_card_rows_from_their_casts_on_postgresql(
    postgres_schema_url: Any,
) -> None:
    """On PostgreSQL a row's ``xmin`` is the id of the transaction that wrote it; a spent card
    and its board entry share one until the close rewrites every card row of the vote."""
    from sqlalchemy import text

    from tally.rng import seeded_rng
    from tests.box_setup import build_open_vote, encrypt_pick
    from voting.ballot_box import BallotBox
    from voting.db import make_engine, migrate
    from voting.vote_service import close_vote

    engine = make_engine(postgres_schema_url)
    try:
        migrate(engine)
        rng = seeded_rng(b"xmin")
        vote = build_open_vote(engine, rng, issued=3)
        box = BallotBox(engine)
        for card, pick in zip(vote.issued, ([0], [1], [0, 1]), strict=True):
            box.cast(vote.vote_pk, card, encrypt_pick(vote.ctx, pick, rng).to_json())

        def xmins(table: str) -> set[str]:
            with engine.connect() as connection:
                return {str(row[0]) for row in connection.execute(
                    text(f"SELECT xmin FROM {table} WHERE vote_id = :v"), {"v": vote.vote_pk})}

        assert len(xmins("board_entry") & xmins("ballot_card")) == 3  # linked while open
        close_vote(engine, vote.vote_pk, "test")
        assert not xmins("board_entry") & xmins("ballot_card")
    finally:
        engine.dispose()
