"""The ballot box as a hypothesis state machine, on an SQLite file.

Rules: print cards, issue them, cast (with an issued, spent, unissued, void or forged card;
an honest, copied or broken ballot), replay, concurrent casts with one card, a crash in the
middle of a cast, crash-and-reopen (a new engine and a new ``BallotBox`` on the same file),
close. After every step the database must agree with a plain model of what should have
happened, and:

- spent cards = board entries = the board head's ``seq``;
- a refused cast stored nothing (the board and the card counts are the model's);
- the chain verifies (``tally.board.verify_chain`` with ballot hashes recomputed), and the
  head's running aggregate is the homomorphic sum of the board.

Every example starts from a copy of one prepared database (session, 2-of-3 key ceremony, an
open 3选2 vote, no cards yet), and the ballots come from a pool encrypted once per module,
so one example costs milliseconds, not a key ceremony.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import Session

from tally.ballot import EncryptedBallot
from tally.board import ballot_hash
from tally.election import ElectionContext
from tally.elgamal import Ciphertext
from tally.group import IDENTITY
from tally.rng import seeded_rng
from tests.box_setup import build_open_vote, check_board, encrypt_pick
from tests.forge import forge_ballot
from voting import cards as card_service
from voting import vote_service
from voting.ballot_box import BallotBox, Receipt
from voting.box_models import BoardHead
from voting.db import make_engine, migrate, session_scope
from voting.errors import BallotRejected, CardRejected, InvalidTransition, VoteNotOpen
from voting.models import Vote

POOL = 40
PICK = st.integers(min_value=0, max_value=10**6)


@dataclass(frozen=True)
class Template:
    """A prepared database file and the ballots encrypted for its vote."""

    root: Path
    db_file: Path
    vote_pk: int
    ctx: ElectionContext
    valid: tuple[dict[str, Any], ...]
    invalid: tuple[dict[str, Any], ...]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    root = tmp_path_factory.mktemp("ballot-box-machine")
    db_file = root / "template.db"
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        migrate(engine)
        vote = build_open_vote(engine, seeded_rng(b"machine/template"), issued=0, unissued=0)
    finally:
        engine.dispose()  # the last connection closing folds the WAL into the file
    rng = seeded_rng(b"machine/ballots")
    picks: tuple[list[int], ...] = ([], [0], [1], [2], [0, 1], [0, 2], [1, 2])
    valid = tuple(encrypt_pick(vote.ctx, picks[i % len(picks)], rng).to_json()
                  for i in range(POOL))
    bent = encrypt_pick(vote.ctx, [1], rng).to_json()
    bent["constraint_proofs"][0]["challenges"][0] = bent["selections"][0]["proof"]["challenges"][0]
    invalid = (forge_ballot(vote.ctx, [1, 1, 1], rng).to_json(),
               forge_ballot(vote.ctx, [2, 0, 0], rng).to_json(), bent)
    yield Template(root, db_file, vote.vote_pk, vote.ctx, valid, invalid)


class BallotBoxMachine(RuleBasedStateMachine):
    def __init__(self, template: Template) -> None:
        super().__init__()
        self.t = template
        self.dir = Path(tempfile.mkdtemp(dir=template.root))
        shutil.copy(template.db_file, self.dir / "box.db")
        self.url = f"sqlite:///{self.dir / 'box.db'}"
        self.engine = make_engine(self.url)
        self.box = BallotBox(self.engine)
        self.rng = seeded_rng(b"machine/cards")
        # The model: every card made, by state; the board as ballot hashes; receipts.
        self.cards: list[bytes] = []
        self.state: dict[bytes, str] = {}
        self.spent_with: dict[bytes, bytes] = {}  # card -> hash of the ballot it cast
        self.board: list[bytes] = []
        self.receipts: dict[bytes, Receipt] = {}  # ballot hash -> its receipt
        self.closed = False

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- helpers -------------------------------------------------------------------------

    def _vote(self, db: Session) -> Vote:
        vote = db.get(Vote, self.t.vote_pk)
        assert vote is not None
        return vote

    def _in_state(self, state: str) -> list[bytes]:
        return [c for c in self.cards if self.state[c] == state]

    def _card(self, pick: int, state: str | None) -> bytes:
        """A card of the model in ``state`` (any state if None), or a forged one if none."""
        pool = self.cards if state is None else self._in_state(state)
        return pool[pick % len(pool)] if pool else self.rng(16)

    def _fresh_ballots(self, start: int, count: int) -> list[dict[str, Any]]:
        """``count`` valid ballots of the pool that are not on the board yet."""
        ballots = [self.t.valid[(start + i) % POOL] for i in range(POOL)]
        return [b for b in ballots if ballot_hash(b) not in self.board][:count]

    def _expect(self, card: bytes, ballot: dict[str, Any], valid: bool) -> str:
        """What the ballot box must answer, from the model alone."""
        if self.closed:
            return "not_open"
        if not valid:
            return "ballot"
        b_hash = ballot_hash(ballot)
        state = self.state.get(card)
        if state == "issued":
            return "ballot" if b_hash in self.board else "accept"
        if state == "spent" and self.spent_with[card] == b_hash:
            return "replay"
        return "card"

    def _cast(self, card: bytes, ballot: dict[str, Any], valid: bool) -> None:
        expected = self._expect(card, ballot, valid)
        try:
            receipt = self.box.cast(self.t.vote_pk, card, ballot)
        except VoteNotOpen:
            outcome = "not_open"
        except BallotRejected:
            outcome = "ballot"
        except CardRejected:
            outcome = "card"
        else:
            outcome = "replay" if expected == "replay" else "accept"
            b_hash = ballot_hash(ballot)
            if outcome == "replay":
                assert receipt == self.receipts[b_hash]
            else:
                assert receipt.seq == len(self.board) + 1
                self._accepted(card, b_hash, receipt)
        assert outcome == expected

    def _accepted(self, card: bytes, b_hash: bytes, receipt: Receipt) -> None:
        self.state[card] = "spent"
        self.spent_with[card] = b_hash
        self.board.append(b_hash)
        self.receipts[b_hash] = receipt

    # --- rules ---------------------------------------------------------------------------

    @initialize(count=st.integers(min_value=1, max_value=6), data=st.data())
    def print_and_issue_the_first_cards(self, count: int, data: st.DataObject) -> None:
        self.print_cards(count)
        for pick in range(data.draw(st.integers(min_value=0, max_value=count), label="issue")):
            self.issue_a_printed_card(pick)

    @rule(count=st.integers(min_value=1, max_value=3))
    def print_cards(self, count: int) -> None:
        try:
            with session_scope(self.engine) as db:
                made = card_service.make_cards(db, self._vote(db), count, self.rng, "machine")
        except InvalidTransition:
            assert self.closed
            return
        assert not self.closed
        self.cards += made
        self.state.update((c, "printed") for c in made)

    @precondition(lambda self: bool(self._in_state("printed")))
    @rule(pick=PICK)
    def issue_a_printed_card(self, pick: int) -> None:
        card = self._card(pick, "printed")
        with session_scope(self.engine) as db:
            card_service.issue_card(db, self._vote(db), card, "machine")
        self.state[card] = "issued"

    @rule(pick=PICK, state=st.sampled_from(["issued", "spent", "void", None]))
    def issue_a_card_that_is_not_printed(self, pick: int, state: str | None) -> None:
        """Issued twice, spent, void or forged (None): refused; anything once closed."""
        card = self._card(pick, state) if state is not None else self.rng(16)
        with pytest.raises(InvalidTransition if self.closed else CardRejected), \
                session_scope(self.engine) as db:
            card_service.issue_card(db, self._vote(db), card, "machine")

    @precondition(lambda self: bool(self._in_state("issued")))
    @rule(card=PICK, ballot=PICK)
    def cast_with_an_issued_card(self, card: int, ballot: int) -> None:
        """The common case: accepted while the vote is open."""
        self._cast(self._card(card, "issued"), self._fresh_ballots(ballot, 1)[0], True)

    @precondition(lambda self: bool(self._in_state("issued")) and bool(self.board))
    @rule(card=PICK, ballot=PICK)
    def cast_a_copied_ballot(self, card: int, ballot: int) -> None:
        """A ballot already on the board, with another card: refused, the card unspent."""
        copied = self.board[ballot % len(self.board)]
        self._cast(self._card(card, "issued"),
                   next(b for b in self.t.valid if ballot_hash(b) == copied), True)

    @rule(card=PICK, ballot=PICK, state=st.sampled_from(["printed", "spent", "void", None]),
          valid=st.booleans())
    def cast_with_any_card(self, card: int, ballot: int, state: str | None, valid: bool) -> None:
        pool = self.t.valid if valid else self.t.invalid
        self._cast(self._card(card, state), pool[ballot % len(pool)], valid)

    @rule(card=PICK, ballot=PICK)
    def cast_a_broken_ballot(self, card: int, ballot: int) -> None:
        self._cast(self._card(card, "issued"), self.t.invalid[ballot % len(self.t.invalid)],
                   False)

    @precondition(lambda self: bool(self.spent_with))
    @rule(pick=PICK)
    def replay(self, pick: int) -> None:
        card = self._card(pick, "spent")
        b_hash = self.spent_with[card]
        ballot = next(b for b in self.t.valid if ballot_hash(b) == b_hash)
        self._cast(card, ballot, True)

    @precondition(lambda self: bool(self._in_state("issued")) and not self.closed)
    @rule(pick=PICK, start=PICK)
    def concurrent_casts_with_one_card(self, pick: int, start: int) -> None:
        card = self._card(pick, "issued")
        fresh = self._fresh_ballots(start, 3)
        barrier = threading.Barrier(len(fresh))

        def one(ballot: dict[str, Any]) -> Receipt | Exception:
            barrier.wait(timeout=30)
            try:
                return self.box.cast(self.t.vote_pk, card, ballot)
            except (CardRejected, BallotRejected) as exc:
                return exc

        with ThreadPoolExecutor(max_workers=len(fresh)) as pool:
            outcomes = list(pool.map(one, fresh))
        assert Counter(type(o).__name__ for o in outcomes) == {
            "Receipt": 1, "CardRejected": len(fresh) - 1}, outcomes
        winner = next(i for i, o in enumerate(outcomes) if isinstance(o, Receipt))
        receipt = outcomes[winner]
        assert isinstance(receipt, Receipt) and receipt.seq == len(self.board) + 1
        self._accepted(card, ballot_hash(fresh[winner]), receipt)

    @precondition(lambda self: bool(self._in_state("issued")) and not self.closed)
    @rule(card=PICK, ballot=PICK)
    def crash_in_the_middle_of_a_cast(self, card: int, ballot: int) -> None:
        """The process dies after the card was spent, before the entry is written."""
        fresh = self._fresh_ballots(ballot, 1)[0]  # a copy would be refused before that
        with mock.patch("voting.ballot_box.next_entry", side_effect=RuntimeError("crash")), \
                pytest.raises(RuntimeError, match="crash"):
            self.box.cast(self.t.vote_pk, self._card(card, "issued"), fresh)

    @rule()
    def crash_and_reopen(self) -> None:
        self.engine.dispose()
        self.engine = make_engine(self.url)
        self.box = BallotBox(self.engine)

    @precondition(lambda self: len(self.board) >= 2)  # let casts happen before the close
    @rule()
    def close(self) -> None:
        try:
            cards = vote_service.close_vote(self.engine, self.t.vote_pk, "machine")
        except InvalidTransition:
            assert self.closed
            return
        assert not self.closed
        self.closed = True
        for card in self._in_state("printed"):
            self.state[card] = "void"
        assert cards.to_json() == self._counts()

    # --- invariants ----------------------------------------------------------------------

    def _counts(self) -> dict[str, int]:
        by_state = Counter(self.state.values())
        return {"printed": len(self.cards), "issued": by_state["issued"] + by_state["spent"],
                "spent": by_state["spent"], "void": by_state["void"]}

    @invariant()
    def card_counts_are_the_models(self) -> None:
        with Session(self.engine) as db:
            counts = card_service.card_counts(db, self._vote(db)).to_json()
        assert counts == self._counts()
        assert counts["printed"] == counts["issued"] + counts["void"] + sum(
            s == "printed" for s in self.state.values())

    @invariant()
    def the_board_is_the_models_and_its_chain_verifies(self) -> None:
        # check_board: chain verifies with recomputed hashes; spent cards = entries = seq.
        rows = check_board(self.engine, self.t.vote_pk, self.t.ctx.election_hash)
        assert [bytes.fromhex(r.ballot_hash) for r in rows] == self.board
        assert [(r.seq, r.tracking_code) for r in rows] == [
            (self.receipts[h].seq, self.receipts[h].tracking_code) for h in self.board]

    @invariant()
    def the_running_aggregate_is_the_sum_of_the_board(self) -> None:
        selections = len(self.t.ctx.manifest.labels)
        total = [Ciphertext(IDENTITY, IDENTITY)] * selections
        by_hash = {ballot_hash(b): b for b in self.t.valid}
        for b_hash in self.board:
            ballot = EncryptedBallot.from_json(by_hash[b_hash])
            total = [t + s.ciphertext for t, s in zip(total, ballot.selections, strict=True)]
        with Session(self.engine) as db:
            head = db.get(BoardHead, self.t.vote_pk)
            assert head is not None
            assert head.aggregate == [c.to_json() for c in total]


def test_ballot_box_state_machine(template: Template) -> None:
    class OnTemplate(BallotBoxMachine):
        def __init__(self) -> None:
            super().__init__(template)

    run_state_machine_as_test(
        OnTemplate,
        settings=settings(max_examples=20, stateful_step_count=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
