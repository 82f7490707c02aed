"""The kiosk in real Chromium against a real server: a card read by the camera, cast and
receipt; a spent card refused; an over-limit tap refused; a Benaloh audit checked by
`tally audit`; network faults retried; each refusal explained. Screenshots of every screen
go to test-output/kiosk/ (look at them: they must read right in Chinese)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, expect, sync_playwright

from tally.cli import main as tally_main
from tests.browser.kiosk_setup import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    KioskServer,
    card_video,
    kiosk_server,
    open_votes,
)

# Debian's chromium, fonts-noto-cjk and poppler-utils (make browser-deps): a skip on a
# laptop without them, a failure in CI.
_MISSING = [tool for tool in (CHROMIUM, "pdftoppm", "pdftotext") if not shutil.which(tool)]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(_MISSING) and not os.environ.get("CI"),
                       reason=f"not installed: {', '.join(_MISSING)}"),
]

SHOTS = ROOT / "test-output" / "kiosk"
LANDSCAPE = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}
SELECTION, RATING, MOTION = "projects-2019", "satisfaction-2019", "motion-budget"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KioskServer]:
    tmp = tmp_path_factory.mktemp("kiosk")
    with kiosk_server(tmp) as running:
        open_votes(running, tmp)
        yield running


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Chromium with no camera: the kiosk falls back to the typed backup code."""
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def camera_browser(playwright: Playwright, server: KioskServer,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Chromium whose camera films the first printed ballot card."""
    assert server.first_card_pdf is not None
    video = card_video(server.first_card_pdf, tmp_path_factory.mktemp("camera") / "card.y4m")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    yield launched
    launched.close()


class Kiosk:
    """One kiosk tab, with the problems it reported."""

    def __init__(self, browser: Browser, server: KioskServer, camera: bool = False) -> None:
        self.server = server
        context = browser.new_context(viewport=LANDSCAPE, locale="zh-CN", accept_downloads=True)
        if camera:
            context.grant_permissions(["camera"], origin=server.base)
        self.page: Page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", self._console)
        self.page.goto(f"{server.base}/kiosk/{server.session_id}?return_after=3")
        self.page.wait_for_selector("body[data-ready=true]")
        # about:blank, then the kiosk: the flow itself must never add an entry.
        self.history = self.page.evaluate("history.length")

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.errors.append(f"csp: {message.text}")

    def wait_until(self, expression: str, timeout: float = 15.0) -> None:
        """Poll ``expression`` (page.wait_for_function evaluates strings, which the CSP
        forbids; page.evaluate goes through the debugger protocol instead)."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            time.sleep(0.1)

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)

    def screen(self, name: str, timeout: float = 15_000) -> None:
        expect(self.page.locator(f"#screen-{name}")).to_be_visible(timeout=timeout)

    def type_card(self, code: str, vote_title: str | None = None) -> None:
        self.page.fill("#code-input", code)
        self.page.click("#code-form button[type=submit]")
        if vote_title is not None:
            self.screen("choose-vote")
            self.page.get_by_role("button", name=vote_title).click()

    def projects(self) -> Any:
        return self.page.locator("#ballot-body .project")

    def assert_nothing_left(self, *secrets_shown: str) -> None:
        """Back at idle, nothing of the last ballot is in the page, storage or history."""
        self.screen("idle")
        page = self.page
        expect(page.locator("[aria-pressed=true]:not(#text-size)")).to_have_count(0)
        for selector in ("#ballot-body", "#review-list", "#audit-choices", "#audit-qr"):
            expect(page.locator(f"{selector} > *")).to_have_count(0)
        html = page.content()
        for secret in secrets_shown:
            assert secret not in html
        traces = page.evaluate("""async () => ({
            local: localStorage.length, session: sessionStorage.length,
            history: history.length, cookie: document.cookie,
            idb: (await indexedDB.databases()).length, caches: (await caches.keys()).length,
            url: location.pathname + location.search,
            code: document.getElementById('code-input').value,
        })""")
        assert traces == {"local": 0, "session": 0, "history": self.history, "cookie": "", "idb": 0,
                          "caches": 0, "url": f"/kiosk/{self.server.session_id}?return_after=3",
                          "code": ""}
        assert self.errors == []

    def close(self) -> None:
        self.page.context.close()


def _vote_titles(server: KioskServer) -> dict[str, str]:
    with server.client() as http:
        votes = http.get(f"/api/sessions/{server.session_id}/votes").json()
    return {v["slug"]: v["title"] for v in votes}


def _cast_count(server: KioskServer, slug: str) -> int:
    return int(server.status(slug)["ballots_cast"])  # type: ignore[call-overload]


def test_card_read_by_camera_cast_receipt_then_spent_card_refused(
        camera_browser: Browser, server: KioskServer) -> None:
    kiosk = Kiosk(camera_browser, server, camera=True)
    page = kiosk.page
    kiosk.wait_until("document.getElementById('camera').readyState >= 2")
    kiosk.shot("01-idle-camera")
    # The printed card comes into view: its QR names the vote, the ballot opens.
    kiosk.screen("ballot")
    expect(page.locator("#ballot-title")).to_contain_text("13选10")
    expect(page.locator("#ballot-counter")).to_have_text("已选 0 / 最多 10")
    expect(kiosk.projects()).to_have_count(13)
    kiosk.shot("02-ballot-selection")
    for index in (0, 2, 4):
        kiosk.projects().nth(index).click()
    expect(page.locator("#ballot-counter")).to_have_text("已选 3 / 最多 10")
    kiosk.shot("03-ballot-marked")
    page.click("#ballot-next")
    kiosk.screen("review")
    expect(page.locator("#review-list li")).to_have_count(3)
    expect(page.locator("#review-count")).to_have_text("共选 3 项（最多 10 项）")
    kiosk.shot("04-review")
    page.click("#review-cast")
    kiosk.screen("receipt")
    tracking = page.locator("#tracking-code").inner_text().strip()
    kiosk.shot("05-receipt")
    with server.client() as http:
        entry = http.get(f"/api/sessions/{server.session_id}/votes/{SELECTION}/board/{tracking}")
    assert entry.status_code == 200 and entry.json()["seq"] == 1
    assert _cast_count(server, SELECTION) == 1
    # The receipt goes away by itself (?return_after=3) and takes the ballot with it.
    kiosk.assert_nothing_left(tracking)

    # The same card, scanned again, can still open a ballot (only the server knows it is
    # spent) — and its cast is refused, the ballot dropped.
    kiosk.screen("ballot")
    kiosk.projects().nth(1).click()
    page.click("#ballot-next")
    page.click("#review-cast")
    kiosk.screen("refusal")
    expect(page.locator("#refusal-text")).to_have_text("选票卡无效或已使用。请向工作人员求助。")
    kiosk.shot("06-refusal-spent-card")
    assert _cast_count(server, SELECTION) == 1
    page.click("#refusal-back")
    kiosk.screen("idle")
    assert kiosk.errors == []
    kiosk.close()


def test_over_limit_refused_audit_checked_then_cast(browser: Browser, server: KioskServer,
                                                    tmp_path: Path) -> None:
    kiosk = Kiosk(browser, server)
    page = kiosk.page
    titles = _vote_titles(server)
    expect(page.locator("#camera-off")).to_be_visible()
    expect(page.locator("#open-votes li")).to_have_count(3)
    kiosk.shot("10-idle-no-camera")
    # A typing slip is caught on the tablet.
    code = server.cards[SELECTION][1]
    kiosk.type_card(code[:-1] + ("0" if code[-1] != "0" else "1"))
    expect(page.locator("#card-error")).to_have_text("备用码有误，请核对后重新输入。")
    # Typed codes name no vote: with three open, the deputy picks one.
    page.fill("#code-input", code.lower().replace("-", " "))
    page.click("#code-form button[type=submit]")
    kiosk.screen("choose-vote")
    kiosk.shot("11-choose-vote")
    page.get_by_role("button", name=titles[SELECTION]).click()
    kiosk.screen("ballot")

    for index in range(10):
        kiosk.projects().nth(index).click()
    expect(page.locator("#ballot-counter")).to_have_text("已选 10 / 最多 10")
    kiosk.projects().nth(10).click()  # the eleventh: refused
    expect(page.locator("#ballot-message")).to_have_text(
        "最多只能选 10 项。如需改选，请先取消一项。")
    expect(kiosk.projects().nth(10)).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#ballot-counter")).to_have_text("已选 10 / 最多 10")
    kiosk.shot("12-over-limit")
    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#ballot-counter")).to_have_text("Chosen 10 / at most 10")
    expect(page.locator("#ballot-message")).to_contain_text("at most 10")
    kiosk.shot("13-over-limit-english")
    page.click("#lang-switch")
    expect(page.locator("#ballot-counter")).to_have_text("已选 10 / 最多 10")
    page.click("#text-size")
    page.set_viewport_size(PORTRAIT)
    kiosk.shot("14-ballot-portrait-large-text")
    page.set_viewport_size(LANDSCAPE)
    page.click("#text-size")

    kiosk.projects().nth(9).click()  # take one back: 9 chosen
    page.click("#ballot-next")
    kiosk.screen("review")
    page.click("#review-audit")
    kiosk.screen("audit")
    expect(page.locator("#audit-self-check")).to_be_visible()
    expect(page.locator("#audit-qr svg")).to_have_count(1)
    kiosk.shot("15-audit")
    with page.expect_download() as info:
        page.click("#audit-download")
    audit_file = tmp_path / info.value.suggested_filename
    info.value.save_as(audit_file)
    document = json.loads(audit_file.read_text(encoding="utf-8"))
    assert document["choices"] == [1] * 9 + [0] * 4
    assert tally_main(["audit", str(audit_file)]) == 0  # the offline check passes
    assert _cast_count(server, SELECTION) <= 1  # the audited ballot was not cast
    before = _cast_count(server, SELECTION)

    page.click("#audit-continue")
    kiosk.screen("review")
    expect(page.locator("#audit-qr > *")).to_have_count(0)
    page.click("#review-cast")
    kiosk.screen("receipt")
    tracking = page.locator("#tracking-code").inner_text().strip()
    with server.client() as http:
        entry = http.get(f"/api/sessions/{server.session_id}/votes/{SELECTION}/board/{tracking}")
    assert entry.status_code == 200
    audited_hash = page.evaluate("""async (ballot) => {
        const { EncryptedBallot } = await import('/static/js/crypto/index.js');
        return Array.from(EncryptedBallot.fromJson(ballot).ballotHash(),
                          (b) => b.toString(16).padStart(2, '0')).join('');
    }""", document["ballot"])
    assert entry.json()["ballot_hash"] != audited_hash  # encrypted afresh, never the audited one
    assert _cast_count(server, SELECTION) == before + 1
    page.click("#receipt-done")
    kiosk.assert_nothing_left(tracking, document["opening"]["nonces"][0])
    kiosk.close()


def test_network_faults_are_retried_with_the_same_ballot(browser: Browser,
                                                         server: KioskServer) -> None:
    kiosk = Kiosk(browser, server)
    page = kiosk.page
    kiosk.type_card(server.cards[MOTION][0], _vote_titles(server)[MOTION])
    kiosk.screen("ballot")
    expect(page.locator(".motion-choice")).to_have_count(3)
    page.get_by_role("button", name="赞成").click()
    kiosk.shot("20-ballot-motion")
    page.click("#ballot-next")
    kiosk.screen("review")

    sent: list[dict[str, Any]] = []
    first_answer: dict[str, Any] = {}

    def flaky(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        if len(sent) == 1:  # the server gets it, the answer is lost
            first_answer.update(route.fetch().json())
            route.abort("connectionreset")
        elif len(sent) == 2:  # the network is down
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/ballots", flaky)
    page.click("#review-cast")
    expect(page.locator("#working-text")).to_contain_text("网络中断，正在重试")
    kiosk.shot("21-retrying")
    kiosk.screen("receipt")
    tracking = page.locator("#tracking-code").inner_text().strip()
    assert len(sent) == 3 and sent[0] == sent[1] == sent[2]  # one encrypted ballot, resent
    assert tracking == first_answer["tracking_code"]
    assert _cast_count(server, MOTION) == 1
    page.unroute("**/ballots")
    page.click("#receipt-done")
    kiosk.assert_nothing_left(tracking)
    kiosk.close()


def test_refusals_are_explained(browser: Browser, server: KioskServer) -> None:
    kiosk = Kiosk(browser, server)
    page = kiosk.page
    titles = _vote_titles(server)

    # A tablet that sends a broken ballot: the ballot box refuses it.
    kiosk.type_card(server.cards[MOTION][1], titles[MOTION])
    page.get_by_role("button", name="反对").click()
    page.click("#ballot-next")

    def tamper(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        selections = body["ballot"]["selections"]
        selections[0]["ciphertext"], selections[1]["ciphertext"] = (
            selections[1]["ciphertext"], selections[0]["ciphertext"])
        route.continue_(post_data=json.dumps(body))

    page.route("**/ballots", tamper)
    page.click("#review-cast")
    kiosk.screen("refusal")
    expect(page.locator("#refusal-text")).to_have_text(
        "选票未通过校验，没有被接受。请向工作人员求助。")
    kiosk.shot("22-refusal-broken-ballot")
    page.unroute("**/ballots")
    page.click("#lang-switch")
    expect(page.locator("#refusal-text")).to_contain_text("did not pass its checks")
    page.click("#refusal-back")
    kiosk.screen("idle")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")  # next deputy: default

    # The vote closes while a deputy is still marking: the cast is refused.
    kiosk.type_card(server.cards[RATING][0], titles[RATING])
    kiosk.screen("ballot")
    grades = page.locator("#ballot-body .rating-item")
    expect(grades).to_have_count(10)
    grades.nth(0).get_by_role("button", name="满意", exact=True).click()
    grades.nth(1).get_by_role("button", name="不满意").click()
    grades.nth(2).get_by_role("button", name="基本满意").click()
    grades.nth(2).get_by_role("button", name="基本满意").click()  # tapped again: abstain
    kiosk.shot("30-ballot-rating")
    page.click("#ballot-next")
    kiosk.screen("review")
    expect(page.locator("#review-list li .mark")).to_have_count(10)
    expect(page.locator("#review-list li .mark").nth(2)).to_have_text("未评价（弃权）")
    kiosk.shot("31-review-rating")
    with server.client() as http:
        http.post(f"/api/sessions/{server.session_id}/votes/{RATING}/close").raise_for_status()
    page.click("#review-cast")
    kiosk.screen("refusal")
    expect(page.locator("#refusal-text")).to_have_text("该表决当前未开放投票。请向工作人员求助。")
    kiosk.shot("32-refusal-vote-closed")
    page.click("#refusal-back")
    kiosk.assert_nothing_left()
    kiosk.close()
