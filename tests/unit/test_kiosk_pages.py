"""The kiosk pages: served with a strict CSP, no inline script or style, no third-party
origin, and every text the page or its modules show present in both catalogues."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from voting.app import create_app
from voting.db import make_engine, migrate, session_scope
from voting.demo import find_scenario, load_sample
from voting.i18n import catalog
from voting.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
KIOSK_JS = ROOT / "kiosk_ui" / "static" / "js" / "kiosk"
TEMPLATES = ROOT / "kiosk_ui" / "templates" / "kiosk"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    engine = make_engine(url)
    migrate(engine)
    scenario = json.loads(find_scenario().read_text(encoding="utf-8"))
    with session_scope(engine) as db:
        load_sample(db, scenario)
    engine.dispose()
    settings = Settings(database_url=url, mode="production", secret_key=secrets.token_urlsafe(32))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_handlers: list[str] = []
        self.styles: list[str] = []
        self.i18n_keys: set[str] = set()
        self.urls: list[str] = []
        self._in_script = False
        self.script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
            self._in_script = True
        for name, value in attrs:
            if name.startswith("on"):
                self.inline_handlers.append(name)
            if name == "style":
                self.styles.append(value or "")
            if name in ("data-i18n", "data-i18n-label") and value:
                self.i18n_keys.add(value)
            if name in ("src", "href") and value:
                self.urls.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_kiosk_page_is_locked_down(client: TestClient) -> None:
    response = client.get("/kiosk/1")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["cache-control"] == "no-store"
    page = _parse(response.text)
    assert page.scripts == [{"type": "module", "src": "/static/js/kiosk/main.js"}]
    assert page.script_text.strip() == ""
    assert page.inline_handlers == [] and page.styles == []
    assert all(u.startswith(("/", "#")) for u in page.urls), page.urls
    assert '<html lang="zh-CN">' in response.text
    assert 'data-session-id="1"' in response.text and 'data-return-seconds="20"' in response.text
    assert "请扫描选票卡" in response.text and "资兴市" in response.text


def test_english_and_return_time(client: TestClient) -> None:
    response = client.get("/kiosk/1?lang=en&return_after=5")
    assert '<html lang="en">' in response.text and "Please scan your ballot card" in response.text
    assert 'data-return-seconds="5"' in response.text
    assert client.get("/kiosk/1?return_after=1").status_code == 422


def test_choose_session_and_missing_session(client: TestClient) -> None:
    page = client.get("/kiosk")
    assert page.status_code == 200 and 'href="/kiosk/1"' in page.text
    assert client.get("/kiosk/99").status_code == 404


def test_messages_cover_every_key_the_kiosk_uses(client: TestClient) -> None:
    messages = client.get("/kiosk/messages.json").json()
    assert set(messages) == {"zh-CN", "en"}
    assert set(messages["zh-CN"]) == set(messages["en"])
    assert all(k.startswith("kiosk.") for k in messages["en"])
    used = _parse(client.get("/kiosk/1").text).i18n_keys
    for script in KIOSK_JS.glob("*.js"):
        used |= set(re.findall(r"'(kiosk\.[a-z_.]+[a-z])'", script.read_text(encoding="utf-8")))
    # keys built at run time: per kind, per motion choice
    used -= {"kiosk.ballot.", "kiosk.motion."}
    used |= {f"kiosk.ballot.{k}.instructions" for k in ("rating", "motion")}
    used |= {f"kiosk.motion.{c}" for c in ("yes", "no", "abstain")}
    missing = sorted(k for k in used if k not in catalog("zh-CN") and k != "kiosk.")
    assert missing == []


def test_no_third_party_origin_in_kiosk_files() -> None:
    allowed = {"http://www.w3.org/2000/svg"}
    for path in [*KIOSK_JS.glob("*.js"), *TEMPLATES.glob("*.html"),
                 ROOT / "kiosk_ui" / "static" / "css" / "kiosk.css"]:
        found = set(re.findall(r"https?://[^\s'\"`)]+", path.read_text(encoding="utf-8")))
        assert found <= allowed, (path.name, found - allowed)


def test_static_modules_are_served(client: TestClient) -> None:
    for path in ("/static/js/kiosk/main.js", "/static/js/kiosk/qr_worker.js",
                 "/static/vendor/jsqr/jsQR.js", "/static/vendor/uqr/uqr.js",
                 "/static/css/kiosk.css", "/static/js/crypto/index.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        if path.endswith(".js"):
            assert "javascript" in response.headers["content-type"], path
