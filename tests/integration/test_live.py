"""The live feed through a real websocket (Starlette's TestClient runs the app and its
lifespan): turnout after every cast, 计票中 after the close, and the result only once it is
certified — on SQLite (in-process hub) and PostgreSQL (LISTEN/NOTIFY, one process)."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import URL, Engine
from starlette.websockets import WebSocketDisconnect

from tally.rng import seeded_rng
from tests.vote_driver import SessionDriver, create_session
from voting.api import projector
from voting.api.auth import operator_token
from voting.api.projector import CLOSE_UNKNOWN_SESSION
from voting.app import create_app
from voting.db import make_engine, migrate
from voting.settings import Settings

WAIT_SECONDS = 20
LEAKS = ("counts", "elected", "result", "passed", "verdict", "satisfaction_rate", "tie",
         "shortfall", "threshold_votes")


@pytest.fixture
def client(db_engine: Engine, settings: Settings) -> Iterator[TestClient]:
    # Updates must come from events, not from the safety-net re-read.
    app = create_app(settings.model_copy(update={"live_poll_seconds": 3600}))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def driver(client: TestClient, db_engine: Engine, settings: Settings) -> SessionDriver:
    sid, deputies = create_session(db_engine, deputies=5, scrutineers=3)
    drv = SessionDriver(client, db_engine,
                        {"authorization": f"Bearer {operator_token(settings)}"}, sid,
                        seeded_rng(b"test-live"))
    drv.ceremony()
    drv.check_in(deputies[:4])
    return drv


def no_counts(doc: Any) -> None:
    """Nothing the live feed sends before certification may carry a count of votes."""
    text = json.dumps(doc, ensure_ascii=False)
    for word in LEAKS:
        assert f'"{word}"' not in text, f"{word} leaked before certification: {text[:300]}"


class Feed:
    """Reads a test websocket with a deadline (TestClient's receive has none)."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.seen: list[dict[str, Any]] = []

    def next(self) -> dict[str, Any]:
        future = self.pool.submit(self.socket.receive_json)
        try:
            message: dict[str, Any] = future.result(timeout=WAIT_SECONDS)
        except FutureTimeout:
            pytest.fail(f"no live message within {WAIT_SECONDS}s; last: {self.seen[-1:]}")
        self.seen.append(message)
        return message

    def until(self, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first view (the ``view`` of a message) passing ``test``."""
        while True:
            message = self.next()
            if message["type"] == "ping":
                continue
            assert message["type"] == "view" and message["worker"]
            if test(message["view"]):
                return dict(message["view"])


def current(view: dict[str, Any]) -> dict[str, Any]:
    return dict(view["current"] or {})


def test_turnout_then_certified_result_over_the_websocket(
        client: TestClient, driver: SessionDriver) -> None:
    sid = driver.session_id
    driver.define("motion-1", "motion", "关于本届会议议程的决定", cards=4)
    with client.websocket_connect(f"/ws/sessions/{sid}") as socket:
        feed = Feed(socket)
        first = feed.until(lambda v: True)  # the current view comes on connect
        assert first["session"]["title"].startswith("测试镇")
        assert current(first)["state"] == "keys_ready"
        driver.issue("motion-1", 4)
        feed.until(lambda v: current(v)["cards"]["issued"] == 4)
        driver.open("motion-1")
        opened = feed.until(lambda v: current(v)["state"] == "open")
        assert opened["current"]["opened_at"] and opened["current"]["deputies_present"] == 4
        for n, choice in enumerate(["yes", "yes", "no"], start=1):
            driver.cast("motion-1", n - 1, choice)
            view = feed.until(lambda v, n=n: current(v)["ballots_cast"] == n)
            assert current(view)["cards"] == {"printed": 4, "issued": 4, "spent": n, "void": 0}
        driver.close("motion-1")
        feed.until(lambda v: current(v)["state"] == "closed")
        driver.decrypt("motion-1")
        feed.until(lambda v: current(v)["state"] == "counted")
        for message in feed.seen:
            no_counts(message)
        driver.certify("motion-1")
        done = current(feed.until(lambda v: current(v)["state"] == "certified"))
    assert done["result"]["counts"] == {"yes": 2, "no": 1, "abstain": 0}
    assert done["result"]["passed"] is False  # 2 < majority of all 5 deputies
    assert {s["role"] for s in done["certificate"]["signers"]} == {"certification", "scrutineer"}
    assert done["options"] == [] and done["threshold_rule"] == "majority_of_all"


def test_reconnecting_gets_the_current_view_and_http_agrees(
        client: TestClient, driver: SessionDriver) -> None:
    sid = driver.session_id
    driver.define("projects", "selection", "民生实事项目票决", cards=3,
                  options=["甲项目", "乙项目", "丙项目"], select_max=2)
    driver.issue("projects", 3)
    driver.open("projects")
    with client.websocket_connect(f"/ws/sessions/{sid}") as socket:
        Feed(socket).until(lambda v: current(v)["state"] == "open")
    driver.cast("projects", 0, [0, 1])  # while nobody listens
    with client.websocket_connect(f"/ws/sessions/{sid}") as socket:
        view = Feed(socket).until(lambda v: current(v)["ballots_cast"] == 1)
    assert current(view)["options"] == ["甲项目", "乙项目", "丙项目"]
    over_http = client.get(f"/api/sessions/{sid}/live").json()
    assert over_http["type"] == "view" and over_http["view"] == view
    no_counts(over_http)
    assert [v["state"] for v in view["votes"]] == ["open"]


def test_a_pinned_vote_and_the_choice_of_the_current_vote(
        client: TestClient, driver: SessionDriver) -> None:
    sid = driver.session_id
    driver.define("first", "motion", "第一项", cards=1)
    driver.define("second", "motion", "第二项", cards=1)
    driver.issue("second", 1)
    driver.open("second")
    assert current(client.get(f"/api/sessions/{sid}/live").json()["view"])["vote"] == "second"
    pinned = client.get(f"/api/sessions/{sid}/live", params={"vote": "first"}).json()["view"]
    assert current(pinned)["vote"] == "first" and current(pinned)["state"] == "keys_ready"
    with client.websocket_connect(f"/ws/sessions/{sid}?vote=first") as socket:
        assert current(Feed(socket).until(lambda v: True))["vote"] == "first"


def test_an_unknown_session_is_refused(client: TestClient, db_engine: Engine) -> None:
    with (client.websocket_connect("/ws/sessions/999999") as socket,
          pytest.raises(WebSocketDisconnect) as closed):
        socket.receive_json()
    assert closed.value.code == CLOSE_UNKNOWN_SESSION
    assert client.get("/api/sessions/999999/live").status_code == 404
    assert client.get("/projector/999999").status_code == 404


def test_projector_page_has_no_inline_script(client: TestClient, driver: SessionDriver) -> None:
    page = client.get(f"/projector/{driver.session_id}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "测试镇" in page.text and page.headers["x-worker"]
    for tag in re.findall(r"<script\b[^>]*>", page.text):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert " style=" not in page.text and "onclick" not in page.text
    assert "http://" not in page.text.replace("http://www.w3.org", "")  # no other origins
    english = client.get(f"/projector/{driver.session_id}?lang=en")
    assert '"projector.counting": "Counting"' in english.text
    assert client.get("/projector").status_code == 200
    assert client.get("/static/js/projector.js").status_code == 200


def test_the_listener_comes_back_after_its_connection_dies(postgres_schema_url: URL) -> None:
    url = postgres_schema_url.render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        migrate(engine)
        settings = Settings(database_url=url, mode="production",
                            secret_key=secrets.token_urlsafe(32), live_poll_seconds=3600)
        app = create_app(settings)
        with TestClient(app) as client:
            sid, _ = create_session(engine, deputies=3, scrutineers=3)
            driver = SessionDriver(client, engine,
                                   {"authorization": f"Bearer {operator_token(settings)}"},
                                   sid, seeded_rng(b"test-live-reconnect"))
            driver.ceremony()
            driver.define("motion-1", "motion", "关于断线重连的决定", cards=3)
            driver.issue("motion-1", 3)
            driver.open("motion-1")
            with client.websocket_connect(f"/ws/sessions/{sid}") as socket:
                feed = Feed(socket)
                driver.cast("motion-1", 0, "yes")
                feed.until(lambda v: current(v)["ballots_cast"] == 1)
                with engine.begin() as admin:
                    killed = admin.execute(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE query = :listen"),
                        {"listen": f'LISTEN "{app.state.live_hub.channel}"'}).all()
                assert killed == [(True,)]
                driver.cast("motion-1", 1, "no")  # perhaps while nobody listens
                feed.until(lambda v: current(v)["ballots_cast"] == 2)
                driver.cast("motion-1", 2, "no")  # and once the listener is back
                feed.until(lambda v: current(v)["ballots_cast"] == 3)
    finally:
        engine.dispose()


def test_a_quiet_socket_gets_heartbeats_and_an_unknown_pin_is_refused(
        client: TestClient, driver: SessionDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projector, "HEARTBEAT_SECONDS", 0.2)
    sid = driver.session_id
    with client.websocket_connect(f"/ws/sessions/{sid}") as socket:
        feed = Feed(socket)
        assert feed.next()["type"] == "view"
        ping = feed.next()
        assert ping["type"] == "ping" and ping["server_time"].endswith("Z")
    with (client.websocket_connect(f"/ws/sessions/{sid}?vote=no-such-vote") as socket,
          pytest.raises(WebSocketDisconnect) as closed):
        socket.receive_json()
    assert closed.value.code == CLOSE_UNKNOWN_SESSION
