"""Crash mid-vote: `voting serve` is killed with SIGKILL in the middle of a burst of casts,
then restarted on the same database.

Afterwards every ballot that got a receipt is on the board, spent cards equal board entries
(no card spent without its ballot, no ballot without its card), the tablets that got no
answer can safely send the same cast again, and the closed, counted record verifies.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlmodel import Session

from tests.integration.hall import hall, served, tally_verify
from voting.box_models import BoardHead
from voting.hall_client import CastOutcome, cast_all, cast_bodies, encrypt_ballots
from voting.rehearsal import check_board

BALLOTS = 90
KILL_AFTER = 30  # board entries before the kill


def _board_size(engine: object, vote_pk: int) -> int:
    with Session(engine) as db:  # type: ignore[arg-type]
        head = db.get(BoardHead, vote_pk)
        return head.seq if head is not None else 0


def test_kill_minus_nine_mid_burst(db_url: str, tmp_path: Path) -> None:
    with hall(db_url, cards=BALLOTS) as h:
        bodies = cast_bodies(h.vote, encrypt_ballots(h.vote, BALLOTS, processes=1))
        outcomes: list[CastOutcome] = []
        with served(db_url, tmp_path, "before") as server:
            burst = threading.Thread(target=lambda: outcomes.extend(cast_all(
                server.base_url, h.vote.cast_path, bodies, concurrency=8, timeout=10)))
            burst.start()
            deadline = time.monotonic() + 60
            while _board_size(h.engine, h.vote.vote_pk) < KILL_AFTER:
                assert burst.is_alive() and time.monotonic() < deadline, "burst ended early"
                time.sleep(0.02)
            server.kill()
            burst.join(timeout=60)
        assert not burst.is_alive()

        answered = [o for o in outcomes if o.accepted]
        unanswered = [o for o in outcomes if not o.accepted]
        assert len(answered) >= KILL_AFTER - 8 and unanswered, "the kill was not mid-burst"
        assert all(o.status == 0 for o in unanswered), {o.status for o in unanswered}

        # After the crash: receipts all on the board, cards and board agree.
        after_crash = check_board(h.engine, h.vote, [o.body or {} for o in answered])
        assert after_crash.missing == ()
        assert after_crash.spent == after_crash.entries >= len(answered)

        # Restarted, the tablets without an answer send the very same cast again: a ballot
        # that landed before the crash gets its receipt back, the others are accepted now.
        with served(db_url, tmp_path, "after") as server:
            retried = cast_all(server.base_url, h.vote.cast_path, bodies, concurrency=8,
                               indices=[o.index for o in unanswered])
        assert all(o.accepted for o in retried), [(o.status, o.body) for o in retried]
        replayed = [o for o in retried if o.body and o.body["seq"] <= after_crash.entries]
        assert len(replayed) == after_crash.entries - len(answered)

        print(f"crash: {len(answered)} receipts before the kill, {after_crash.entries} on the "
              f"board after it, {len(unanswered)} unanswered retried, {len(replayed)} of them "
              "already on the board (same receipt returned)")
        receipts = [o.body or {} for o in answered + retried]
        final = check_board(h.engine, h.vote, receipts)
        assert final.missing == () and final.entries == final.spent == BALLOTS
        assert len({r["tracking_code"] for r in receipts}) == BALLOTS

        h.rehearsal.count_and_certify(h.vote)
        h.rehearsal.export(h.vote, tmp_path / "record")
        verified = tally_verify(tmp_path / "record")
        assert verified.returncode == 0, verified.stderr
        assert f"{BALLOTS} ballots" in verified.stdout

