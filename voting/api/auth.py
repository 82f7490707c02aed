"""Who may call what: the roles of the system and the request dependencies that check them.

Roles and how each proves itself:

- ``operator`` (秘书处): a login cookie of an operator account (voting/accounts.py), with
  the CSRF header on every state-changing request; or, for scripts and tests, the bearer
  token derived from the deployment's secret key (:func:`operator_token`), logged as
  "api-token".
- ``presidium`` (主席团): a login cookie of a presidium account, or an enrolled presidium
  screen (device cookie).
- ``kiosk`` (代表投票终端): an enrolled tablet (device cookie).
- ``scrutineer`` (监票人): each request signed with the scrutineer's registered Ed25519 key
  (keys/request_auth.py); no cookie, no password. An operator may relay a scrutineer's
  signed message (e.g. from an offline device): the message's own signature is what the
  service checks, and a relayed message is logged under the operator's name.
- ``public``: anyone.

No credentials: 401. Credentials of another role: 403. Each route's allowed roles are
listed in tests/unit/test_route_roles.py, which fails for a route without an entry.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from keys.request_auth import (
    AUTH_SCHEME,
    RequestAuthError,
    parse_authorization,
    verify_request,
)
from voting import accounts
from voting.accounts import Principal
from voting.api.deps import get_engine
from voting.box_models import ScrutineerKey
from voting.errors import (
    AuthRequired,
    CsrfRejected,
    OperatorRequired,
    ScrutineerSignatureRejected,
    WrongRole,
)
from voting.settings import Settings

__all__ = [
    "CSRF_HEADER",
    "DEVICE_COOKIE",
    "LOGIN_COOKIE",
    "ROLES",
    "Kiosk",
    "MessageSender",
    "Operator",
    "Presidium",
    "Scrutineer",
    "ScrutineerOrOperator",
    "current_principal",
    "operator_token",
    "require_kiosk",
    "require_operator",
    "require_presidium",
    "require_roles",
    "require_scrutineer",
    "require_scrutineer_or_operator",
]

ROLES = ("operator", "presidium", "scrutineer", "kiosk", "public")
LOGIN_COOKIE = "rv_login"
DEVICE_COOKIE = "rv_device"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

def operator_token(settings: Settings) -> str:
    """The bearer token of the operator API for scripts (derived from the secret key)."""
    return hmac.new(settings.secret(), b"rendavote/v1/operator-api", hashlib.sha256).hexdigest()


def current_principal(request: Request) -> Principal | None:
    """Who the request's credentials say it is (checked, except a scrutineer's signature,
    which needs the body: see :func:`require_scrutineer`). Cached on the request."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    principal = _find_principal(request)
    request.state.principal = principal
    return principal


def _find_principal(request: Request) -> Principal | None:
    settings: Settings = request.app.state.settings
    engine: Engine = request.app.state.engine
    header = request.headers.get("authorization")
    if header:
        if header.startswith(AUTH_SCHEME + " "):
            # Claimed, not yet checked: only require_scrutineer admits it, after verifying.
            return Principal("scrutineer", "unverified scrutineer")
        expected = f"Bearer {operator_token(settings)}"
        if hmac.compare_digest(header.encode(), expected.encode()):
            return Principal("operator", "api-token")
        return None
    secret = settings.secret()
    login = accounts.unsign_cookie(secret, LOGIN_COOKIE, request.cookies.get(LOGIN_COOKIE))
    if login is not None:
        with Session(engine) as db:
            found = accounts.principal_for_login(db, login)
        if found is not None:
            return found
    device = accounts.unsign_cookie(secret, DEVICE_COOKIE, request.cookies.get(DEVICE_COOKIE))
    if device is not None:
        with Session(engine) as db:
            return accounts.principal_for_device(db, device)
    return None


def require_roles(request: Request, *roles: str) -> Principal:
    """The caller if their role is one of ``roles`` (CSRF checked for cookie changes).

    Not for scrutineers: their signature needs the body, see :func:`require_scrutineer`.
    """
    if "scrutineer" in roles:
        raise ValueError("scrutineers are checked by require_scrutineer, not require_roles")
    principal = current_principal(request)
    if principal is None:
        if roles == ("operator",):
            raise OperatorRequired()
        raise AuthRequired(roles[0])
    if principal.role not in roles:
        raise WrongRole(principal.role)
    if request.method not in _SAFE_METHODS:
        settings: Settings = request.app.state.settings
        if not accounts.check_csrf(settings.secret(), principal,
                                   request.headers.get(CSRF_HEADER)):
            raise CsrfRejected()
    return principal


def require_operator(request: Request) -> str:
    """The operator's name for the audit log; refuses anyone else."""
    return require_roles(request, "operator").name


def require_presidium(request: Request) -> Principal:
    return require_roles(request, "presidium")


def require_kiosk(request: Request) -> Principal:
    return require_roles(request, "kiosk")


async def _raw_body(request: Request) -> bytes:
    return await request.body()


def require_scrutineer(
    request: Request,
    session_id: int,
    body: Annotated[bytes, Depends(_raw_body)],
    engine: Annotated[Engine, Depends(get_engine)],
) -> int:
    """The index of the registered scrutineer of ``session_id`` who signed this request."""
    principal = current_principal(request)
    if principal is None:
        raise AuthRequired("scrutineer")
    if principal.role != "scrutineer":
        raise WrongRole(principal.role)
    try:
        credentials = parse_authorization(request.headers.get("authorization", ""))
    except RequestAuthError as exc:
        raise ScrutineerSignatureRejected(str(exc)) from exc
    with Session(engine) as db:
        row = db.exec(select(ScrutineerKey).where(ScrutineerKey.session_id == session_id)
                      .where(ScrutineerKey.index == credentials.index)).first()
    if row is None:
        raise ScrutineerSignatureRejected("no such scrutineer in this session")
    try:
        verify_request(credentials, bytes.fromhex(row.signing_key), session_id, request.method,
                       request.url.path, request.url.query, body, int(time.time()))
    except RequestAuthError as exc:
        raise ScrutineerSignatureRejected(str(exc)) from exc
    return credentials.index


@dataclass(frozen=True)
class MessageSender:
    """Who hands over a scrutineer's signed message: the scrutineer's own device
    (``scrutineer`` is its index), or an operator relaying it (``scrutineer`` None), e.g.
    from an offline device. Either way the message itself must carry the scrutineer's
    signature; the service checks it."""

    scrutineer: int | None
    actor: str


def require_scrutineer_or_operator(
    request: Request,
    session_id: int,
    body: Annotated[bytes, Depends(_raw_body)],
    engine: Annotated[Engine, Depends(get_engine)],
) -> MessageSender:
    principal = current_principal(request)
    if principal is not None and principal.role == "scrutineer":
        index = require_scrutineer(request, session_id, body, engine)
        return MessageSender(index, f"scrutineer-{index}")
    if principal is None:
        raise AuthRequired("scrutineer")
    return MessageSender(None, require_roles(request, "operator").name)


Operator = Annotated[str, Depends(require_operator)]
Presidium = Annotated[Principal, Depends(require_presidium)]
Kiosk = Annotated[Principal, Depends(require_kiosk)]
Scrutineer = Annotated[int, Depends(require_scrutineer)]
ScrutineerOrOperator = Annotated[MessageSender, Depends(require_scrutineer_or_operator)]
