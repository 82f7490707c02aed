"""The ballot box on SQLite and PostgreSQL: receipts, idempotence, the one card refusal,
refused ballots that change nothing, and concurrent casts decided by the database."""

from __future__ import annotations

import functools
import json
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from unittest import mock

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tally.rng import seeded_rng
from tests.box_setup import OpenVote, board_rows, build_open_vote, check_board, encrypt_pick
from tests.forge import forge_ballot
from voting import ballot_box, vote_service
from voting import cards as card_service
from voting.ballot_box import BallotBox, Receipt
from voting.card_codes import encode_backup_code, encode_qr_payload
from voting.db import make_engine, session_scope
from voting.errors import BallotRejected, CardRejected, DomainError, VoteNotOpen, error_body
from voting.models import Vote

ISSUED = 12


@pytest.fixture
def box_vote(db_engine: Engine) -> OpenVote:
    return build_open_vote(db_engine, seeded_rng(b"test_ballot_box"), issued=ISSUED, unissued=2)


@pytest.fixture
def rng() -> Callable[[int], bytes]:
    return seeded_rng(b"test_ballot_box/tablet")


def card_counts(v: OpenVote) -> dict[str, int]:
    with Session(v.engine) as db:
        vote = db.get(Vote, v.vote_pk)
        assert vote is not None
        return card_service.card_counts(db, vote).to_json()


def test_cast_returns_a_receipt_whose_tracking_code_is_on_the_board(
        box_vote: OpenVote, rng: Callable[[int], bytes]) -> None:
    box = BallotBox(box_vote.engine)
    ballot = encrypt_pick(box_vote.ctx, [0, 2], rng).to_json()
    receipt = box.cast(box_vote.vote_pk, box_vote.issued[0], ballot)
    assert isinstance(receipt, Receipt) and receipt.seq == 1 and receipt.vote == box_vote.slug
    rows = check_board(box_vote.engine, box_vote.vote_pk, box_vote.ctx.election_hash)
    assert [(r.seq, r.tracking_code, r.entry_hash) for r in rows] == [
        (1, receipt.tracking_code, receipt.entry_hash)]
    assert json.loads(rows[0].ballot) == ballot
    assert card_counts(box_vote) == {"printed": ISSUED + 2, "issued": ISSUED, "spent": 1,
                                     "void": 0}


def test_a_card_also_works_typed_or_scanned(box_vote: OpenVote,
                                            rng: Callable[[int], bytes]) -> None:
    box = BallotBox(box_vote.engine)
    typed = encode_backup_code(box_vote.issued[0]).lower().replace("-", " ")
    scanned = encode_qr_payload(box_vote.slug, box_vote.issued[1])
    first = box.cast(box_vote.vote_pk, typed, encrypt_pick(box_vote.ctx, [0], rng).to_json())
    second = box.cast(box_vote.vote_pk, scanned, encrypt_pick(box_vote.ctx, [1], rng).to_json())
    assert (first.seq, second.seq) == (1, 2)
    check_board(box_vote.engine, box_vote.vote_pk, box_vote.ctx.election_hash)


def test_same_ballot_same_card_returns_the_same_receipt_and_stores_nothing(
        box_vote: OpenVote, rng: Callable[[int], bytes]) -> None:
    box = BallotBox(box_vote.engine)
    ballot = encrypt_pick(box_vote.ctx, [1], rng).to_json()
    first = box.cast(box_vote.vote_pk, box_vote.issued[0], ballot)
    # The tablet lost the answer and sends again, even through a fresh server process.
    again = BallotBox(box_vote.engine).cast(box_vote.vote_pk, box_vote.issued[0], ballot)
    typed = box.cast(box_vote.vote_pk, encode_backup_code(box_vote.issued[0]), ballot)
    assert first == again == typed
    rows = check_board(box_vote.engine, box_vote.vote_pk, box_vote.ctx.election_hash)
    assert len(rows) == 1 and card_counts(box_vote)["spent"] == 1


def test_another_ballot_with_a_spent_card_is_refused(box_vote: OpenVote,
                                                     rng: Callable[[int], bytes]) -> None:
    box = BallotBox(box_vote.engine)
    box.cast(box_vote.vote_pk, box_vote.issued[0], encrypt_pick(box_vote.ctx, [0], rng).to_json())
    with pytest.raises(CardRejected):
        box.cast(box_vote.vote_pk, box_vote.issued[0],
                 encrypt_pick(box_vote.ctx, [1], rng).to_json())
    assert len(check_board(box_vote.engine, box_vote.vote_pk, box_vote.ctx.election_hash)) == 1


def _refusal(action: Callable[[], Any]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        action()
    return caught.value


def test_every_bad_card_gets_the_one_identical_refusal(box_vote: OpenVote,
                                                       rng: Callable[[int], bytes]) -> None:
    box = BallotBox(box_vote.engine)
    spent = box_vote.issued[0]
    box.cast(box_vote.vote_pk, spent, encrypt_pick(box_vote.ctx, [0], rng).to_json())
    other_vote_qr = encode_qr_payload("another-vote", box_vote.issued[1])
    bad_cards: dict[str, str | bytes] = {
        "forged secret": secrets.token_bytes(16),
        "forged secret of the wrong length": secrets.token_bytes(20),
        "forged typed code": encode_backup_code(secrets.token_bytes(16)),
        "mistyped code": encode_backup_code(box_vote.issued[1])[:-1] + "0",
        "garbage text": "not a card",
        "empty": "",
        "card of another vote": other_vote_qr,
        "printed but never issued": box_vote.unissued[0],
        "spent": spent,
        "spent, scanned": encode_qr_payload(box_vote.slug, spent),
    }
    seen = {}
    for name, card in bad_cards.items():
        ballot = encrypt_pick(box_vote.ctx, [2], rng).to_json()
        refusal = _refusal(functools.partial(box.cast, box_vote.vote_pk, card, ballot))
        assert type(refusal) is CardRejected, name
        seen[name] = (refusal.code, refusal.http_status, str(refusal), json.dumps(refusal.details),
                      json.dumps(error_body(refusal, "en")),
                      json.dumps(error_body(refusal, "zh-CN"), ensure_ascii=False))
    assert len(set(seen.values())) == 1, seen
    code, status, _, details, _, _ = next(iter(seen.values()))
    assert (code, status, details) == ("card.rejected", 403, "{}")
    assert len(check_board(box_vote.engine, box_vote.vote_pk, box_vote.ctx.election_hash)) == 1
    assert card_counts(box_vote)["spent"] == 1


def test_a_ballot_with_a_broken_proof_is_refused_and_the_card_stays_good(
        box_vote: OpenVote, rng: Callable[[int], bytes]) -> None:
    box = BallotBox(box_vote.engine)
    card = box_vote.issued[0]
    over_vote = forge_ballot(box_vote.ctx, [1, 1, 1], rng).to_json()  # 3 marks of 3选2
    bent = encrypt_pick(box_vote.ctx, [0], rng).to_json()
    bent["selections"][1]["proof"]["responses"][0] = (
        bent["selections"][0]["proof"]["responses"][0])  # a well-formed but wrong response
    other_election = dict(encrypt_pick(box_vote.ctx, [0], rng).to_json(),
                          election_hash="00" * 32)
    malformed: dict[str, Any] = {"selections": "none"}
    for ballot in (over_vote, bent, other_election, malformed):
        with pytest.raises(BallotRejected):
            box.cast(box_vote.vote_pk, card, ballot)
    assert board_rows(box_vote.engine, box_vote.vote_pk) == []
    assert card_counts(box_vote)["spent"] == 0
    receipt = box.cast(box_vote.vote_pk, card, encrypt_pick(box_vote.ctx, [0], rng).to_json())
    assert receipt.seq == 1


def test_a_copied_ballot_is_refused_with_another_card(box_vote: OpenVote,
                                                      rng: Callable[[int], bytes]) -> None:
    box = BallotBox(box_vote.engine)
    ballot = encrypt_pick(box_vote.ctx, [0, 1], rng).to_json()
    box.cast(box_vote.vote_pk, box_vote.issued[0], ballot)
    copy = json.loads(json.dumps(ballot))
    with pytest.raises(BallotRejected) as refused:
        box.cast(box_vote.vote_pk, box_vote.issued[1], copy)
    assert refused.value.details == {"reason": "duplicate"}
    assert len(check_board(box_vote.engine, box_vote.vote_pk, box_vote.ctx.election_hash)) == 1
    assert card_counts(box_vote)["spent"] == 1
    # The second card was not spent by the refusal: its holder can still vote.
    receipt = box.cast(box_vote.vote_pk, box_vote.issued[1],
                       encrypt_pick(box_vote.ctx, [0, 1], rng).to_json())
    assert receipt.seq == 2


def test_casting_on_a_closed_vote_is_refused(box_vote: OpenVote,
                                             rng: Callable[[int], bytes]) -> None:
    box = BallotBox(box_vote.engine)
    ballot = encrypt_pick(box_vote.ctx, [0], rng).to_json()
    receipt = box.cast(box_vote.vote_pk, box_vote.issued[0], ballot)
    cards = vote_service.close_vote(box_vote.engine, box_vote.vote_pk, "tests")
    assert cards.to_json() == {"printed": ISSUED + 2, "issued": ISSUED, "spent": 1, "void": 2}
    with pytest.raises(VoteNotOpen):
        box.cast(box_vote.vote_pk, box_vote.issued[1],
                 encrypt_pick(box_vote.ctx, [1], rng).to_json())
    with pytest.raises(VoteNotOpen):  # not even the receipt of a replay once closed
        box.cast(box_vote.vote_pk, box_vote.issued[0], ballot)
    assert [r.entry_hash for r in board_rows(box_vote.engine, box_vote.vote_pk)] == [
        receipt.entry_hash]


def test_casting_before_the_vote_opens_is_refused(box_vote: OpenVote,
                                                  rng: Callable[[int], bytes]) -> None:
    with session_scope(box_vote.engine) as db:
        vote = Vote(session_id=box_vote.session_id, slug="later", kind="motion", title="决议")
        db.add(vote)
        db.flush()
        vote_service.prepare_vote(db, vote, "tests")
        card = card_service.make_cards(db, vote, 1, rng, "tests")[0]
        card_service.issue_card(db, vote, card, "tests")
        assert vote.id is not None
        later = vote.id
    with pytest.raises(VoteNotOpen):
        BallotBox(box_vote.engine).cast(later, card, {})


def _race(engine: Engine, vote_pk: int, casts: list[tuple[bytes, dict[str, Any]]]
          ) -> list[Receipt | BaseException]:
    """Run every cast at once (a barrier releases them together); collect each outcome.

    Each cast has an engine and a ballot box of its own, like separate server processes:
    only the database can decide between them. The barrier stands after the proof checks
    (slow, and serialised by the GIL), so that the transactions really start together.
    """
    barrier = threading.Barrier(len(casts))
    url = engine.url.render_as_string(hide_password=False)

    def verified_then_wait(*args: Any) -> Any:
        ballot = real_verified(*args)
        barrier.wait(timeout=30)
        return ballot

    def one(card: bytes, ballot: dict[str, Any]) -> Receipt | BaseException:
        own = make_engine(url)
        try:
            return BallotBox(own).cast(vote_pk, card, ballot)
        except Exception as exc:  # the outcome is what the test checks
            return exc
        finally:
            own.dispose()

    real_verified = ballot_box._verified
    with mock.patch.object(ballot_box, "_verified", verified_then_wait), \
            ThreadPoolExecutor(max_workers=len(casts)) as pool:
        return list(pool.map(lambda c: one(*c), casts))


def test_concurrent_casts_with_one_card_accept_exactly_one(
        box_vote: OpenVote, rng: Callable[[int], bytes]) -> None:
    card = box_vote.issued[0]
    ballots = [encrypt_pick(box_vote.ctx, [i % 3], rng).to_json() for i in range(ISSUED)]
    outcomes = _race(box_vote.engine, box_vote.vote_pk, [(card, b) for b in ballots])
    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"Receipt": 1, "CardRejected": ISSUED - 1}, outcomes
    rows = check_board(box_vote.engine, box_vote.vote_pk, box_vote.ctx.election_hash)
    assert len(rows) == 1 and card_counts(box_vote)["spent"] == 1
    accepted = next(o for o in outcomes if isinstance(o, Receipt))
    assert rows[0].entry_hash == accepted.entry_hash
    assert json.loads(rows[0].ballot) == ballots[outcomes.index(accepted)]


def test_concurrent_casts_with_many_cards_chain_in_order(
        box_vote: OpenVote, rng: Callable[[int], bytes]) -> None:
    casts = [(card, encrypt_pick(box_vote.ctx, [i % 3], rng).to_json())
             for i, card in enumerate(box_vote.issued)]
    outcomes = _race(box_vote.engine, box_vote.vote_pk, casts)
    assert all(isinstance(o, Receipt) for o in outcomes), outcomes
    receipts = [o for o in outcomes if isinstance(o, Receipt)]
    assert sorted(r.seq for r in receipts) == list(range(1, ISSUED + 1))
    rows = check_board(box_vote.engine, box_vote.vote_pk, box_vote.ctx.election_hash)
    assert {r.entry_hash for r in rows} == {r.entry_hash for r in receipts}
    assert card_counts(box_vote)["spent"] == ISSUED


def test_concurrent_copies_and_replays_land_once(box_vote: OpenVote,
                                                 rng: Callable[[int], bytes]) -> None:
    """One ballot sent at once with its card (replays) and with other cards (copies)."""
    ballot = encrypt_pick(box_vote.ctx, [2], rng).to_json()
    casts = [(box_vote.issued[0], ballot)] * 4 + [(card, ballot) for card in box_vote.issued[1:5]]
    outcomes = _race(box_vote.engine, box_vote.vote_pk, casts)
    receipts = {o for o in outcomes if isinstance(o, Receipt)}
    refusals = [o for o in outcomes if not isinstance(o, Receipt)]
    assert len(receipts) == 1, outcomes
    assert all(isinstance(o, BallotRejected) for o in refusals), refusals
    rows = check_board(box_vote.engine, box_vote.vote_pk, box_vote.ctx.election_hash)
    assert len(rows) == 1 and card_counts(box_vote)["spent"] == 1
    # If card 0 won, each of its four sends got the one receipt; if a copy won, only it.
    won = [i for i, o in enumerate(outcomes) if isinstance(o, Receipt)]
    assert won == [0, 1, 2, 3] or (len(won) == 1 and won[0] >= 4), won
