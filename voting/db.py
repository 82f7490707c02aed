"""Engines, transactions and schema migrations.

Two databases, one code path: SQLite (the embedded default, a file under ./var) and
PostgreSQL through psycopg 3 (``postgresql+psycopg://user@host/db``) for production and
scale-out. Repository functions take a :class:`sqlmodel.Session` and never commit; the
service opens one :func:`session_scope` per unit of work and it commits once at the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

__all__ = [
    "BEGIN_IMMEDIATE",
    "SQLITE_BUSY_TIMEOUT_MS",
    "alembic_config",
    "make_engine",
    "migrate",
    "session_scope",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

#: How long an SQLite writer waits for the lock before failing.
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: Execution option asking SQLite to take the write lock at BEGIN (see session_scope).
BEGIN_IMMEDIATE = "voting_begin_immediate"


def _to_json(value: Any) -> str:
    # Chinese text stays readable for an operator looking at the database.
    return json.dumps(value, ensure_ascii=False)


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine for ``url`` with the settings this service relies on.

    SQLite: WAL (readers never block the writer), foreign keys enforced, a busy timeout,
    and BEGIN issued by us so transactions really start where SQLAlchemy says they do.
    The directory of a file database is created. PostgreSQL: pre-ping pooled connections.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _make_sqlite_engine(parsed, echo=echo)
    return create_engine(parsed, echo=echo, pool_pre_ping=True, json_serializer=_to_json)


def _make_sqlite_engine(url: URL, *, echo: bool) -> Engine:
    kwargs: dict[str, Any] = {
        "echo": echo,
        "json_serializer": _to_json,
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    }
    path = _sqlite_file(url)
    if path is None:
        kwargs["poolclass"] = StaticPool  # one shared in-memory database
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; "begin" below emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if path is not None:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(BEGIN_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def session_scope(engine: Engine, *, immediate: bool = True) -> Iterator[Session]:
    """One unit of work: commits once when the block ends, rolls back if it raises.

    Units of work read, then write. On SQLite (WAL) a deferred transaction that read an older
    snapshot cannot upgrade to a writer once another writer has committed: it fails at once
    with "database is locked", without waiting. So by default (``immediate=True``) SQLite
    takes the write lock at BEGIN and a concurrent writer waits on the busy timeout instead.
    ``immediate=False`` is for a unit that only reads. PostgreSQL ignores the flag; there
    constraints and row locks do that job.
    """
    bind = engine.execution_options(**{BEGIN_IMMEDIATE: True}) if immediate else engine
    session = Session(bind, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic configuration for our migrations, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine``'s database up to ``revision``."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
