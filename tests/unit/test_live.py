"""The live hub: events leave only after commit, watchers re-read debounced and fan out the
newest view, the current vote is chosen as documented, tracking codes are normalised."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from voting import live
from voting.api.live_view import current_vote
from voting.api.verify_pages import normalize_tracking_code
from voting.db import make_engine, session_scope
from voting.live import Hub, LiveEvent, LocalHub, changed, hub_for, make_hub
from voting.models import Vote


@pytest.fixture
def engine() -> Iterator[Engine]:
    eng = make_engine("sqlite://")
    try:
        yield eng
    finally:
        eng.dispose()


class Recorder(Hub):
    """A hub that only records what it is asked to publish."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, lambda sid, pin: {})
        self.published: list[LiveEvent] = []

    def publish(self, item: LiveEvent) -> None:
        self.published.append(item)


def test_event_payload_round_trip_and_refusals() -> None:
    event = LiveEvent(7, "projects-2019", "cast")
    assert LiveEvent.from_payload(event.payload()) == event
    assert len(event.payload()) < 100  # NOTIFY payloads stay small: no view, no count
    assert LiveEvent.from_payload('{"s": 3, "v": null, "k": "attendance"}').vote is None
    for bad in ('[1]', '{"s": true, "k": "x"}', '{"s": 1, "v": 2, "k": "x"}', '{"s": 1}',
                '{"v": "a", "k": "x"}'):
        with pytest.raises(ValueError):
            LiveEvent.from_payload(bad)


def test_changes_are_published_after_commit_and_dropped_on_rollback(engine: Engine) -> None:
    async def scenario() -> list[LiveEvent]:
        hub = Recorder(engine)
        await hub.start()
        assert hub_for(engine) is hub
        with session_scope(engine) as db:
            changed(db, 1, "a", "cast")
            changed(db, 1, "a", "cast")  # the same change twice is one event
            changed(db, 1, None, "attendance")
            assert hub.published == []  # nothing before the commit
        with pytest.raises(RuntimeError), session_scope(engine) as db:
            changed(db, 2, "b", "state")
            raise RuntimeError("the transaction fails")
        # an option engine (session_scope(immediate=True)) shares the pool: same hub
        with session_scope(engine, immediate=True) as db:
            changed(db, 3, "c", "cast")
        await hub.stop()
        assert hub_for(engine) is None
        with session_scope(engine) as db:  # no hub: nobody is told, nothing fails
            changed(db, 4, "d", "cast")
        return hub.published

    published = asyncio.run(scenario())
    assert sorted(published, key=lambda e: (e.session_id, e.kind)) == [
        LiveEvent(1, None, "attendance"), LiveEvent(1, "a", "cast"), LiveEvent(3, "c", "cast")]


def test_watchers_fan_out_the_newest_view_debounced(engine: Engine) -> None:
    reads: list[int] = []
    state = {"n": 0}

    def reader(session_id: int, pin: str | None) -> dict[str, Any]:
        reads.append(session_id)
        return {"session": session_id, "n": state["n"], "pin": pin}

    async def scenario() -> None:
        hub = LocalHub(engine, reader)
        hub.min_interval = 0.05
        hub.poll_seconds = 3600
        await hub.start()
        async with hub.subscribe(1) as first, hub.subscribe(1) as second:
            assert (await asyncio.wait_for(first.next(), 5))["n"] == 0
            assert (await asyncio.wait_for(second.next(), 5))["n"] == 0
            assert hub.watched == 1  # one watcher per session and pin, however many sockets
            before = len(reads)
            state["n"] = 1
            for _ in range(50):  # a burst of casts
                hub.publish(LiveEvent(1, "v", "cast"))
            assert (await asyncio.wait_for(first.next(), 5))["n"] == 1
            assert (await asyncio.wait_for(second.next(), 5))["n"] == 1
            await asyncio.sleep(0.3)
            assert len(reads) - before <= 3  # debounced, not 50 reads
            hub.publish(LiveEvent(2, "v", "cast"))  # another session: nothing new here
            hub.publish(LiveEvent(1, "v", "cast"))  # re-read, but the view is unchanged
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(second.next(), 0.5)
        assert hub.watched == 0  # the last subscriber left: the watcher stops
        async with hub.subscribe(1, "pinned") as pinned:
            assert (await asyncio.wait_for(pinned.next(), 5))["pin"] == "pinned"
            await hub.stop()
            assert await asyncio.wait_for(pinned.next(), 5) is None  # told to go away

    asyncio.run(scenario())


def test_a_failing_read_does_not_end_the_watch(engine: Engine) -> None:
    calls = {"n": 0}

    def reader(session_id: int, pin: str | None) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("database unreachable")
        return {"ok": calls["n"]}

    async def scenario() -> None:
        hub = LocalHub(engine, reader)
        hub.min_interval, hub.poll_seconds = 0.01, 0.1
        await hub.start()
        async with hub.subscribe(5) as mailbox:
            assert "ok" in await asyncio.wait_for(mailbox.next(), 5)
        await hub.stop()

    asyncio.run(scenario())


def test_make_hub_fits_the_database(engine: Engine) -> None:
    assert isinstance(make_hub(engine, lambda sid, pin: {}), LocalHub)
    pg = make_engine("postgresql+psycopg://u@127.0.0.1:1/db?options=-csearch_path%3Ds")
    try:
        hub = make_hub(pg, lambda sid, pin: {})
        assert isinstance(hub, live.PostgresHub)
        assert hub.conninfo.startswith("postgresql://u@127.0.0.1:1/db")
    finally:
        pg.dispose()


def _vote(pk: int, state: str) -> Vote:
    return Vote(id=pk, session_id=1, slug=f"v{pk}", kind="motion", title=f"第{pk}项",
                state=state)


@pytest.mark.parametrize(("states", "expected"), [
    ([], None),
    (["draft"], None),
    (["keys_ready", "keys_ready"], 1),  # the first vote ready is announced as next
    (["certified", "keys_ready"], 1),  # a result stays up until the next vote opens
    (["certified", "certified"], 2),
    (["closed", "certified"], 1),  # counting comes before an older result
    (["open", "counted", "certified"], 1),
    (["open", "open", "closed"], 2),  # the newest open vote
])
def test_the_current_vote(states: list[str], expected: int | None) -> None:
    votes = [_vote(i, s) for i, s in enumerate(states, start=1)]
    chosen = current_vote(votes)
    assert (chosen.id if chosen else None) == expected


def test_a_pinned_vote_wins() -> None:
    votes = [_vote(1, "certified"), _vote(2, "open")]
    assert current_vote(votes, "v1") is votes[0]
    assert current_vote(votes, "missing") is None


@pytest.mark.parametrize(("typed", "expected"), [
    ("ABCD-EFGH-JKMN-PQRS", "ABCD-EFGH-JKMN-PQRS"),
    ("abcd efgh jkmn pqrs", "ABCD-EFGH-JKMN-PQRS"),
    ("0gya-gza9-582n-ctms", "0GYA-GZA9-582N-CTMS"),
    ("OGYA-GZA9-582N-CTMS", "0GYA-GZA9-582N-CTMS"),  # O is read as zero
    ("1iL1-0000-0000-0000", "1111-0000-0000-0000"),  # I and L as one
    ("ABCD-EFGH-JKMN-PQR", None),
    ("ABCD-EFGH-JKMN-PQRU", None),  # U is not a Crockford symbol
    ("<script>", None),
    ("", None),
])
def test_tracking_codes_are_normalised(typed: str, expected: str | None) -> None:
    assert normalize_tracking_code(typed) == expected
