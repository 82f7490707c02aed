"""Live updates: what changed in a session reaches every projector, in every process.

Publishing. Code that changes something a projector shows calls :func:`changed` inside its
transaction. That only notes the change on the SQLAlchemy session (``db.info``); a
session-wide ``after_commit`` listener hands the notes to the hub of the engine once the
transaction has committed, and a rollback drops them. Why this and not ``publish`` calls in
the routes: it fires exactly when the change is durable, and it covers every caller of the
service (HTTP routes, consoles, simulate) without each one remembering to publish. Why not
NOTIFY inside the transaction: the cast transaction keeps exactly its statements and locks
(NOTIFY would serialise the commits of every notifying transaction on PostgreSQL's
notification queue lock, on the hottest path of the service).

Transport. :class:`LocalHub` (SQLite, one process) delivers in process. :class:`PostgresHub`
(PostgreSQL, any number of processes and hosts) sends ``NOTIFY`` on a channel of its own
database schema from a dedicated connection, coalescing bursts, and keeps one ``LISTEN``
connection per process. The payload is small — session id, vote slug, kind — never a
count: receivers re-read the public view from the database.

Fan-out. Websockets :meth:`Hub.subscribe` to a session. One watcher per (session, pinned
vote) per process re-reads the view when told (at most every :attr:`Hub.min_interval`
seconds however fast casts arrive) and every :attr:`Hub.poll_seconds` as a safety net for
changes made where no hub listens (a CLI on SQLite) or notifications lost while the
LISTEN connection reconnected. Each subscriber holds only the latest view, so a slow
projector can never make the server queue views for it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

__all__ = [
    "CHANNEL_PREFIX",
    "WORKER_ID",
    "Hub",
    "LiveEvent",
    "LocalHub",
    "PostgresHub",
    "Subscription",
    "ViewReader",
    "changed",
    "hub_for",
    "make_hub",
]

_log = logging.getLogger(__name__)

#: Identifies this process in answers (a header, the websocket hello), so an operator or a
#: test can tell which worker served a request. Random, so it reveals nothing about the host.
WORKER_ID = secrets.token_hex(4)

#: NOTIFY channels are per database, not per schema; the schema name is appended.
CHANNEL_PREFIX = "rendavote_live_"

_INFO_KEY = "rendavote.live.pending"

#: ``reader(session_id, pinned_vote)`` → the public view (blocking; run in a thread).
ViewReader = Callable[[int, str | None], dict[str, Any]]


@dataclass(frozen=True)
class LiveEvent:
    """Something a projector shows has changed: a cast, a state, cards, attendance."""

    session_id: int
    vote: str | None
    kind: str

    def payload(self) -> str:
        return json.dumps({"s": self.session_id, "v": self.vote, "k": self.kind},
                          separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_payload(cls, payload: str) -> LiveEvent:
        """Parse a notification; raises ValueError on anything but our own small shape."""
        data = json.loads(payload)
        if not isinstance(data, dict):
            raise ValueError("live event must be an object")
        sid, vote, kind = data.get("s"), data.get("v"), data.get("k")
        if not isinstance(sid, int) or isinstance(sid, bool):
            raise ValueError("live event needs a session id")
        if vote is not None and not isinstance(vote, str):
            raise ValueError("live event vote must be a slug")
        if not isinstance(kind, str):
            raise ValueError("live event needs a kind")
        return cls(sid, vote, kind)


# --------------------------------------------------------------------------- publishing

_HUBS: weakref.WeakKeyDictionary[Pool, Hub] = weakref.WeakKeyDictionary()


def hub_for(engine: Engine) -> Hub | None:
    """The hub attached to ``engine`` in this process, if any."""
    return _HUBS.get(engine.pool)


def changed(db: Session, session_id: int, vote: str | None, kind: str) -> None:
    """Note, inside a transaction, that the live view of a session changes with it.

    Nothing is sent now: subscribers hear of it once the transaction commits, never if it
    rolls back. Costs one set insertion; it runs no SQL and takes no lock.
    """
    pending: set[LiveEvent] = db.info.setdefault(_INFO_KEY, set())
    pending.add(LiveEvent(session_id, vote, kind))


@event.listens_for(Session, "after_commit")
def _after_commit(db: Session) -> None:
    pending: set[LiveEvent] | None = db.info.pop(_INFO_KEY, None)
    if not pending:
        return
    bind = db.get_bind()
    hub = _HUBS.get(bind.pool) if isinstance(bind, Engine) else None
    if hub is None:
        return  # no projector listens through this process (CLI, tests without an app)
    for item in pending:
        hub.publish(item)


@event.listens_for(Session, "after_rollback")
def _after_rollback(db: Session) -> None:
    db.info.pop(_INFO_KEY, None)


# --------------------------------------------------------------------------- fan-out


class Subscription:
    """One websocket's mailbox: only the newest view is kept."""

    def __init__(self) -> None:
        self._view: dict[str, Any] | None = None
        self._ready = asyncio.Event()
        self.closed = False

    def put(self, view: dict[str, Any]) -> None:
        self._view = view
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next(self) -> dict[str, Any] | None:
        """The next view; None once the hub is stopping."""
        await self._ready.wait()
        self._ready.clear()
        return None if self.closed else self._view


class _Watch:
    """Re-reads one session's view for this process's subscribers, debounced."""

    def __init__(self, hub: Hub, session_id: int, pin: str | None) -> None:
        self.hub = hub
        self.session_id = session_id
        self.pin = pin
        self.subscribers: set[Subscription] = set()
        self.dirty = asyncio.Event()
        self.last: dict[str, Any] | None = None
        self._last_text: str | None = None
        self.task = asyncio.get_running_loop().create_task(self._run())

    def add(self, subscriber: Subscription) -> None:
        self.subscribers.add(subscriber)
        if self.last is not None:
            subscriber.put(self.last)
            self.dirty.set()  # and a fresh read, in case something changed unannounced

    async def _run(self) -> None:
        while True:
            self.dirty.clear()
            try:
                view = await anyio.to_thread.run_sync(self.hub.reader, self.session_id, self.pin)
            except Exception:  # a failed read must not end the watch; the poll retries
                _log.exception("live view of session %s could not be read", self.session_id)
            else:
                text_now = json.dumps(view, sort_keys=True, ensure_ascii=False)
                if text_now != self._last_text:
                    self._last_text, self.last = text_now, view
                    for subscriber in self.subscribers:
                        subscriber.put(view)
            with suppress(TimeoutError):
                await asyncio.wait_for(self.dirty.wait(), self.hub.poll_seconds)
            await asyncio.sleep(self.hub.min_interval)  # a burst of casts → one read


class Hub:
    """Delivers :class:`LiveEvent` s to this process's watchers; subclasses add transport."""

    #: Shortest time between two reads of one session's view in one process.
    min_interval: float = 0.2
    #: A watcher re-reads at least this often even when told nothing.
    poll_seconds: float = 5.0

    def __init__(self, engine: Engine, reader: ViewReader) -> None:
        self.engine = engine
        self.reader = reader
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watches: dict[tuple[int, str | None], _Watch] = {}

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        _HUBS[self.engine.pool] = self

    async def stop(self) -> None:
        if _HUBS.get(self.engine.pool) is self:
            del _HUBS[self.engine.pool]
        self._loop = None
        for watch in list(self._watches.values()):
            watch.task.cancel()
            for subscriber in watch.subscribers:
                subscriber.close()
        for watch in list(self._watches.values()):
            with suppress(asyncio.CancelledError):
                await watch.task
        self._watches.clear()

    def publish(self, item: LiveEvent) -> None:
        """Announce ``item`` from any thread (called after commit)."""
        loop = self._loop
        if loop is None:
            return
        with suppress(RuntimeError):  # the loop closed under us: the process is stopping
            loop.call_soon_threadsafe(self._send, item)

    def _send(self, item: LiveEvent) -> None:
        """On the loop: carry ``item`` to every process (here: only this one)."""
        self.deliver(item)

    def deliver(self, item: LiveEvent) -> None:
        """On the loop: wake this process's watchers of ``item``'s session."""
        for (session_id, _pin), watch in self._watches.items():
            if session_id == item.session_id:
                watch.dirty.set()

    def refresh_all(self) -> None:
        """On the loop: re-read every watched view (after notifications may have been lost)."""
        for watch in self._watches.values():
            watch.dirty.set()

    @asynccontextmanager
    async def subscribe(self, session_id: int, pin: str | None = None,
                        ) -> AsyncIterator[Subscription]:
        """A mailbox receiving the session's view now and after each change."""
        key = (session_id, pin)
        watch = self._watches.get(key)
        if watch is None:
            watch = self._watches[key] = _Watch(self, session_id, pin)
        subscriber = Subscription()
        watch.add(subscriber)
        try:
            yield subscriber
        finally:
            watch.subscribers.discard(subscriber)
            if not watch.subscribers and self._watches.get(key) is watch:
                del self._watches[key]
                watch.task.cancel()

    @property
    def watched(self) -> int:
        """How many (session, pinned vote) views this process keeps fresh."""
        return len(self._watches)


class LocalHub(Hub):
    """One process (SQLite): events go straight to this process's watchers."""


class PostgresHub(Hub):
    """Several processes (PostgreSQL): NOTIFY out, one LISTEN connection in per process."""

    max_backoff: float = 30.0

    def __init__(self, engine: Engine, reader: ViewReader) -> None:
        super().__init__(engine, reader)
        url = engine.url.set(drivername="postgresql")
        self.conninfo = url.render_as_string(hide_password=False)
        self.channel = ""
        self._outbox: set[LiveEvent] = set()
        self._outbox_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.listening = asyncio.Event()

    async def start(self) -> None:
        self.channel = await anyio.to_thread.run_sync(_channel_of, self.engine)
        await super().start()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._listen()), loop.create_task(self._notify())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await super().stop()

    def _send(self, item: LiveEvent) -> None:
        self._outbox.add(item)  # a burst of casts on one vote leaves one notification
        self._outbox_ready.set()

    async def _connect(self) -> Any:
        import psycopg

        return await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)

    async def _listen(self) -> None:
        from psycopg import sql

        backoff = 0.5
        while True:
            try:
                async with await self._connect() as conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.listening.set()
                    backoff = 0.5
                    self.refresh_all()  # anything sent while we were away
                    async for note in conn.notifies():
                        try:
                            self.deliver(LiveEvent.from_payload(note.payload))
                        except ValueError:
                            _log.warning("ignored a malformed live notification")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # reconnect: the database restarted or the link broke
                self.listening.clear()
                _log.warning("live LISTEN connection lost (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    async def _notify(self) -> None:
        backoff = 0.5
        conn: Any = None
        try:
            while True:
                await self._outbox_ready.wait()
                self._outbox_ready.clear()
                batch, self._outbox = self._outbox, set()
                try:
                    if conn is None or conn.closed:
                        conn = await self._connect()
                    for item in batch:
                        await conn.execute("SELECT pg_notify(%s, %s)",
                                           (self.channel, item.payload()))
                    backoff = 0.5
                except Exception as exc:  # keep the batch, reconnect, try again
                    _log.warning("live NOTIFY failed (%s); retrying in %.1fs", exc, backoff)
                    self._outbox |= batch
                    self._outbox_ready.set()
                    if conn is not None:
                        with suppress(Exception):
                            await conn.close()
                    conn = None
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
        finally:
            if conn is not None:
                await conn.close()


def _channel_of(engine: Engine) -> str:
    """The channel of the database schema ``engine`` works in (channels span schemas)."""
    with engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    name = re.sub(r"[^a-z0-9_]", "_", str(schema).lower())
    return (CHANNEL_PREFIX + name)[:63]


def make_hub(engine: Engine, reader: ViewReader) -> Hub:
    """The hub fitting ``engine``'s database: PostgreSQL across processes, else in process."""
    if engine.dialect.name == "postgresql":
        return PostgresHub(engine, reader)
    return LocalHub(engine, reader)
