"""Double votes through the real server (2 worker processes): 100 casts of 100 different
ballots with one card, all at once → exactly one accepted, on SQLite and PostgreSQL. The
database decides (conditional UPDATE of the card), not the process that happened to answer.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.integration.hall import hall, served
from voting.hall_client import cast_all, cast_bodies, encrypt_ballots
from voting.rehearsal import check_board

ATTEMPTS = 100


def test_one_card_one_ballot_under_100_concurrent_casts(db_url: str, tmp_path: Path) -> None:
    with hall(db_url, cards=2, options=3, select_max=1) as h:
        ballots = encrypt_ballots(h.vote, ATTEMPTS + 1, processes=1)
        card, other = h.vote.cards
        bodies = cast_bodies(h.vote, ballots, [card] * ATTEMPTS + [other])
        with served(db_url, tmp_path, workers=2) as server:
            outcomes = cast_all(server.base_url, h.vote.cast_path, bodies, concurrency=ATTEMPTS,
                                indices=range(ATTEMPTS), timeout=60)
            # The same cast sent 20 times at once (a tablet retrying) is one ballot too. From
            # another device: this one has spent its budget of refused cards.
            retries = cast_all(server.base_url, h.vote.cast_path, bodies, concurrency=20,
                               indices=[ATTEMPTS] * 20, timeout=60, local_address="127.0.0.2")
            # This device has had 99 refused cards: it is refused still, and told to wait
            # by any worker that counted at least 10 of them (the limit is per process).
            late = cast_all(server.base_url, h.vote.cast_path, bodies, indices=[1, 2, 3])

        statuses = Counter(o.status for o in outcomes)
        print(f"double votes: {dict(statuses)}")
        assert statuses[201] == 1, statuses
        # Refused alike (403 card.rejected), or told to wait once the device's budget of
        # refused cards is spent (429).
        assert set(statuses) <= {201, 403, 429}, statuses
        assert {o.error_code for o in outcomes if o.status == 403} == {"card.rejected"}
        assert all(o.accepted for o in retries)
        assert {o.error_code for o in late} <= {"card.rejected", "card.too_many_attempts"}
        assert len({(o.body or {}).get("tracking_code") for o in retries}) == 1

        winner = next(o for o in outcomes if o.accepted)
        board = check_board(h.engine, h.vote, [winner.body or {}, retries[0].body or {}])
        assert board.missing == () and board.entries == board.spent == 2
