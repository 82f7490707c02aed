"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is the server at 127.0.0.1:5432, database ``test``, trust auth, user
``postgres`` (or ``root``). Each test gets a schema of its own (created, put first on the
connection's search_path, dropped afterwards), so parallel runs never see each other.
``VOTING_TEST_POSTGRES_URL`` names another server. When the server cannot be reached
the PostgreSQL cases are skipped, unless ``VOTING_TEST_REQUIRE_POSTGRES=1`` (set by
``make test`` and CI), where they fail.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import OperationalError

from tests.fixtures import Setup, make_setup
from voting.db import make_engine, migrate
from voting.settings import Settings

POSTGRES_URLS = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
)
DATABASES = ["sqlite", "postgresql"]


def _reachable_postgres() -> tuple[URL | None, str]:
    reasons = []
    override = os.environ.get("VOTING_TEST_POSTGRES_URL")
    for candidate in (override,) if override else POSTGRES_URLS:
        url = make_url(candidate).update_query_dict({"connect_timeout": "3"})
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return url, ""
        except OperationalError as exc:
            reasons.append(f"{url.username}: {str(exc.orig).strip().splitlines()[0]}")
        finally:
            engine.dispose()
    return None, "; ".join(reasons)


@pytest.fixture(scope="session")
def postgres_url() -> URL:
    """The administrative URL of the test PostgreSQL server (skip/fail if unreachable)."""
    url, reason = _reachable_postgres()
    if url is None:
        message = f"PostgreSQL unreachable ({reason})"
        if os.environ.get("VOTING_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " and VOTING_TEST_REQUIRE_POSTGRES=1", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_schema_url(postgres_url: URL) -> Iterator[URL]:
    """A URL whose connections live in a fresh schema, dropped after the test."""
    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield postgres_url.update_query_dict({"options": f"-csearch_path={schema}"})
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, once SQLite (a temp file), once PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'voting.db'}"
    url: URL = request.getfixturevalue("postgres_schema_url")
    return url.render_as_string(hide_password=False)


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head, on SQLite and on PostgreSQL."""
    engine = make_engine(db_url)
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Production settings (with a real random key) on the test database."""
    return Settings(database_url=db_url, mode="production",
                    secret_key=secrets.token_urlsafe(32))


@pytest.fixture(scope="session")
def setup() -> Setup:
    """A 3-of-5 ceremony and a 13选10 selection vote under it (deterministic)."""
    return make_setup(b"tests/conftest")
