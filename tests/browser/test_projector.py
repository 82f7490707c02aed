"""The projector in Chromium against a real `voting serve`: turnout arrives through the
websocket as casts are taken, then 计票中, then the certified result; and with PostgreSQL and
two worker processes, casts taken by one worker reach a projector attached to the other.

Screenshots go to test-output/ for a person to look at."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy.engine import URL

from tally.rng import seeded_rng
from tests.live_server import RunningServer, running_server
from tests.vote_driver import SessionDriver, create_session
from voting.api.auth import operator_token
from voting.db import make_engine

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 20_000
#: No safety-net re-read during the tests: every update must come from an event.
NO_POLL = {"VOTING_LIVE_POLL_SECONDS": "3600"}
LEAKS = ("counts", "elected", "result", "passed", "verdict", "satisfaction_rate")
PROJECTS = ["农村安全饮水巩固提升工程", "城乡公交一体化", "中小学校舍改造", "农贸市场提质改造",
            "城区污水管网建设", "老旧小区改造"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (make browser-deps)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile per test, closed with its pages (and their websockets)."""
    ctx = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    try:
        yield ctx
    finally:
        ctx.close()


class Projector:
    """A projector page, the frames its websocket received, and any script errors."""

    def __init__(self, context: BrowserContext, base: str, session_id: int) -> None:
        self.page: Page = context.new_page()
        self.frames: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda payload: self.frames.append(json.loads(payload))))
        answer = self.page.goto(f"{base}/projector/{session_id}")
        assert answer is not None and "script-src 'self'" in answer.headers[
            "content-security-policy"]  # the page must work within its policy
        expect(self.page.locator("#link")).to_have_attribute("data-state", "live",
                                                             timeout=WAIT_MS)

    def state(self, state: str) -> None:
        expect(self.page.locator("#stage")).to_have_attribute("data-state", state,
                                                              timeout=WAIT_MS)

    def cast_count(self, n: int) -> None:
        expect(self.page.locator(".figure.cast .figure-value")).to_have_text(str(n),
                                                                           timeout=WAIT_MS)

    def worker(self) -> str:
        """The worker process that serves this page's websocket."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while not self.frames and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
        assert self.frames, "the websocket sent nothing"
        return str(self.frames[-1]["worker"])

    def shot(self, name: str) -> None:
        OUTPUT.mkdir(exist_ok=True)
        self.page.screenshot(path=str(OUTPUT / name))

    def assert_clean(self, allow: tuple[str, ...] = ()) -> None:
        """No script errors (but those naming ``allow``) and no count before certification."""
        errors = [e for e in self.errors if not any(a in e for a in allow)]
        assert not errors, errors
        for frame in self.frames:
            if frame["view"]["current"] and frame["view"]["current"]["state"] != "certified":
                text = json.dumps(frame, ensure_ascii=False)
                for word in LEAKS:
                    assert f'"{word}"' not in text, f"{word} before certification: {text[:300]}"


@contextmanager
def _session(server: RunningServer, deputies: int, present: int,
             seed: bytes) -> Iterator[SessionDriver]:
    """A session on the server, its ceremony done and ``present`` deputies checked in."""
    engine = make_engine(server.settings.database_url)
    try:
        with httpx.Client(base_url=server.base, timeout=60) as http:
            sid, ids = create_session(engine, deputies=deputies, scrutineers=3)
            driver = SessionDriver(
                http, engine, {"authorization": f"Bearer {operator_token(server.settings)}"},
                sid, seeded_rng(seed))
            driver.ceremony()
            driver.check_in(ids[:present])
            yield driver
    finally:
        engine.dispose()


def test_turnout_then_certified_selection_on_the_projector(context: BrowserContext,
                                                           tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voting.db'}"
    with (running_server(url, tmp_path, **NO_POLL) as server,
          _session(server, deputies=10, present=8, seed=b"browser-selection") as driver):
        driver.define("projects", "selection", "2019年度民生实事项目票决", cards=8,
                      options=PROJECTS, select_max=3)
        projector = Projector(context, server.base, driver.session_id)
        projector.state("keys_ready")
        expect(projector.page.locator(".vote-title")).to_have_text("2019年度民生实事项目票决")
        driver.issue("projects", 8)
        driver.open("projects")
        projector.state("open")
        marks = [[0, 1, 2], [0, 1, 3], [0, 1, 2], [0, 1, 3], [0, 1, 2], [0, 1, 3], [0, 4]]
        receipts = []
        for n, mark in enumerate(marks, start=1):
            receipts.append(driver.cast("projects", n - 1, mark).json())
            projector.cast_count(n)  # through the websocket: nothing else refreshes it
            if n == 4:
                expect(projector.page.locator(".figure.issued .figure-value")).to_have_text("8")
                expect(projector.page.locator("#elapsed .elapsed-value")).to_have_text(
                    re.compile(r"^\d+:\d\d$"))
                projector.shot("projector-1-open.png")
        driver.close("projects")
        projector.state("closed")
        expect(projector.page.locator(".big-state")).to_have_text("计票中")
        projector.shot("projector-2-counting.png")
        driver.decrypt("projects")
        projector.state("counted")
        driver.certify("projects")
        projector.state("certified")
        page = projector.page
        rows = page.locator("table.ranked tbody tr")
        expect(rows).to_have_count(6)
        expect(rows.nth(0)).to_have_class("option elected")
        expect(rows.nth(0).locator(".name")).to_have_text(PROJECTS[0])
        expect(rows.nth(0).locator(".num")).to_have_text("7")
        expect(rows.nth(1)).to_have_class("option elected")
        expect(page.locator("table.ranked tr.elected")).to_have_count(2)
        expect(page.locator("tbody .bar-threshold")).to_have_count(6)
        expect(page.locator("thead .legend")).to_have_text("通过线 6 票")
        expect(page.locator(".callout.shortfall")).to_contain_text("另行选举")
        expect(page.locator(".validity")).to_contain_text("发出选票 8 张，收回选票 7 张")
        expect(page.locator(".signers li")).to_have_count(3)
        qr = page.locator("img.qr")
        expect(qr).to_be_visible()
        page.wait_for_function("document.querySelector('img.qr').naturalWidth > 0")
        projector.shot("projector-3-result.png")
        projector.assert_clean()

        verify = context.new_page()
        verify.set_viewport_size({"width": 1000, "height": 900})
        verify.goto(f"{server.base}/verify/{driver.session_id}/projects")
        verify.fill("input[name=code]", receipts[2]["tracking_code"].lower().replace("-", " "))
        verify.click("button[type=submit]")
        expect(verify.locator(".lookup-result.found")).to_contain_text("第 3 张")
        expect(verify.locator("a.download")).to_be_visible()
        verify.screenshot(path=str(OUTPUT / "verify-vote.png"), full_page=True)
        record = driver.http.get(verify.locator("a.download").get_attribute("href") or "")
        assert record.status_code == 200 and record.content[:2] == b"PK"


def test_rating_and_motion_results_on_the_projector(context: BrowserContext,
                                                    tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voting.db'}"
    with (running_server(url, tmp_path, **NO_POLL) as server,
          _session(server, deputies=5, present=5, seed=b"browser-rating") as driver):
        projector = Projector(context, server.base, driver.session_id)
        projector.state("none")
        driver.define("rating", "rating", "2018年度民生实事项目满意度测评", cards=4,
                      options=PROJECTS[:3], scale=["满意", "基本满意", "不满意"])
        driver.issue("rating", 4)
        driver.open("rating")
        projector.state("open")
        for n, mark in enumerate([[0, 1, 2], [0, 0, 2], [0, 1, None], [0, 1, 2]]):
            driver.cast("rating", n, mark)
        projector.cast_count(4)
        driver.close("rating")
        driver.decrypt("rating")
        driver.certify("rating")
        projector.state("certified")
        rows = projector.page.locator("table.ratings tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(0).locator(".rate")).to_have_text("100.0%")
        expect(rows.nth(0).locator(".outcome")).to_have_text("满意")
        expect(rows.nth(1).locator(".outcome")).to_have_text("基本满意")
        expect(rows.nth(2).locator(".outcome")).to_have_text("不满意")
        projector.shot("projector-4-rating.png")

        driver.define("motion", "motion", "关于2020年度民生实事项目的决议", cards=5)
        driver.issue("motion", 5)
        driver.open("motion")
        projector.state("open")
        for n, mark in enumerate(["yes", "yes", "yes", "no", "abstain"]):
            driver.cast("motion", n, mark)
        projector.cast_count(5)
        driver.close("motion")
        driver.decrypt("motion")
        driver.certify("motion")
        projector.state("certified")
        expect(projector.page.locator(".figure.yes .figure-value")).to_have_text("3")
        expect(projector.page.locator(".motion-verdict")).to_have_text("通过")
        expect(projector.page.locator(".agenda-item")).to_have_count(2)
        projector.shot("projector-5-motion.png")
        projector.assert_clean()


def test_casts_on_one_worker_reach_a_projector_on_the_other(
        context: BrowserContext, tmp_path: Path, postgres_schema_url: URL) -> None:
    url = postgres_schema_url.render_as_string(hide_password=False)
    with (running_server(url, tmp_path, workers=2, **NO_POLL) as server,
          _session(server, deputies=40, present=40, seed=b"browser-two-workers") as driver):
        driver.define("motion", "motion", "关于跨进程实时推送的决议", cards=40)
        driver.issue("motion", 40)
        driver.open("motion")
        projector = Projector(context, server.base, driver.session_id)
        projector.state("open")
        watched = projector.worker()
        elsewhere = 0
        for n in range(1, 41):
            # A new connection per cast, so the kernel may hand it to either worker.
            with httpx.Client(base_url=server.base, timeout=60) as fresh:
                answer = driver.cast("motion", n - 1, "yes", http=fresh)
            projector.cast_count(n)
            if answer.headers["x-worker"] != watched:
                elsewhere += 1
                if elsewhere >= 3:
                    break
        assert elsewhere >= 3, "every cast landed on the projector's own worker"
        assert projector.worker() == watched  # still the same websocket
        projector.shot("projector-6-two-workers.png")
        projector.assert_clean()


def test_the_projector_comes_back_after_the_server_restarts(context: BrowserContext,
                                                            tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voting.db'}"
    with running_server(url, tmp_path, **NO_POLL) as first:
        with _session(first, deputies=3, present=3, seed=b"browser-restart") as driver:
            driver.define("motion", "motion", "关于断线续传的决定", cards=3)
            driver.issue("motion", 3)
            driver.open("motion")
            driver.cast("motion", 0, "yes")
            cards = driver.cards
        projector = Projector(context, first.base, driver.session_id)
        projector.cast_count(1)
        port = int(first.base.rsplit(":", 1)[1])
        key = first.settings.secret().decode()
    expect(projector.page.locator("#link")).to_have_attribute("data-state", "reconnecting",
                                                              timeout=WAIT_MS)
    projector.shot("projector-7-reconnecting.png")
    with running_server(url, tmp_path, port=port, key=key, **NO_POLL) as second:
        expect(projector.page.locator("#link")).to_have_attribute("data-state", "live",
                                                                  timeout=WAIT_MS)
        engine = make_engine(url)
        try:
            with httpx.Client(base_url=second.base, timeout=60) as http:
                again = SessionDriver(http, engine, {}, driver.session_id,
                                      seeded_rng(b"browser-restart-2"), cards=cards)
                again.cast("motion", 1, "no")
        finally:
            engine.dispose()
        projector.cast_count(2)
        projector.assert_clean(allow=("ERR_CONNECTION_REFUSED", "WebSocket connection"))
