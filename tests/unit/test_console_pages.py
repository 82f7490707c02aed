"""Console odds and ends: upload limits, demo-only helpers, the scrutineers' page, the
home page's faces, pages in English."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from voting import accounts
from voting.api.auth import LOGIN_COOKIE, operator_token
from voting.api.secretariat import MAX_UPLOAD_BYTES
from voting.app import create_app
from voting.db import make_engine, migrate, session_scope
from voting.settings import Settings


def _settings(tmp_path: Path, mode: str) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'v.db'}", mode=mode,
                    secret_key=secrets.token_urlsafe(32), data_dir=tmp_path / "var")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], int]]:
    settings = _settings(tmp_path, "production")
    engine = make_engine(settings.database_url)
    migrate(engine)
    with session_scope(engine) as db:
        accounts.create_account(db, "op", "password-123", accounts.AccountRole.OPERATOR, "t")
        token = accounts.attempt_login(db, "op", "password-123")
    engine.dispose()
    assert token is not None
    op = {"authorization": f"Bearer {operator_token(settings)}"}
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        test_client.cookies.set(LOGIN_COOKIE, accounts.sign_cookie(settings.secret(),
                                                                    LOGIN_COOKIE, token))
        sid = test_client.post("/api/sessions", headers=op, json={
            "title": "镇人大", "level": "township", "deputies_total": 3}).json()["id"]
        yield test_client, op, sid


def test_uploads_are_capped_and_checked(client: tuple[TestClient, dict[str, str], int]) -> None:
    test_client, op, sid = client
    url = f"/api/sessions/{sid}/roster"
    big = b"name,seat\n" + b"x" * (MAX_UPLOAD_BYTES + 100_000)
    answer = test_client.post(url, headers=op, files={"file": ("r.csv", big)})
    assert answer.status_code == 422 and "2 MiB" in answer.json()["error"]["message_en"] + \
        str(answer.json()["error"]["details"])
    not_form = test_client.post(url, headers=op, json={"file": "x"})
    assert not_form.status_code == 422
    no_file = test_client.post(url, headers=op, files={"other": ("r.csv", b"a")})
    assert no_file.status_code == 422
    wrong_type = test_client.post(url, headers=op, files={"file": ("r.txt", b"a")})
    assert wrong_type.json()["error"]["code"] == "import.invalid_rows"
    anonymous = TestClient(test_client.app)
    assert anonymous.post(url, files={"file": ("r.csv", b"name,seat\n")}).status_code == 401
    ok = test_client.post(url, headers=op, files={"file": ("r.csv", "姓名,座位\n甲,1\n".encode())})
    assert ok.status_code == 201 and ok.json() == {"rows": 1}
    listed = test_client.post(f"/api/sessions/{sid}/candidate-lists", headers=op,
                              files={"file": ("第一批.csv", "项目名称\n修路\n".encode())})
    assert listed.status_code == 201
    lists = test_client.get(f"/api/sessions/{sid}/candidates").json()
    assert [lst["title"] for lst in lists] == ["第一批"]  # the CSV file name by default


def test_demo_helpers_refuse_outside_demo_mode(
        client: tuple[TestClient, dict[str, str], int]) -> None:
    test_client, op, sid = client
    for path in (f"/api/sessions/{sid}/demo/ceremony",
                 f"/api/sessions/{sid}/votes/x/demo/decrypt",
                 f"/api/sessions/{sid}/votes/x/demo/sign"):
        answer = test_client.post(path, headers=op)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "demo.only"
    keys_page = test_client.get(f"/console/sessions/{sid}/keys").text
    assert "演示" not in keys_page  # no demo button outside demo mode


def test_pages_in_english_and_the_home_faces(
        client: tuple[TestClient, dict[str, str], int]) -> None:
    test_client, _, sid = client
    for path in ("/console", f"/console/sessions/{sid}", f"/console/sessions/{sid}/roster",
                 f"/console/sessions/{sid}/keys", f"/console/sessions/{sid}/checkin",
                 f"/console/sessions/{sid}/devices", "/console/audit", "/scrutineer",
                 "/enroll"):
        page = test_client.get(path + "?lang=en")
        assert page.status_code == 200, path
        assert 'lang="en"' in page.text and "console." not in page.text.replace(
            "console.js", "").replace("console.css", ""), path  # every key translated
    scrutineers = test_client.get("/scrutineer").text
    assert "keys ceremony" in scrutineers and "镇人大" in scrutineers
    home = test_client.get("/?lang=en").text
    for face in ("/console", "/scrutineer"):
        entry = home.split(f"<code>{face}</code>")[1].split("</li>")[0]
        assert "available" in entry and "pending" not in entry, face
