"""The secretariat console from an empty database to a certified result, on SQLite and
PostgreSQL, through the endpoints the console's pages use, as the browser uses them: the
login form, the session cookie, the CSRF header, file uploads, the cards PDF. The
scrutineers use their own ``keys`` command (in process, its HTTP to the same app); the
tablets are the Python tablet client. Nothing outside the console's reach is touched."""

from __future__ import annotations

import base64
import io
import json
import re
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine

from keys.cli import Environment
from keys.cli import main as keys_main
from keys.storage import ScryptParams
from tally.election import ElectionContext
from tally.group import Point
from tally.manifest import Manifest
from tally.rng import seeded_rng
from tally.verify import verify_record
from tally.vote_spec import VoteSpec
from tests.scrutineer_http import in_process_transport
from voting import accounts
from voting.app import create_app
from voting.db import session_scope
from voting.settings import Settings
from voting.tablet import choices_for, encrypt_attempt

ROSTER = """姓名,代表团,座位,主席团成员,监票人,总监票人
刘一,东江代表团,1排1座,是,否,否
陈二,东江代表团,1排2座,否,是,是
张三,唐洞代表团,1排3座,否,是,否
李四,唐洞代表团,1排4座,否,是,否
王五,三都代表团,1排5座,否,否,否
"""
CANDIDATES = """序号,项目名称,投资额,项目简介
1,农村安全饮水巩固提升工程,4860万元,饮水安全
2,城区学校扩容建设,9200万元,新增学位
3,乡镇卫生院标准化建设,2600万元,基层诊疗
4,城乡公交一体化,3100万元,通客车
"""
PASSPHRASE = "秘书处认证口令-2019"
_BACKUP_CODE = re.compile(rb"\(([0-9A-Z]{4}(?:-[0-9A-Z]{4}){6})\) Tj")


def backup_codes(pdf: bytes) -> list[str]:
    """The backup codes printed on the cards, read off the PDF as a person reads the card."""
    codes = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = match.group(1).strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data[:-2])
        try:
            content = zlib.decompress(data)
        except zlib.error:
            continue
        codes.extend(code.decode() for code in _BACKUP_CODE.findall(content))
    return codes


class Browser:
    """What the console's pages do: a cookie jar, and the CSRF token from the page."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def page(self, path: str) -> str:
        answer = self.client.get(path)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")
        found = re.search(r'<meta name="csrf-token" content="([^"]*)">', answer.text)
        if found and found[1]:
            self.csrf = found[1]
        return answer.text

    def act(self, path: str, body: Any = None, *, files: Any = None, data: Any = None,
            expect: int = 200) -> Any:
        headers = {"x-csrf-token": self.csrf}
        if files is not None:
            answer = self.client.post(path, files=files, data=data, headers=headers)
        else:
            answer = self.client.post(path, json=body if body is not None else {},
                                      headers=headers)
        assert answer.status_code == expect, f"{path}: {answer.status_code} {answer.text}"
        return answer

    def json(self, path: str, body: Any = None, expect: int = 200) -> Any:
        return self.act(path, body, expect=expect).json()


@pytest.fixture
def app_clients(db_engine: Engine, settings: Settings,
                tmp_path: Path) -> Iterator[tuple[TestClient, TestClient, Settings]]:
    settings = settings.model_copy(update={"data_dir": tmp_path / "var"})
    app = create_app(settings)
    # One client runs the app's lifespan (its live-update hub); the devices' client, with
    # no cookies of its own, only sends requests to the same app.
    with TestClient(app, follow_redirects=False) as staff:
        yield staff, TestClient(app), settings


def _keys(args: list[str], devices: TestClient, out: io.StringIO | None = None) -> int:
    env = Environment(rng=seeded_rng(json.dumps(args).encode()), clock=time.time,
                      sleep=lambda s: None, transport=in_process_transport(devices),
                      out=out or io.StringIO(), ask=lambda p: "no",
                      ask_secret=lambda p: "", scrypt=ScryptParams(n=2**14))
    return keys_main(args, env)


def _no_counts(text: str) -> None:
    for word in ('"counts"', '"elected"', '"result"', "当选"):
        assert word not in text, f"{word} before certification"


def test_console_walkthrough(app_clients: tuple[TestClient, TestClient, Settings],
                             db_engine: Engine, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    staff, devices, _ = app_clients
    with session_scope(db_engine) as db:  # `voting create-operator 秘书甲`
        accounts.create_account(db, "秘书甲", "operator-password", accounts.AccountRole.OPERATOR,
                                "cli")
    browser = Browser(staff)

    # --- log in ------------------------------------------------------------------------
    assert staff.get("/console").status_code == 303
    login = staff.get("/console/login?next=/console")
    form_token = re.search(r'name="form_token" value="([^"]+)"', login.text)
    assert form_token is not None
    answer = staff.post("/console/login", data={"name": "秘书甲", "password": "operator-password",
                                                 "form_token": form_token[1], "next": "/console"})
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    browser.page("/console")
    assert browser.csrf

    # --- the session, its roster and candidates ----------------------------------------
    session = browser.json("/api/sessions", {"title": "测试镇第一届人民代表大会第一次会议",
                                             "level": "township", "deputies_total": 5},
                           expect=201)
    sid = session["id"]
    base = f"/api/sessions/{sid}"
    assert "测试镇第一届" in browser.page(f"/console/sessions/{sid}")
    bad = browser.act(f"{base}/roster", files={"file": ("名单.csv", "姓名\n刘一\n".encode())},
                      expect=422)
    assert bad.json()["error"]["code"] == "import.invalid_rows"
    browser.act(f"{base}/roster", files={"file": ("名单.csv", ROSTER.encode("utf-8-sig"))},
                expect=201)
    imported = browser.act(f"{base}/candidate-lists",
                           files={"file": ("projects.csv", CANDIDATES.encode())},
                           data={"title": "2019年度民生实事候选项目"}, expect=201).json()
    roster_page = browser.page(f"/console/sessions/{sid}/roster")
    assert "陈二" in roster_page and "城乡公交一体化" in roster_page

    # --- scrutineers: keys made on their own devices, registered by the secretariat -----
    monkeypatch.setenv("DEVICE_PASS", "scrutineer passphrase")
    files = [tmp_path / f"scrutineer-{i}.json" for i in (1, 2, 3)]
    for i, (path, name) in enumerate(zip(files, ["陈二", "张三", "李四"], strict=True), 1):
        out = io.StringIO()
        assert _keys(["init", str(path), "--name", name, "--passphrase-env", "DEVICE_PASS"],
                     devices, out) == 0
        handed = json.loads(out.getvalue().strip().splitlines()[-1])
        browser.json(f"{base}/scrutineers", {"index": i, **handed}, expect=201)
    assert browser.json(f"{base}/ceremony", {"n": 3, "k": 2}, expect=201)["k"] == 2
    server = ["--server", "http://testserver", "--session", str(sid), "--passphrase-env",
              "DEVICE_PASS"]
    finished: set[int] = set()
    for _ in range(4):  # each run does what it can; the others catch up in between
        for i, path in enumerate(files, 1):
            if i not in finished:
                status = _keys(["ceremony", str(path), *server, "--wait", "0"], devices)
                assert status in (0, 3)
                if status == 0:
                    finished.add(i)
    assert finished == {1, 2, 3}
    browser.json(f"{base}/ceremony/complete")
    browser.json(f"{base}/certification-key", {"passphrase": PASSPHRASE}, expect=201)
    keys_page = browser.page(f"/console/sessions/{sid}/keys")
    assert "密钥仪式已完成" in keys_page and "keys init" in keys_page

    # --- check-in desk -----------------------------------------------------------------
    deputies = staff.get(f"{base}/deputies").json()
    for deputy in deputies[:4]:
        browser.json(f"{base}/attendance", {"deputy_id": deputy["id"]}, expect=201)
    assert browser.json(f"{base}/attendance", {"deputy_id": deputies[0]["id"]},
                        expect=409)["error"]["code"] == "conflict"
    assert "已报到" in browser.page(f"/console/sessions/{sid}/checkin")

    # --- define the vote, prepare it, print and hand out cards, open ---------------------
    names = [c["name"] for c in staff.get(f"{base}/candidates").json()[0]["candidates"]]
    vote = browser.json(f"{base}/votes", {
        "slug": "projects-2019", "kind": "selection", "title": "2019年度民生实事项目票决",
        "options": names, "select_min": 0, "select_max": 2,
        "threshold_rule": "majority_of_all", "candidate_list_id": imported["list_id"]},
        expect=201)
    v = f"{base}/votes/{vote['slug']}"
    page = f"/console/sessions/{sid}/votes/{vote['slug']}"
    assert "生成本表决密钥" in browser.page(page)
    browser.json(f"{v}/prepare")
    pdf = browser.act(f"{v}/cards", {"count": 5})
    assert pdf.headers["content-type"] == "application/pdf"
    codes = backup_codes(pdf.content)
    assert len(codes) == 5 and len(set(codes)) == 5
    for code in codes[:4]:  # the desk scans each card it hands out; one stays unissued
        assert browser.json(f"{v}/cards/issue", {"card": code})["cards"]["issued"] >= 1
    refused = browser.act(f"{v}/cards/issue", {"card": codes[0]}, expect=403)
    assert refused.json()["error"]["code"] == "card.rejected"
    browser.json(f"{v}/open")
    _no_counts(browser.page(page))

    # --- deputies vote on the tablets ----------------------------------------------------
    election = staff.get(f"{v}/election").json()
    ctx = ElectionContext(Manifest.from_json(election["manifest"]),
                          Point.from_hex(election["public_key"]),
                          bytes.fromhex(election["election_hash"]))
    spec = VoteSpec.from_json({"session": election["session"], "vote": election["vote"]})
    rng = seeded_rng(b"tablets")
    for code, marks in zip(codes[:4], [[0, 1], [0, 1], [0, 2], [0, 3]], strict=True):
        vector, valid = choices_for(spec, marks)
        cast = devices.post(f"{v}/ballots", json={
            "card": code, "ballot": encrypt_attempt(ctx, vector, valid, rng).to_json()})
        assert cast.status_code == 201, cast.text

    # --- close, count by the scrutineers, certify -----------------------------------------
    browser.json(f"{v}/close")
    progress = staff.get(f"{v}/progress").json()
    assert progress["shares"] == [] and progress["cards"]["void"] == 1
    _no_counts(json.dumps(progress))
    _no_counts(browser.page(page))
    vote_server = [*server, "--vote", vote["slug"]]
    for path in files[:2]:
        assert _keys(["decrypt", str(path), *vote_server], devices) == 0
    assert staff.get(f"{v}/progress").json()["shares"] == [1, 2]
    wrong = browser.act(f"{v}/certify", {"passphrase": PASSPHRASE}, expect=409)
    assert wrong.json()["error"]["code"] == "state.not_ready"  # scrutineers have not signed
    shown = io.StringIO()
    assert _keys(["sign", str(files[0]), *vote_server], devices, shown) == 1  # answered "no"
    assert "农村安全饮水巩固提升工程: 4 当选" in shown.getvalue()
    for path in files[:2]:
        assert _keys(["sign", str(path), *vote_server, "--yes"], devices) == 0
    browser.act(f"{v}/certify", {"passphrase": "not the passphrase"}, expect=409)
    done = browser.json(f"{v}/certify", {"passphrase": PASSPHRASE})
    assert done["state"] == "certified"
    assert done["result"]["counts"] == [4, 2, 1, 1] and done["result"]["elected"] == [0]
    assert done["result"]["shortfall"]["seats"] == 1
    result_page = browser.page(page)
    assert "当选" in result_page and "须另行选举" in result_page and "创建另行表决" in result_page

    # --- publish the record, and the further vote ----------------------------------------
    published = browser.json(f"{v}/publish")
    directory = Path(published["directory"])
    record = {p.name: p.read_bytes() for p in directory.iterdir()}
    verified = verify_record(record, workers=1)
    assert verified.ballots == 4
    runoff = browser.json(f"{v}/runoff", expect=201)
    assert runoff["parent_vote_id"] == vote["id"] and runoff["select_max"] == 1
    assert "（另行选举）" in browser.page(f"/console/sessions/{sid}/votes/{runoff['slug']}")
    assert "创建另行表决" not in browser.page(page)  # made once

    # --- every step is in the audit log --------------------------------------------------
    actions = {e["action"] for e in staff.get(f"/api/audit?session={sid}&limit=500")
               .json()["entries"]}
    for action in ("session.created", "roster.imported", "candidates.imported",
                   "ceremony.scrutineer_registered", "ceremony.begun", "ceremony.completed",
                   "session.key_created", "deputy.checked_in", "vote.created",
                   "vote.keys_ready", "cards.printed", "cards.issued", "vote.open",
                   "vote.closed", "vote.share_received", "vote.counted",
                   "vote.certificate_signed", "vote.certified", "record.published",
                   "vote.runoff_created"):
        assert action in actions, action
    audit_page = browser.page(f"/console/audit?session={sid}")
    assert "record.published" in audit_page and "秘书甲" in audit_page

    # --- log out ---------------------------------------------------------------------------
    assert staff.post("/api/auth/logout", headers={"x-csrf-token": browser.csrf}
                      ).status_code == 204
    after: Response = staff.get("/console")
    assert after.status_code == 303
