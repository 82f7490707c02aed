"""The secretariat console in a real Chromium against `voting demo` (a real server process,
the sample session, the demo login): log in, hold the key ceremony with the demo-only
scrutineer button, make the certification key, check deputies in, define a vote, print its
cards, activate them at the desk, open, close, count, certify and publish.

Screenshots go to test-output/console/ (look at them when something changes).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tally.election import ElectionContext
from tally.group import Point
from tally.manifest import Manifest
from tally.rng import seeded_rng
from tally.vote_spec import VoteSpec
from tests.integration.test_console_walkthrough import backup_codes
from voting.demo import DEMO_OPERATOR_NAME, DEMO_OPERATOR_PASSWORD
from voting.tablet import choices_for, encrypt_attempt

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output" / "console"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STARTUP_SECONDS = 60
PASSPHRASE = "演示认证口令-2019"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`voting demo` in a fresh directory: the sample session, the demo login, served."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make browser-deps)")
    cwd = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOTING_")}
    env["PYTHONPATH"] = str(ROOT)
    log = (cwd / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "voting", "demo", "--port", str(port)],
                               cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail((cwd / "server.log").read_text())
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("voting demo did not come up")
            time.sleep(0.3)
        printed = (cwd / "server.log").read_text(encoding="utf-8", errors="replace")
        assert f"password: {DEMO_OPERATOR_PASSWORD}" in printed  # the demo tells its login
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser_page(demo_server: str) -> Iterator[Page]:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, locale="zh-CN",
                                      viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("dialog", lambda dialog: dialog.accept())
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        yield page
        context.close()
        browser.close()
        assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def _shot(page: Page, name: str, *, full: bool = True) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)


def _cast(base: str, sid: int, slug: str, codes: list[str], choices: list[str]) -> None:
    """Deputies at the tablets (the Python tablet client; the kiosk page is its own test)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        election = http.get(f"/api/sessions/{sid}/votes/{slug}/election").json()
        ctx = ElectionContext(Manifest.from_json(election["manifest"]),
                              Point.from_hex(election["public_key"]),
                              bytes.fromhex(election["election_hash"]))
        spec = VoteSpec.from_json({"session": election["session"], "vote": election["vote"]})
        rng = seeded_rng(b"browser-tablets")
        for code, choice in zip(codes, choices, strict=True):
            vector, valid = choices_for(spec, choice)
            answer = http.post(f"/api/sessions/{sid}/votes/{slug}/ballots", json={
                "card": code, "ballot": encrypt_attempt(ctx, vector, valid, rng).to_json()})
            assert answer.status_code == 201, answer.text


def test_the_console_runs_a_vote(demo_server: str, browser_page: Page) -> None:
    base, page = demo_server, browser_page

    # Log in (a wrong password first).
    page.goto(f"{base}/console")
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.fill('input[name="name"]', DEMO_OPERATOR_NAME)
    page.fill('input[name="password"]', "not-the-password")
    page.click('button[type="submit"]')
    expect(page.locator("p.error")).to_contain_text("用户名或密码错误")
    _shot(page, "01-login-refused")
    page.fill('input[name="password"]', DEMO_OPERATOR_PASSWORD)
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{base}/console")
    _shot(page, "02-sessions")

    # The sample session.
    page.click("text=资兴市第十七届人民代表大会第四次会议")
    expect(page.locator("h1")).to_contain_text("资兴市")
    found = re.search(r"/sessions/(\d+)", page.url)
    assert found is not None
    sid = int(found[1])
    _shot(page, "03-session")

    # Key ceremony (demo-only helper), then the certification key.
    page.click("text=监票人与密钥")
    page.click("#demo-ceremony button")
    expect(page.locator("text=密钥仪式已完成")).to_be_visible(timeout=60_000)
    page.fill("#cert-key input[name=passphrase]", PASSPHRASE)
    page.fill("#cert-key input[name=passphrase_again]", PASSPHRASE)
    page.click("#cert-key button")
    expect(page.locator("text=已生成。公钥指纹")).to_be_visible()
    _shot(page, "04-keys")

    # Check-in desk: three deputies arrive.
    page.click("text=报到与发卡")
    for _ in range(3):
        page.locator("#desk button", has_text="报到").first.click()
        page.wait_for_timeout(300)
    expect(page.locator("#present-count")).to_have_text("3")
    _shot(page, "05-desk", full=False)

    # Define a vote.
    page.click("text=概览与表决")
    page.click("summary")
    page.select_option('#new-vote select[name="kind"]', "motion")
    page.fill('#new-vote input[name="title"]', "关于浏览器测试的决议")
    page.fill('#new-vote input[name="slug"]', "motion-browser")
    _shot(page, "06-new-vote")
    page.click("#new-vote button.primary")
    expect(page).to_have_url(re.compile(r"/votes/motion-browser$"))
    vote_url = page.url

    # Prepare, print the cards, activate them at the desk.
    page.click("#prepare button")
    expect(page.locator("ol.stepper li.current")).to_have_text("密钥就绪")
    page.fill('#print-cards input[name="count"]', "3")
    with page.expect_download() as download:
        page.click("#print-cards button")
    pdf_path = OUT / "cards.pdf"
    download.value.save_as(pdf_path)
    codes = backup_codes(pdf_path.read_bytes())
    assert len(codes) == 3
    _shot(page, "07-cards-printed")
    page.goto(f"{base}/console/sessions/{sid}/checkin?vote=motion-browser")
    for number, code in enumerate(codes, 1):
        page.fill('#activate-card input[name="card"]', code)
        page.press('#activate-card input[name="card"]', "Enter")
        expect(page.locator("#activate-card output")).to_contain_text(
            f"已发出 {number} 张")
    _shot(page, "08-cards-activated", full=False)

    # Open; deputies vote; close.
    page.goto(vote_url)
    page.click("#open-vote button")
    expect(page.locator("ol.stepper li.current")).to_have_text("投票中")
    _shot(page, "09-open")
    _cast(base, sid, "motion-browser", codes, ["yes", "yes", "no"])
    page.reload()
    expect(page.locator("#cards-spent")).to_have_text("3")
    page.click("#close-vote button")
    expect(page.locator("ol.stepper li.current")).to_have_text("已关闭·待计票")
    assert page.locator("#result").count() == 0  # no result before certification
    _shot(page, "10-closed")

    # Count: the scrutineers' shares arrive from elsewhere (here the demo helper, called
    # outside this page); the page notices by itself and moves on.
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    given = page.request.post(f"{base}/api/sessions/{sid}/votes/motion-browser/demo/decrypt",
                              headers={"x-csrf-token": csrf})
    assert given.ok, given.text()
    expect(page.locator("ol.stepper li.current")).to_have_text("已计票·待签署",
                                                               timeout=15_000)
    # Sign, certify, publish.
    page.click("#demo-sign button")
    expect(page.locator("#certify button")).to_be_enabled()
    _shot(page, "11-signed")
    page.fill('#certify input[name="passphrase"]', PASSPHRASE)
    page.click("#certify button")
    expect(page.locator("#result")).to_contain_text("赞成")
    expect(page.locator("#result")).to_contain_text("未通过")
    page.click("#publish button")
    expect(page.locator("#publish output")).to_contain_text("已发布")
    _shot(page, "12-certified")

    # The audit log has it all.
    page.click("text=操作日志")
    expect(page.locator("#audit")).to_contain_text("vote.certified")
    _shot(page, "13-audit")

    # English works too.
    page.goto(f"{vote_url}?lang=en")
    expect(page.locator("ol.stepper li.current")).to_have_text("Certified")
    _shot(page, "14-english")
