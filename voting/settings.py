"""Service configuration, read from the environment (prefix ``VOTING_``).

Fails closed: outside demo mode the service refuses to start without a real secret key,
so a forgotten or copy-pasted placeholder can never reach a live session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "DEMO_SECRET_KEY",
    "MIN_SECRET_KEY_LENGTH",
    "Mode",
    "Settings",
    "get_settings",
    "is_placeholder_secret",
]

Mode = Literal["demo", "production"]

#: Used only when ``mode == "demo"`` and no key is given. It is public on purpose and is
#: itself rejected as a placeholder in production.
DEMO_SECRET_KEY = "demo-mode-only-not-a-secret-0000000000"

MIN_SECRET_KEY_LENGTH = 32

# Words that mark a key someone meant to replace; matched case-insensitively.
_PLACEHOLDER_MARKERS = (
    "changeme",
    "change-me",
    "change_me",
    "replaceme",
    "replace-me",
    "placeholder",
    "example",
    "secret-key",
    "secretkey",
    "your-",
    "xxxx",
    "demo",
    "test",
    "todo",
)


def is_placeholder_secret(value: str) -> bool:
    """True when ``value`` is too short, repetitive or looks like a template value."""
    lowered = value.strip().lower()
    if len(lowered) < MIN_SECRET_KEY_LENGTH:
        return True
    if len(set(lowered)) < 8:  # "aaaa…", "0000…", "abababab…"
        return True
    return any(marker in lowered for marker in _PLACEHOLDER_MARKERS)


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="VOTING_", extra="ignore", frozen=True)

    database_url: str = "sqlite:///./var/voting.db"
    mode: Mode = "production"
    secret_key: SecretStr | None = None
    data_dir: Path = Path("./var")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    #: The service is reached over HTTPS (TLS at a proxy or in uvicorn): send HSTS and mark
    #: cookies Secure on every answer, whatever scheme the proxy forwarded.
    tls: bool = False
    #: Certificate and key for uvicorn to serve HTTPS itself (both, or neither).
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    #: Proxies whose X-Forwarded-For / -Proto headers uvicorn trusts ("127.0.0.1,10.0.0.2").
    #: Unset: none, so a client cannot choose its own address for the rate limit.
    trusted_proxies: str | None = None
    #: Largest request body accepted; larger ones get 413.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    #: Largest multipart upload (roster and candidate files; the import checks its own 2 MiB).
    max_upload_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    #: Refused card attempts one device may make per minute before it must wait (per process).
    card_attempts_per_minute: int = Field(default=10, ge=1)
    #: Projectors re-read at least this often even when no change was announced (seconds).
    live_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    #: Mark login and device cookies Secure: set it when the service is reached over TLS
    #: (directly or through a TLS-terminating proxy), so browsers never send them in clear.
    cookie_secure: bool = False

    @model_validator(mode="after")
    def _tls_pair(self) -> Settings:
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("VOTING_TLS_CERTFILE and VOTING_TLS_KEYFILE go together")
        return self

    @property
    def serves_tls(self) -> bool:
        """HTTPS is what clients use: behind a TLS proxy, or uvicorn holds the certificate."""
        return self.tls or self.cookie_secure or self.tls_certfile is not None

    @model_validator(mode="after")
    def _fail_closed(self) -> Settings:
        if self.mode == "demo":
            return self
        key = self.secret_key.get_secret_value() if self.secret_key is not None else ""
        if is_placeholder_secret(key):
            raise ValueError(
                "VOTING_SECRET_KEY is missing or a placeholder; production mode refuses to "
                f"start. Set a random value of at least {MIN_SECRET_KEY_LENGTH} characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))'), "
                "or set VOTING_MODE=demo for a demonstration."
            )
        return self

    @property
    def is_demo(self) -> bool:
        return self.mode == "demo"

    def secret(self) -> bytes:
        """The secret key as bytes; the public demo key only in demo mode."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        if self.is_demo:
            return DEMO_SECRET_KEY.encode()
        raise RuntimeError("unreachable: production settings always carry a secret key")


def get_settings() -> Settings:
    """Read the settings from the environment now (no cache: tests change the environment)."""
    return Settings()
