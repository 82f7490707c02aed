"""Tables of who may operate the system: staff accounts, their login sessions, and the
enrolled devices (kiosk tablets, presidium screens).

No table here refers to a ballot, a card or a vote's content. Secrets are kept as hashes
only: a password as scrypt, a login or device token as SHA-256 (it is 256 random bits, so a
plain hash is enough to make a stolen database useless for logging in).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

import voting.models  # noqa: F401  (congress_session, and the naming rules)
from voting.models import UTCDateTime, utcnow

__all__ = ["DeviceCredential", "LoginSession", "StaffAccount"]


class StaffAccount(SQLModel, table=True):
    """A person who logs in: the secretariat (``operator``) or the presidium."""

    __tablename__ = "staff_account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    disabled: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoginSession(SQLModel, table=True):
    """One browser's login: the cookie holds the token, the table its hash."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    account_id: int = Field(foreign_key="staff_account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended: bool = False


class DeviceCredential(SQLModel, table=True):
    """A device enrolled by an operator for one session: a ``kiosk`` tablet or a
    ``presidium`` screen. The enrollment code is shown once; the device keeps it in a cookie."""

    __tablename__ = "device_credential"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="congress_session.id", index=True)
    role: str = Field(max_length=16)
    label: str = Field(max_length=64)
    token_hash: str = Field(max_length=64, unique=True)
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked: bool = False
