"""Staff accounts: password hashing, logins and their end, lockout, cookies, CSRF, devices,
the login page and ``voting create-operator``."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from voting import accounts
from voting.account_models import StaffAccount
from voting.api.auth import LOGIN_COOKIE, operator_token
from voting.app import create_app
from voting.cli import main
from voting.db import make_engine, migrate, session_scope
from voting.errors import Conflict, InvalidInput
from voting.models import AuditEntry, utcnow
from voting.settings import Settings


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'v.db'}", mode="production",
                    secret_key=secrets.token_urlsafe(32))


def test_password_hash_round_trip_and_salt() -> None:
    first = accounts.hash_password("correct horse")
    second = accounts.hash_password("correct horse")
    assert first != second and first.startswith("scrypt$32768$8$1$")
    assert accounts.verify_password("correct horse", first)
    assert not accounts.verify_password("correct horsE", first)
    # The same password typed through different input methods (NFC vs NFD) matches.
    nfd = accounts.hash_password("口令e\u0301e\u0301e\u0301")
    assert accounts.verify_password("口令\u00e9\u00e9\u00e9", nfd)
    for broken in ("", "scrypt$x", "bcrypt$1$2$3$4$5", first.replace("scrypt", "md5", 1)):
        assert not accounts.verify_password("correct horse", broken)
    with pytest.raises(InvalidInput):
        accounts.hash_password("short")


def test_login_logout_and_expiry(engine: Engine) -> None:
    with session_scope(engine) as db:
        accounts.create_account(db, "张秘书", "password-123", accounts.AccountRole.OPERATOR,
                                "test")
        with pytest.raises(Conflict):
            accounts.create_account(db, "张秘书", "password-456",
                                    accounts.AccountRole.OPERATOR, "test")
    with session_scope(engine) as db:
        token = accounts.attempt_login(db, " 张秘书 ", "password-123")
    assert token is not None
    with Session(engine) as db:
        who = accounts.principal_for_login(db, token)
        assert who is not None and who.role == "operator" and who.name == "张秘书"
        later = utcnow() + accounts.SESSION_LIFETIME + timedelta(seconds=1)
        assert accounts.principal_for_login(db, token, now=later) is None
        assert accounts.principal_for_login(db, token + "x") is None
    with session_scope(engine) as db:
        accounts.end_login(db, token)
    with Session(engine) as db:
        assert accounts.principal_for_login(db, token) is None
        actions = [e.action for e in db.exec(select(AuditEntry)).all()]
    assert actions == ["account.saved", "auth.login", "auth.logout"]


def test_lockout_after_repeated_failures(engine: Engine) -> None:
    with session_scope(engine) as db:
        accounts.create_account(db, "op", "password-123", accounts.AccountRole.OPERATOR, "t")
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with session_scope(engine) as db:
            assert accounts.attempt_login(db, "op", "wrong-password") is None
    with session_scope(engine) as db:
        # Locked: even the right password is refused for a while.
        assert accounts.attempt_login(db, "op", "password-123") is None
        account = db.exec(select(StaffAccount)).one()
        assert account.locked_until is not None
    with session_scope(engine) as db:
        later = utcnow() + accounts.LOCKOUT + timedelta(seconds=1)
        assert accounts.attempt_login(db, "op", "password-123", now=later) is not None
    with session_scope(engine) as db:
        assert accounts.attempt_login(db, "nobody", "password-123") is None
        failed = db.exec(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")
                         ).all()
    assert len(failed) == accounts.MAX_FAILED_LOGINS + 2


def test_cookie_signature_and_csrf() -> None:
    secret = secrets.token_bytes(32)
    value = accounts.sign_cookie(secret, "rv_login", "tok")
    assert accounts.unsign_cookie(secret, "rv_login", value) == "tok"
    assert accounts.unsign_cookie(secret, "rv_device", value) is None  # bound to its name
    assert accounts.unsign_cookie(secrets.token_bytes(32), "rv_login", value) is None
    assert accounts.unsign_cookie(secret, "rv_login", "tok.00") is None
    assert accounts.unsign_cookie(secret, "rv_login", None) is None
    who = accounts.Principal("operator", "op", token="tok")
    assert accounts.check_csrf(secret, who, accounts.csrf_token(secret, "tok"))
    assert not accounts.check_csrf(secret, who, accounts.csrf_token(secret, "other"))
    assert not accounts.check_csrf(secret, who, None)
    assert accounts.check_csrf(secret, accounts.Principal("operator", "api-token"), None)


def _form_token(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found is not None
    return found[1]


def test_login_page(engine: Engine, settings: Settings) -> None:
    with session_scope(engine) as db:
        accounts.create_account(db, "op", "password-123", accounts.AccountRole.OPERATOR, "t")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert client.get("/console").headers["location"] == "/console/login?next=/console"
        page = client.get("/console/login?next=/console/audit")
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script>" not in page.text  # no inline script anywhere
        token = _form_token(page.text)
        # Without the form's token (a login forged by another site): refused.
        forged = client.post("/console/login", data={"name": "op", "password": "password-123",
                                                      "form_token": "x"})
        assert forged.status_code == 400 and LOGIN_COOKIE not in client.cookies
        token = _form_token(client.get("/console/login").text)
        wrong = client.post("/console/login", data={"name": "op", "password": "nope-nope",
                                                     "form_token": token})
        assert wrong.status_code == 401 and LOGIN_COOKIE not in client.cookies
        token = _form_token(wrong.text)
        good = client.post("/console/login", data={
            "name": "op", "password": "password-123", "form_token": token,
            "next": "//evil.example/x"})
        assert good.status_code == 303 and good.headers["location"] == "/console"
        cookie = good.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert "Secure" not in cookie  # cookie_secure is off in these settings
        assert client.get("/console").status_code == 200
        assert client.get("/api/auth/me").json()["role"] == "operator"
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/console").text)
        assert csrf is not None
        assert client.post("/api/auth/logout").status_code == 403  # no CSRF header
        assert client.post("/api/auth/logout",
                           headers={"x-csrf-token": csrf[1]}).status_code == 204
        assert client.get("/console").status_code == 303


def test_presidium_login_goes_home(engine: Engine, settings: Settings) -> None:
    with session_scope(engine) as db:
        accounts.create_account(db, "chair", "password-123", accounts.AccountRole.PRESIDIUM,
                                "t")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        token = _form_token(client.get("/console/login").text)
        answer = client.post("/console/login", data={"name": "chair", "password": "password-123",
                                                     "form_token": token, "next": "/console"})
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        assert client.get("/api/auth/me").json()["role"] == "presidium"
        assert client.get("/console").status_code == 303  # not the presidium's


def test_secure_cookie_setting(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    migrate(engine)
    with session_scope(engine) as db:
        accounts.create_account(db, "op", "password-123", accounts.AccountRole.OPERATOR, "t")
    engine.dispose()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 's.db'}", mode="production",
                        secret_key=secrets.token_urlsafe(32), cookie_secure=True)
    with TestClient(create_app(settings), base_url="https://testserver",
                    follow_redirects=False) as client:
        token = _form_token(client.get("/console/login").text)
        good = client.post("/console/login", data={"name": "op", "password": "password-123",
                                                     "form_token": token})
        assert good.status_code == 303 and "Secure" in good.headers["set-cookie"]


def test_devices_enroll_and_revoke(engine: Engine, settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        op = {"authorization": f"Bearer {operator_token(settings)}"}
        sid = client.post("/api/sessions", headers=op, json={
            "title": "镇人大", "level": "township", "deputies_total": 10}).json()["id"]
        made = client.post(f"/api/sessions/{sid}/devices", headers=op,
                           json={"role": "kiosk", "label": "平板1"}).json()
        assert made["enroll_url"] == f"/enroll#{made['code']}"
        assert client.get("/api/devices/me").status_code == 401
        assert client.post("/api/devices/enroll", json={"code": "x" * 20}).status_code == 403
        assert client.post("/api/devices/enroll", json={"code": made["code"]}).status_code == 204
        me = client.get("/api/devices/me").json()
        assert me["role"] == "kiosk" and me["session_id"] == sid and len(me["csrf"]) == 64
        listed = client.get(f"/api/sessions/{sid}/devices", headers=op).json()
        assert [d["label"] for d in listed] == ["平板1"]
        assert client.post(f"/api/sessions/{sid}/devices/{made['id']}/revoke",
                           headers=op).status_code == 200
        assert client.get("/api/devices/me").status_code == 401  # revoked at once


def test_create_operator_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VOTING_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    monkeypatch.setenv("VOTING_MODE", "production")
    monkeypatch.setenv("VOTING_SECRET_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("OP_PASSWORD", "password-123")
    assert main(["create-operator", "李四", "--password-env", "OP_PASSWORD"]) == 0
    assert "operator account '李四' saved" in capsys.readouterr().out
    assert main(["create-operator", "李四", "--password-env", "OP_PASSWORD"]) == 1
    assert main(["create-operator", "李四", "--password-env", "OP_PASSWORD", "--reset",
                 "--role", "presidium"]) == 0
    monkeypatch.setenv("OP_PASSWORD", "short")
    assert main(["create-operator", "王五", "--password-env", "OP_PASSWORD"]) == 1
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with Session(engine) as db:
        rows = db.exec(select(StaffAccount)).all()
        assert [(r.name, r.role) for r in rows] == [("李四", "presidium")]
    engine.dispose()
