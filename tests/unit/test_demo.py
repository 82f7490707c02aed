"""The sample session: generated roster, idempotent loading, `voting demo --no-serve`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from voting import cli
from voting.app import create_app
from voting.db import make_engine, session_scope
from voting.demo import SAMPLE_CODE, find_scenario, generate_roster, load_sample
from voting.models import AuditEntry, Candidate, CongressSession, Deputy, Vote
from voting.settings import Settings

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "contract"


def scenario() -> dict[str, object]:
    data: dict[str, object] = json.loads(find_scenario().read_text(encoding="utf-8"))
    return data


def counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as db:
        return {
            table.__name__: db.exec(select(func.count()).select_from(table)).one()
            for table in (CongressSession, Deputy, Candidate, Vote, AuditEntry)
        }


def test_shipped_copy_matches_the_shared_scenario() -> None:
    shipped = Path(__file__).resolve().parents[2] / "voting" / "sample" / "zixing-2019.json"
    shared = SHARED / "example-zixing-2019.json"
    if not shared.is_file():
        pytest.skip("no shared/contract next to this checkout")
    assert json.loads(shipped.read_text("utf-8")) == json.loads(shared.read_text("utf-8"))


def test_roster_is_deterministic_and_well_formed() -> None:
    roster = generate_roster(230, 2019, scrutineers=5)
    assert roster == generate_roster(230, 2019, scrutineers=5)
    assert roster != generate_roster(230, 2020, scrutineers=5)
    assert len(roster) == 230
    assert len({d.name for d in roster}) == 230
    assert len({d.seat for d in roster}) == 230
    assert sum(d.is_presidium for d in roster) == 21
    assert sum(d.is_scrutineer for d in roster) == 5
    assert sum(d.is_chief_scrutineer for d in roster) == 1
    assert not any(d.is_presidium and d.is_scrutineer for d in roster)
    delegations = Counter(d.delegation for d in roster)
    assert len(delegations) >= 10 and all(name.endswith("代表团") for name in delegations)
    assert all(2 <= len(d.name) <= 3 for d in roster)


def test_loading_twice_neither_fails_nor_duplicates(db_engine: Engine) -> None:
    with session_scope(db_engine) as db:
        first = load_sample(db, scenario())
    before = counts(db_engine)
    with session_scope(db_engine) as db:
        second = load_sample(db, scenario())
    assert first.created and not second.created
    assert first.session_id == second.session_id
    assert counts(db_engine) == before == {
        "CongressSession": 1, "Deputy": 230, "Candidate": 13, "Vote": 3, "AuditEntry": 1,
    }
    with session_scope(db_engine) as db:
        assert {v.state for v in db.exec(select(Vote))} == {"draft"}
        session = db.exec(select(CongressSession)).one()
    assert session.code == SAMPLE_CODE and session.deputies_total == 230


def test_demo_mode_shows_its_banner(db_engine: Engine, db_url: str) -> None:
    with TestClient(create_app(Settings(database_url=db_url, mode="demo"))) as client:
        assert "演示模式" in client.get("/").text


def test_find_scenario_prefers_explicit_then_shared(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = tmp_path / "mine.json"
    assert find_scenario(explicit) == explicit
    work = tmp_path / "repo"
    (tmp_path / "shared" / "contract").mkdir(parents=True)
    work.mkdir()
    shared = tmp_path / "shared" / "contract" / "example-zixing-2019.json"
    shared.write_text("{}")
    monkeypatch.chdir(work)
    assert find_scenario() == shared


def test_voting_demo_no_serve_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'voting.db'}"
    monkeypatch.setenv("VOTING_DATABASE_URL", url)
    monkeypatch.setenv("VOTING_MODE", "production")  # demo must switch to demo by itself
    monkeypatch.delenv("VOTING_SECRET_KEY", raising=False)
    assert cli.main(["demo", "--no-serve"]) == 0
    assert "loaded" in capsys.readouterr().out
    assert cli.main(["demo", "--no-serve"]) == 0
    assert "already present" in capsys.readouterr().out
    engine = make_engine(url)
    try:
        assert counts(engine)["Deputy"] == 230
    finally:
        engine.dispose()
