"""The public verification pages: the list of votes, tracking-code lookup (found, not
found, mistyped), the record download once certified, the QR code of the page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tally.rng import seeded_rng
from tests.vote_driver import SessionDriver, create_session
from voting.api.auth import operator_token
from voting.app import create_app
from voting.settings import Settings


@pytest.fixture
def client(db_engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def voted(client: TestClient, db_engine: Engine,
          settings: Settings) -> tuple[SessionDriver, list[str]]:
    """A motion with two ballots cast and still open; answers the tracking codes."""
    sid, deputies = create_session(db_engine, deputies=3, scrutineers=3)
    driver = SessionDriver(client, db_engine,
                           {"authorization": f"Bearer {operator_token(settings)}"}, sid,
                           seeded_rng(b"test-verify-pages"))
    driver.ceremony()
    driver.check_in(deputies)
    driver.define("motion-1", "motion", "关于核验页面的决定", cards=3)
    driver.issue("motion-1", 3)
    driver.open("motion-1")
    codes = [driver.cast("motion-1", i, "yes").json()["tracking_code"] for i in range(2)]
    return driver, codes


def _scripts_are_external(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert " style=" not in html


def test_lookup_before_and_after_certification(client: TestClient,
                                               voted: tuple[SessionDriver, list[str]]) -> None:
    driver, codes = voted
    page = f"/verify/{driver.session_id}/motion-1"
    found = client.get(page, params={"code": codes[1].lower().replace("-", " ")})
    assert found.status_code == 200
    assert "script-src 'self'" in found.headers["content-security-policy"]
    _scripts_are_external(found.text)
    assert "已找到" in found.text and "第 2 张" in found.text and codes[1] in found.text
    assert "结果经认证后即可下载选举记录" in found.text and "/record.zip" not in found.text
    missing = client.get(page, params={"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    assert "公告板上没有这个查验码" in missing.text
    mistyped = client.get(page, params={"code": "not a code"})
    assert "查验码格式不对" in mistyped.text
    escaped = client.get(page, params={"code": "<b>x</b>"})
    assert "<b>x</b>" not in escaped.text and "&lt;b&gt;" in escaped.text

    driver.close("motion-1")
    driver.decrypt("motion-1")
    driver.certify("motion-1")
    certified = client.get(page, params={"code": codes[0], "lang": "en"})
    assert "Found: your ballot is entry 1 of the 2 on the board" in certified.text
    assert "Session certification key" in certified.text
    assert "tally verify motion-1" in certified.text
    link = re.search(r'href="(/api/sessions/\d+/votes/motion-1/record\.zip)"', certified.text)
    assert link is not None
    record = client.get(link.group(1))
    assert record.status_code == 200 and record.content[:2] == b"PK"


def test_index_lists_votes_and_redirects_the_lookup(client: TestClient,
                                                   voted: tuple[SessionDriver, list[str]]) -> None:
    driver, codes = voted
    index = client.get("/verify")
    assert index.status_code == 200 and "关于核验页面的决定" in index.text
    assert f'value="{driver.session_id}/motion-1"' in index.text
    _scripts_are_external(index.text)
    moved = client.get("/verify", params={"vote": f"{driver.session_id}/motion-1",
                                          "code": codes[0]}, follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"] == (
        f"/verify/{driver.session_id}/motion-1?code={codes[0]}")
    odd = client.get("/verify", params={"vote": "../../etc", "code": "x"},
                     follow_redirects=False)
    assert odd.status_code == 200  # not a vote reference: just the index


def test_the_qr_code_points_at_the_verification_page(
        client: TestClient, voted: tuple[SessionDriver, list[str]]) -> None:
    driver, _ = voted
    svg = client.get(f"/verify/{driver.session_id}/motion-1/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<svg") and "<script" not in svg.text
    assert client.get(f"/verify/{driver.session_id}/nope/qr.svg").status_code == 404
    assert client.get(f"/verify/{driver.session_id}/nope").status_code == 404
    assert client.get("/verify/999999/motion-1").status_code == 404
