"""Settings fail closed: no production start without a real secret key."""

from __future__ import annotations

import secrets

import pytest
from pydantic import ValidationError

from voting import cli
from voting.settings import DEMO_SECRET_KEY, Settings, get_settings, is_placeholder_secret


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VOTING_MODE", "VOTING_SECRET_KEY", "VOTING_DATABASE_URL", "VOTING_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_production_on_local_sqlite() -> None:
    fields = Settings.model_fields
    assert fields["mode"].default == "production"
    assert fields["database_url"].default == "sqlite:///./var/voting.db"
    assert fields["secret_key"].default is None
    assert (fields["host"].default, fields["port"].default) == ("127.0.0.1", 8000)


def test_production_without_key_refuses() -> None:
    with pytest.raises(ValidationError, match="VOTING_SECRET_KEY"):
        get_settings()


@pytest.mark.parametrize(
    "key",
    [
        "",
        "changeme",
        "short-but-random-Zq8",
        "CHANGEME-CHANGEME-CHANGEME-CHANGEME-1234",
        "replace-me-with-a-real-secret-key-0123456789",
        "a" * 64,
        DEMO_SECRET_KEY,
    ],
)
def test_production_with_placeholder_refuses(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    assert is_placeholder_secret(key)
    monkeypatch.setenv("VOTING_SECRET_KEY", key)
    with pytest.raises(ValidationError):
        get_settings()


def test_production_with_random_key_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("VOTING_SECRET_KEY", key)
    monkeypatch.setenv("VOTING_PORT", "8123")
    settings = get_settings()
    assert settings.mode == "production" and not settings.is_demo
    assert settings.secret() == key.encode()
    assert settings.port == 8123
    assert key not in repr(settings)  # SecretStr keeps it out of logs


def test_demo_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOTING_MODE", "demo")
    settings = get_settings()
    assert settings.is_demo
    assert settings.secret() == DEMO_SECRET_KEY.encode()


def test_unknown_mode_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOTING_MODE", "debug")
    with pytest.raises(ValidationError):
        get_settings()


def test_cli_refuses_to_run_without_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "VOTING_SECRET_KEY" in err and "Traceback" not in err
