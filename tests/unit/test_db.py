"""Engines, transactions and migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, func, select

from voting.db import alembic_config, make_engine, migrate, session_scope
from voting.models import AuditEntry, CongressSession, Deputy

TABLES = {"congress_session", "deputy", "attendance", "candidate_list", "candidate", "vote",
          "audit_log"}


def _session(title: str = "t") -> CongressSession:
    return CongressSession(title=title, level="county", deputies_total=10, quorum=6)


def _import_every_table_module() -> None:
    """Register every table on SQLModel.metadata, whichever tests ran before."""
    import voting

    for info in pkgutil.walk_packages(voting.__path__, "voting."):
        if not info.name.endswith("__main__") and ".migrations" not in info.name:
            importlib.import_module(info.name)


def test_migrations_reach_head_and_match_the_models(db_url: str) -> None:
    _import_every_table_module()
    engine = make_engine(db_url)
    try:
        migrate(engine)
        migrate(engine)  # idempotent
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert context.get_current_revision() == head
            assert set(inspect(connection).get_table_names()) >= TABLES
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_migration_0001_downgrades_cleanly(db_url: str) -> None:
    from alembic import command

    engine = make_engine(db_url)
    try:
        migrate(engine, "0001_foundation")
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        with engine.connect() as connection:
            assert not TABLES & set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_session_scope_commits_once_at_the_end(db_engine: Engine) -> None:
    with session_scope(db_engine) as db:
        db.add(_session("a"))
        db.flush()
        # A reader's unit of work (immediate=False) sees nothing before the commit.
        with session_scope(db_engine, immediate=False) as other:
            assert other.exec(select(func.count()).select_from(CongressSession)).one() == 0
    with session_scope(db_engine) as db:
        assert db.exec(select(func.count()).select_from(CongressSession)).one() == 1


def test_session_scope_rolls_back_on_error(db_engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(db_engine) as db:
        db.add(_session("b"))
        db.flush()
        raise RuntimeError("stop")
    with session_scope(db_engine, immediate=True) as db:
        assert db.exec(select(func.count()).select_from(CongressSession)).one() == 0


def test_constraints_are_enforced(db_engine: Engine) -> None:
    with session_scope(db_engine) as db:
        row = _session()
        db.add(row)
        db.flush()
        session_id = row.id
    assert session_id is not None
    with pytest.raises(IntegrityError), session_scope(db_engine) as db:  # same seat twice
        db.add(Deputy(session_id=session_id, name="甲", seat="1"))
        db.add(Deputy(session_id=session_id, name="乙", seat="1"))
    with pytest.raises(IntegrityError), session_scope(db_engine) as db:  # foreign key
        db.add(Deputy(session_id=session_id + 99, name="丙", seat="2"))


def test_times_come_back_aware_utc(db_engine: Engine) -> None:
    at = datetime(2019, 1, 15, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    with session_scope(db_engine) as db:
        db.add(AuditEntry(actor="t", action="x", subject="s", detail={"名称": "资兴"}, at=at))
    with session_scope(db_engine) as db:
        entry = db.exec(select(AuditEntry)).one()
    assert entry.at == at and entry.at.tzinfo == UTC
    assert entry.detail == {"名称": "资兴"}


def test_naive_datetimes_are_refused(db_engine: Engine) -> None:
    with pytest.raises(Exception, match="naive"), session_scope(db_engine) as db:
        db.add(AuditEntry(actor="t", action="x", subject="s", at=datetime(2019, 1, 1)))


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'deep' / 'dir' / 'v.db'}")
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 30_000
        assert (tmp_path / "deep" / "dir" / "v.db").exists()
    finally:
        engine.dispose()


def test_sqlite_in_memory_is_one_shared_database() -> None:
    engine = make_engine("sqlite://")
    try:
        migrate(engine)
        with session_scope(engine) as db:
            db.add(_session())
        with session_scope(engine) as db:
            assert len(db.exec(select(CongressSession)).all()) == 1
    finally:
        engine.dispose()


def test_postgresql_tests_get_a_schema_of_their_own(postgres_schema_url: URL) -> None:
    engine = make_engine(postgres_schema_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar()
            tables = set(inspect(connection).get_table_names(schema="public"))
    finally:
        engine.dispose()
    assert isinstance(schema, str) and schema.startswith("t_")
    assert "congress_session" not in tables  # nothing leaked into the shared schema
