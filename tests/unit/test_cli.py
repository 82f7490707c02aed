"""The `voting` command: registry, migrate, create-session, imports."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from voting import cli


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VOTING_DATABASE_URL", f"sqlite:///{tmp_path / 'v.db'}")
    monkeypatch.setenv("VOTING_MODE", "production")
    monkeypatch.setenv("VOTING_SECRET_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("VOTING_LANG", "en")
    return tmp_path


def test_registry_lists_modules_with_add_parser() -> None:
    parser = cli.build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert {"migrate", "create-session", "import-roster", "import-candidates", "serve",
            "demo"} <= commands
    assert len(cli.COMMAND_MODULES) <= 10


def test_session_import_flow(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate"]) == 0
    assert cli.main(["create-session", "--title", "某镇人代会", "--level", "township",
                     "--deputies-total", "60", "--code", "mouzhen-2024"]) == 0
    roster = env / "roster.csv"
    roster.write_bytes(b"\xef\xbb\xbf" + "姓名,座位\n张伟,1\n李娜,2\n".encode())
    assert cli.main(["import-roster", "mouzhen-2024", str(roster)]) == 0
    assert "imported 2 deputies into session 1" in capsys.readouterr().out

    bad = env / "bad.csv"
    bad.write_bytes("姓名,座位\n,3\n王芳,1\n".encode())
    assert cli.main(["import-roster", "1", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "[import.invalid_rows]" in err
    assert "line 2 name" in err and "line 3 seat" in err

    candidates = env / "2024年候选项目.csv"
    candidates.write_bytes("项目名称,投资\n甲,100万元\n乙,200万元\n".encode())
    assert cli.main(["import-candidates", "1", str(candidates)]) == 0
    assert "imported 2 candidates" in capsys.readouterr().out


def test_unknown_session_is_refused(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate"]) == 0
    roster = env / "roster.csv"
    roster.write_text("name,seat\nA,1\n")
    assert cli.main(["import-roster", "nowhere", str(roster)]) == 1
    assert "[not_found]" in capsys.readouterr().err


def test_invalid_session_arguments(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate"]) == 0
    assert cli.main(["create-session", "--title", "x", "--level", "county",
                     "--deputies-total", "10", "--quorum", "11"]) == 2
    assert "quorum" in capsys.readouterr().err
