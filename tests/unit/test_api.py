"""The home page and the read API, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from voting.app import create_app
from voting.db import session_scope
from voting.demo import find_scenario, load_sample
from voting.settings import Settings


@pytest.fixture
def client(db_engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def sample_id(db_engine: Engine) -> int:
    scenario = json.loads(find_scenario().read_text(encoding="utf-8"))
    with session_scope(db_engine) as db:
        return load_sample(db, scenario).session_id


def test_health(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_empty_server(client: TestClient) -> None:
    assert client.get("/api/sessions").json() == []
    page = client.get("/")
    assert page.status_code == 200 and "尚无会议" in page.text


def test_home_page_lists_sessions_and_faces(client: TestClient, sample_id: int) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text
    assert "资兴市第十七届人民代表大会第四次会议" in page.text
    for path in ("/kiosk", "/projector", "/console", "/scrutineer", "/verify", "/docs"):
        assert f'href="{path}"' in page.text
    assert "演示模式" not in page.text  # production settings


def test_home_page_in_english(client: TestClient, sample_id: int) -> None:
    page = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="zh-CN">' in page.text  # a device's locale does not switch the hall
    page = client.get("/?lang=en")
    assert '<html lang="en">' in page.text and "Where to go" in page.text
    assert page.cookies.get("lang") == "en"
    assert '<html lang="en">' in client.get("/").text  # remembered by the cookie


def test_sessions(client: TestClient, sample_id: int) -> None:
    sessions = client.get("/api/sessions").json()
    assert len(sessions) == 1
    session = client.get(f"/api/sessions/{sample_id}").json()
    assert session == sessions[0]
    assert session["code"] == "zixing-2019"
    assert (session["level"], session["deputies_total"], session["quorum"]) == ("county", 230, 116)
    assert client.get("/api/sessions", params={"offset": 1}).json() == []
    assert client.get("/api/sessions", params={"limit": 0}).status_code == 422


def test_roster(client: TestClient, sample_id: int) -> None:
    deputies = client.get(f"/api/sessions/{sample_id}/deputies").json()
    assert len(deputies) == 230
    assert len({d["seat"] for d in deputies}) == 230
    assert sum(d["is_chief_scrutineer"] for d in deputies) == 1
    assert sum(d["is_scrutineer"] for d in deputies) == 5
    assert set(deputies[0]) == {"id", "session_id", "name", "delegation", "seat",
                                "is_presidium", "is_scrutineer", "is_chief_scrutineer"}


def test_candidates(client: TestClient, sample_id: int) -> None:
    (candidate_list,) = client.get(f"/api/sessions/{sample_id}/candidates").json()
    candidates = candidate_list["candidates"]
    assert [c["position"] for c in candidates] == list(range(1, 14))
    assert candidates[0]["name"] == "农村安全饮水巩固提升工程"
    assert all(c["investment"].endswith("万元") and c["summary"] for c in candidates)


def test_votes(client: TestClient, sample_id: int) -> None:
    votes = client.get(f"/api/sessions/{sample_id}/votes").json()
    assert [(v["slug"], v["kind"], v["state"]) for v in votes] == [
        ("projects-2019", "selection", "draft"),
        ("satisfaction-2019", "rating", "draft"),
        ("motion-budget", "motion", "draft"),
    ]
    selection, rating, motion = votes
    assert (selection["select_min"], selection["select_max"]) == (0, 10)
    assert len(selection["options"]) == 13 and selection["candidate_list_id"] is not None
    assert rating["scale"] == ["满意", "基本满意", "不满意"] and len(rating["options"]) == 10
    assert motion["options"] == [] and motion["threshold_rule"] == "majority_of_all"


@pytest.mark.parametrize("suffix", ["", "/deputies", "/candidates", "/votes"])
def test_unknown_session_is_a_404_in_the_error_shape(client: TestClient, suffix: str) -> None:
    response = client.get(f"/api/sessions/424242{suffix}", params={"lang": "en"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and error["message"] == "No session 424242"


def test_openapi_docs_and_static_files(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/sessions", "/api/sessions/{session_id}", "/api/sessions/{session_id}/votes",
            "/api/sessions/{session_id}/deputies", "/api/sessions/{session_id}/candidates",
            "/healthz"} <= set(paths)
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/healthz").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
