"""Every route of the app has an entry saying which roles may call it, and every route that
is not public refuses every other role (401, 403, or the console's login redirect).

A new route without an entry in ROUTE_ROLES fails ``test_every_route_has_an_entry``: add
it, with the narrowest set of roles that works.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from starlette.websockets import WebSocketDisconnect

from keys.request_auth import sign_request
from keys.scrutineer import DeviceKeys
from tally.certificate import public_key_hex
from voting import accounts, ceremony, repository
from voting.api.auth import CSRF_HEADER, DEVICE_COOKIE, LOGIN_COOKIE, operator_token
from voting.api.route_list import RouteEntry, app_routes
from voting.app import create_app
from voting.db import make_engine, migrate, session_scope
from voting.models import SessionCreate, VoteCreate, VoteKind
from voting.settings import Settings

PUBLIC = frozenset({"public"})
OPERATOR = frozenset({"operator"})
SCRUTINEER_OR_RELAY = frozenset({"scrutineer", "operator"})
S = "/api/sessions/{session_id}"
V = S + "/votes/{slug}"

ROUTE_ROLES: dict[tuple[str, str], frozenset[str]] = {
    # documentation, home, health, static files
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("MOUNT", "/static"): PUBLIC,
    # what anyone may read: sessions, rosters, votes, the board, certified results
    ("GET", "/api/sessions"): PUBLIC,
    ("GET", S): PUBLIC,
    ("GET", S + "/deputies"): PUBLIC,
    ("GET", S + "/candidates"): PUBLIC,
    ("GET", S + "/votes"): PUBLIC,
    ("GET", V + "/election"): PUBLIC,
    ("GET", V + "/status"): PUBLIC,
    ("GET", V + "/board/{tracking_code}"): PUBLIC,
    ("GET", V + "/board"): PUBLIC,
    ("GET", V + "/record.zip"): PUBLIC,
    ("GET", S + "/ceremony"): PUBLIC,
    ("GET", V + "/tally"): PUBLIC,  # encrypted; part of the public record
    ("GET", V + "/tally/ballots"): PUBLIC,  # the encrypted board, once closed
    # the hall's faces: tablets, projector, verification (public by design; the kiosk
    # and projector could require an enrolled device with the Kiosk/Presidium dependencies)
    ("GET", "/kiosk"): PUBLIC,
    ("GET", "/kiosk/messages.json"): PUBLIC,
    ("GET", "/kiosk/{session_id}"): PUBLIC,
    ("GET", "/projector"): PUBLIC,
    ("GET", "/projector/{session_id}"): PUBLIC,
    ("GET", S + "/live"): PUBLIC,  # turnout, and the result once certified
    ("WEBSOCKET", "/ws/sessions/{session_id}"): PUBLIC,
    ("GET", "/verify"): PUBLIC,
    ("GET", "/verify/{session_id}/{slug}"): PUBLIC,
    ("GET", "/verify/{session_id}/{slug}/qr.svg"): PUBLIC,
    # casting: the one-time ballot card is the credential
    ("POST", V + "/ballots"): PUBLIC,
    # scrutineers' devices: each request signed with the scrutineer's registered key; an
    # operator may relay a scrutineer's signed message (the message's signature is checked)
    ("POST", S + "/ceremony/commitments"): SCRUTINEER_OR_RELAY,
    ("POST", S + "/ceremony/shares"): SCRUTINEER_OR_RELAY,
    ("GET", S + "/ceremony/shares/{index}"): SCRUTINEER_OR_RELAY,
    ("POST", V + "/decryption-shares"): SCRUTINEER_OR_RELAY,
    ("POST", V + "/certificate-signatures"): SCRUTINEER_OR_RELAY,
    ("GET", V + "/certificate-payload"): SCRUTINEER_OR_RELAY,
    # the secretariat
    ("POST", S + "/scrutineers"): OPERATOR,
    ("POST", S + "/ceremony"): OPERATOR,
    ("POST", S + "/ceremony/complete"): OPERATOR,
    ("POST", S + "/certification-key"): OPERATOR,
    ("POST", S + "/attendance"): OPERATOR,
    ("GET", S + "/attendance"): OPERATOR,
    ("POST", S + "/votes"): OPERATOR,
    ("POST", V + "/prepare"): OPERATOR,
    ("POST", V + "/open"): OPERATOR,
    ("POST", V + "/close"): OPERATOR,
    ("POST", V + "/cards"): OPERATOR,
    ("POST", V + "/cards/issue"): OPERATOR,
    ("POST", V + "/certify"): OPERATOR,
    ("POST", V + "/runoff"): OPERATOR,
    ("POST", V + "/publish"): OPERATOR,
    ("GET", V + "/progress"): OPERATOR,
    ("POST", "/api/sessions"): OPERATOR,
    ("POST", S + "/roster"): OPERATOR,
    ("POST", S + "/candidate-lists"): OPERATOR,
    ("POST", S + "/devices"): OPERATOR,
    ("GET", S + "/devices"): OPERATOR,
    ("POST", S + "/devices/{device_id}/revoke"): OPERATOR,
    ("GET", "/api/audit"): OPERATOR,
    ("POST", S + "/demo/ceremony"): OPERATOR,
    ("POST", V + "/demo/decrypt"): OPERATOR,
    ("POST", V + "/demo/sign"): OPERATOR,
    ("GET", "/console"): OPERATOR,
    ("GET", "/console/audit"): OPERATOR,
    ("GET", "/console/sessions/{session_id}"): OPERATOR,
    ("GET", "/console/sessions/{session_id}/roster"): OPERATOR,
    ("GET", "/console/sessions/{session_id}/keys"): OPERATOR,
    ("GET", "/console/sessions/{session_id}/checkin"): OPERATOR,
    ("GET", "/console/sessions/{session_id}/devices"): OPERATOR,
    ("GET", "/console/sessions/{session_id}/votes/{slug}"): OPERATOR,
    # logging in and out, enrolling devices
    ("GET", "/console/login"): PUBLIC,
    ("POST", "/console/login"): PUBLIC,  # the password is the credential
    ("POST", "/api/auth/logout"): frozenset({"operator", "presidium"}),
    ("GET", "/api/auth/me"): PUBLIC,
    ("GET", "/enroll"): PUBLIC,
    ("GET", "/scrutineer"): PUBLIC,  # how to use the `keys` command
    ("POST", "/api/devices/enroll"): PUBLIC,  # the enrollment code is the credential
    ("GET", "/api/devices/me"): frozenset({"kiosk", "presidium"}),
}

#: Routes whose allowed call would spoil the callers used afterwards.
NO_POSITIVE_CALL = {("POST", "/api/auth/logout")}


@dataclass
class Caller:
    """One way of calling: a role, and how its requests are dressed."""

    role: str
    label: str
    client: TestClient
    headers: Callable[[str, str, bytes], dict[str, str]]

    def call(self, method: str, path: str) -> Response:
        body = b"{}" if method != "GET" else b""
        headers = self.headers(method, path, body)
        if body:
            headers["content-type"] = "application/json"
        return self.client.request(method, path, content=body or None, headers=headers)


def _entries(app: FastAPI) -> list[RouteEntry]:
    return app_routes(app.routes)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, list[Caller],
                                                                      int]]:
    tmp: Path = tmp_path_factory.mktemp("roles")
    settings = Settings(database_url=f"sqlite:///{tmp / 'v.db'}", mode="production",
                        secret_key=secrets.token_urlsafe(32), data_dir=tmp / "var")
    engine = make_engine(settings.database_url)
    migrate(engine)
    secret = settings.secret()
    scrutineer_key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    with session_scope(engine) as db:
        congress = repository.create_session(db, SessionCreate(
            title="测试", level="township", deputies_total=3))
        sid = congress.id
        assert sid is not None
        repository.add_vote(db, sid, VoteCreate(slug="motion-1", kind=VoteKind.MOTION,
                                                title="决议"))
        transport = DeviceKeys.generate(lambda n: b"\x07" * n)
        ceremony.register_scrutineer(db, sid, 1, "监票人",
                                     bytes.fromhex(public_key_hex(scrutineer_key)),
                                     bytes.fromhex(_x25519_hex(transport)), "test")
        tokens = {}
        for name, role in (("op", accounts.AccountRole.OPERATOR),
                           ("chair", accounts.AccountRole.PRESIDIUM)):
            accounts.create_account(db, name, "password-123", role, "test")
        for name in ("op", "chair"):
            token = accounts.attempt_login(db, name, "password-123")
            assert token is not None
            tokens[name] = token
        _, kiosk_code = accounts.enroll_device(db, sid, accounts.DeviceRole.KIOSK, "平板",
                                               "test")
        _, screen_code = accounts.enroll_device(db, sid, accounts.DeviceRole.PRESIDIUM,
                                                "大屏", "test")
    engine.dispose()
    app = create_app(settings)
    callers: list[Caller] = []
    stack = []

    def client(cookie: tuple[str, str] | None = None) -> TestClient:
        test_client = TestClient(app, follow_redirects=False)
        if not stack:  # one client runs the app's lifespan; the others only send requests
            stack.append(test_client)
            test_client.__enter__()
        if cookie is not None:
            name, token = cookie
            test_client.cookies.set(name, accounts.sign_cookie(secret, name, token))
        return test_client

    def with_csrf(token: str) -> Callable[[str, str, bytes], dict[str, str]]:
        return lambda m, p, b: {CSRF_HEADER: accounts.csrf_token(secret, token)}

    callers.append(Caller("public", "anonymous", client(), lambda m, p, b: {}))
    callers.append(Caller("operator", "operator login", client((LOGIN_COOKIE, tokens["op"])),
                          with_csrf(tokens["op"])))
    callers.append(Caller("operator", "operator token", client(), lambda m, p, b: {
        "authorization": f"Bearer {operator_token(settings)}"}))
    callers.append(Caller("presidium", "presidium login",
                          client((LOGIN_COOKIE, tokens["chair"])), with_csrf(tokens["chair"])))
    callers.append(Caller("presidium", "presidium screen", client((DEVICE_COOKIE, screen_code)),
                          with_csrf(screen_code)))
    callers.append(Caller("kiosk", "kiosk tablet", client((DEVICE_COOKIE, kiosk_code)),
                          with_csrf(kiosk_code)))
    callers.append(Caller("scrutineer", "scrutineer 1", client(), lambda m, p, b: {
        "authorization": sign_request(scrutineer_key, sid, 1, m, p, "", b, int(time.time()))}))
    try:
        yield app, callers, sid
    finally:
        for test_client in stack:
            test_client.__exit__(None, None, None)


def _x25519_hex(keys: DeviceKeys) -> str:
    from keys.transport import public_bytes

    return public_bytes(keys.transport_key).hex()


def _concrete(path: str, sid: int) -> str:
    return (path.replace("{session_id}", str(sid)).replace("{slug}", "motion-1")
            .replace("{index}", "1").replace("{tracking_code}", "ABCD")
            .replace("{device_id}", "999"))


def _refused(response: Response) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("location", "")
    return response.status_code == 303 and location.startswith("/console/login")


def _auth_refusal(response: Response) -> bool:
    """Refused for who the caller is (not for what the request says)."""
    if response.status_code == 303:
        return response.headers.get("location", "").startswith("/console/login")
    if response.status_code not in (401, 403):
        return False
    try:
        code = json.loads(response.content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return True
    return str(code).startswith("auth.")


def test_every_route_has_an_entry(world: tuple[FastAPI, list[Caller], int]) -> None:
    app, _, _ = world
    served = {(e.method, e.path) for e in _entries(app)}
    missing = sorted(served - ROUTE_ROLES.keys())
    stale = sorted(ROUTE_ROLES.keys() - served)
    assert not missing, f"routes without an entry in ROUTE_ROLES: {missing}"
    assert not stale, f"entries for routes that no longer exist: {stale}"
    for roles in ROUTE_ROLES.values():
        assert roles <= {"operator", "presidium", "scrutineer", "kiosk", "public"}


def test_every_protected_route_refuses_the_wrong_roles(
        world: tuple[FastAPI, list[Caller], int]) -> None:
    app, callers, sid = world
    failures = []
    for entry in _entries(app):
        allowed = ROUTE_ROLES[(entry.method, entry.path)]
        if "public" in allowed or entry.method == "MOUNT":
            continue
        path = _concrete(entry.path, sid)
        for caller in callers:
            if caller.role in allowed:
                continue
            if entry.method == "WEBSOCKET":
                try:
                    with caller.client.websocket_connect(path):
                        failures.append(f"{caller.label} opened websocket {path}")
                except (WebSocketDisconnect, RuntimeError):
                    pass  # refused, as it should be
                continue
            response = caller.call(entry.method, path)
            if not _refused(response):
                failures.append(f"{caller.label}: {entry.method} {path} -> "
                                f"{response.status_code}")
    assert not failures, "\n".join(failures)


def test_allowed_roles_get_past_the_door(world: tuple[FastAPI, list[Caller], int]) -> None:
    """The other side: a caller of an allowed role is never refused for being who it is."""
    app, callers, sid = world
    failures = []
    for entry in _entries(app):
        key = (entry.method, entry.path)
        allowed = ROUTE_ROLES[key]
        if "public" in allowed or entry.method in ("MOUNT", "WEBSOCKET") or key in NO_POSITIVE_CALL:
            continue
        path = _concrete(entry.path, sid)
        for caller in callers:
            if caller.role not in allowed:
                continue
            if caller.role == "presidium" and caller.label == "presidium login" and \
                    entry.path == "/api/devices/me":
                continue  # a presidium *account* is not an enrolled device
            response = caller.call(entry.method, path)
            if _auth_refusal(response):
                failures.append(f"{caller.label}: {entry.method} {path} -> "
                                f"{response.status_code} {response.text[:120]}")
    assert not failures, "\n".join(failures)


def test_cookie_changes_need_the_csrf_token(world: tuple[FastAPI, list[Caller], int]) -> None:
    _, callers, sid = world
    operator = next(c for c in callers if c.label == "operator login")
    response = operator.client.post(f"/api/sessions/{sid}/votes",
                                    json={"slug": "motion-2", "kind": "motion", "title": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.csrf"
    wrong = operator.client.post(f"/api/sessions/{sid}/votes", headers={CSRF_HEADER: "0" * 64},
                                 json={"slug": "motion-2", "kind": "motion", "title": "x"})
    assert wrong.status_code == 403
