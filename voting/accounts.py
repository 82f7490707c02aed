"""Staff accounts, login sessions and enrolled devices: passwords, tokens, cookies, CSRF.

- Passwords are hashed with scrypt (``hashlib.scrypt``, n = 2**15, r = 8, p = 1: ~32 MiB and
  ~0.1 s a guess) and a random salt; the stored form names its parameters, so they can be
  raised later without breaking old hashes.
- A login gives a random 256-bit token. The cookie carries it with an HMAC under the
  deployment's secret key (so a cookie not made by this deployment is refused before any
  database look-up); the database keeps only its SHA-256.
- CSRF: every state-changing request authenticated by a cookie must carry
  ``X-CSRF-Token``, an HMAC of the login token. Pages put it in a ``<meta>`` element; a
  page on another origin can neither read it nor (SameSite=Strict) send the cookie.
- Five wrong passwords in a row lock an account for a minute; unknown names cost the same
  scrypt work as known ones, so timing does not tell which names exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from voting import audit
from voting.account_models import DeviceCredential, LoginSession, StaffAccount
from voting.errors import Conflict, InvalidInput
from voting.models import utcnow

__all__ = [
    "LOCKOUT",
    "MAX_FAILED_LOGINS",
    "SESSION_LIFETIME",
    "AccountRole",
    "DeviceRole",
    "Principal",
    "attempt_login",
    "check_csrf",
    "create_account",
    "csrf_token",
    "end_login",
    "enroll_device",
    "hash_password",
    "principal_for_device",
    "principal_for_login",
    "sign_cookie",
    "unsign_cookie",
    "verify_password",
]

SESSION_LIFETIME = timedelta(hours=12)  # one working day of a session
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 8

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1
_SCRYPT_MAXMEM = 64 * 1024 * 1024


class AccountRole(StrEnum):
    OPERATOR = "operator"  # 秘书处
    PRESIDIUM = "presidium"  # 主席团


class DeviceRole(StrEnum):
    KIOSK = "kiosk"  # 代表投票终端
    PRESIDIUM = "presidium"  # 会场大屏


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, a name for the audit log, and how they proved it.

    ``token`` is the login or device token when the proof was a cookie (CSRF applies);
    ``session_id`` the session a device is enrolled for.
    """

    role: str
    name: str
    token: str | None = None
    session_id: int | None = None

    @property
    def via_cookie(self) -> bool:
        return self.token is not None


# --- passwords ---------------------------------------------------------------------------


def _nfc(password: str) -> bytes:
    return unicodedata.normalize("NFC", password).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, rng: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """``scrypt$n$r$p$salt$hash`` (salt and hash unpadded base64url)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(reason=f"password shorter than {MIN_PASSWORD_LENGTH} characters")
    salt = rng(16)
    digest = hashlib.scrypt(_nfc(password), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                            maxmem=_SCRYPT_MAXMEM, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time compare of the digests)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(_nfc(password), salt=_unb64(salt), n=int(n), r=int(r),
                                p=int(p), maxmem=_SCRYPT_MAXMEM, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# A hash of nothing anyone knows: checking an unknown name costs the same as a real one.
_DUMMY_HASH = f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(bytes(16))}${_b64(bytes(32))}"


# --- accounts and logins -----------------------------------------------------------------


def create_account(db: Session, name: str, password: str, role: AccountRole, actor: str,
                   *, replace: bool = False) -> StaffAccount:
    """A new account (or, with ``replace``, a new password and role for an existing one)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise InvalidInput(reason="account name must be 1 to 64 characters")
    row = db.exec(select(StaffAccount).where(StaffAccount.name == name)).first()
    if row is not None and not replace:
        raise Conflict("account", name)
    if row is None:
        row = StaffAccount(name=name, role=role.value, password_hash=hash_password(password))
    else:
        row.role, row.password_hash = role.value, hash_password(password)
        row.failed_logins, row.locked_until, row.disabled = 0, None, False
    db.add(row)
    db.flush()
    audit.record(db, actor, "account.saved", f"account:{row.id}", {"name": name,
                                                                    "role": role.value})
    return row


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def attempt_login(db: Session, name: str, password: str, now: datetime | None = None
                  ) -> str | None:
    """Check the password and start a login session; returns its token (for the cookie).

    A failure returns None instead of raising, so that the caller commits what it records
    (the failed attempt, the lockout) before refusing. Every failure looks the same.
    """
    now = now or utcnow()
    account = db.exec(select(StaffAccount).where(StaffAccount.name == name.strip())).first()
    if account is None:
        verify_password(password, _DUMMY_HASH)
        audit.record(db, "anonymous", "auth.login_failed", "account:?", {})
        return None
    locked = account.locked_until is not None and account.locked_until > now
    if locked or account.disabled or not verify_password(password, account.password_hash):
        if not locked:
            account.failed_logins += 1
            if account.failed_logins >= MAX_FAILED_LOGINS:
                account.locked_until, account.failed_logins = now + LOCKOUT, 0
        db.add(account)
        audit.record(db, account.name, "auth.login_failed", f"account:{account.id}", {})
        return None
    assert account.id is not None
    account.failed_logins, account.locked_until = 0, None
    db.add(account)
    token = secrets.token_urlsafe(32)
    db.add(LoginSession(token_hash=_token_hash(token), account_id=account.id,
                        created_at=now, expires_at=now + SESSION_LIFETIME))
    audit.record(db, account.name, "auth.login", f"account:{account.id}", {})
    return token


def principal_for_login(db: Session, token: str, now: datetime | None = None
                        ) -> Principal | None:
    """The logged-in account behind ``token``, or None (unknown, ended or expired)."""
    now = now or utcnow()
    row = db.exec(select(LoginSession).where(LoginSession.token_hash == _token_hash(token))
                  ).first()
    if row is None or row.ended or row.expires_at <= now:
        return None
    account = db.get(StaffAccount, row.account_id)
    if account is None or account.disabled:
        return None
    return Principal(account.role, account.name, token=token)


def end_login(db: Session, token: str) -> None:
    """Log out: the token stops working everywhere at once."""
    row = db.exec(select(LoginSession).where(LoginSession.token_hash == _token_hash(token))
                  ).first()
    if row is not None and not row.ended:
        row.ended = True
        db.add(row)
        account = db.get(StaffAccount, row.account_id)
        audit.record(db, account.name if account else "?", "auth.logout",
                     f"account:{row.account_id}", {})


# --- devices -----------------------------------------------------------------------------


def enroll_device(db: Session, session_id: int, role: DeviceRole, label: str,
                  actor: str) -> tuple[DeviceCredential, str]:
    """A new device credential; returns the row and its enrollment code (shown once)."""
    token = secrets.token_urlsafe(24)
    row = DeviceCredential(session_id=session_id, role=role.value, label=label.strip()[:64],
                           token_hash=_token_hash(token), created_by=actor)
    db.add(row)
    db.flush()
    audit.record(db, actor, "device.enrolled", f"session:{session_id}",
                 {"device": row.id, "role": role.value, "label": row.label})
    return row, token


def principal_for_device(db: Session, token: str) -> Principal | None:
    row = db.exec(select(DeviceCredential)
                  .where(DeviceCredential.token_hash == _token_hash(token))
                  .where(col(DeviceCredential.revoked).is_(False))).first()
    if row is None:
        return None
    return Principal(row.role, f"device:{row.id}:{row.label}", token=token,
                     session_id=row.session_id)


# --- cookies and CSRF --------------------------------------------------------------------


def _mac(secret: bytes, purpose: bytes, value: str) -> str:
    return hmac.new(secret, purpose + b"\x00" + value.encode(), hashlib.sha256).hexdigest()


def sign_cookie(secret: bytes, name: str, token: str) -> str:
    """``token.mac``: the cookie ``name`` carrying ``token``, bound to this deployment."""
    return f"{token}.{_mac(secret, b'rendavote/v1/cookie/' + name.encode(), token)}"


def unsign_cookie(secret: bytes, name: str, value: str | None) -> str | None:
    """The token in a cookie made by :func:`sign_cookie`, or None."""
    if not value or "." not in value:
        return None
    token, _, mac = value.rpartition(".")
    expected = _mac(secret, b"rendavote/v1/cookie/" + name.encode(), token)
    return token if hmac.compare_digest(mac, expected) else None


def csrf_token(secret: bytes, token: str) -> str:
    """The CSRF token of a login or device token."""
    return _mac(secret, b"rendavote/v1/csrf", token)


def check_csrf(secret: bytes, principal: Principal, sent: str | None) -> bool:
    if principal.token is None:
        return True  # not cookie-authenticated: nothing a foreign page could ride on
    return sent is not None and hmac.compare_digest(sent, csrf_token(secret, principal.token))
