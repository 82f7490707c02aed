"""The real thing: `voting serve` as its own process, spoken to over HTTP."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOTING_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["VOTING_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def get(url: str) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


@pytest.fixture(params=[1, 2], ids=["1-worker", "2-workers"])
def server(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[str]:
    """`voting serve` on a free port, on SQLite and on PostgreSQL, with 1 and 2 workers."""
    port = free_port()
    env = server_env(db_url, VOTING_MODE="production",
                     VOTING_SECRET_KEY=secrets.token_urlsafe(32))
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "voting", "serve", "--port", str(port),
         "--workers", str(request.param)],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited: {(tmp_path / 'server.log').read_text()}")
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not up in {STARTUP_SECONDS}s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_served_home_page_and_health(server: str) -> None:
    status, body, headers = get(server + "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok"}
    status, body, headers = get(server + "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "人大代表电子票决系统" in body and 'href="/kiosk"' in body
    status, body, _ = get(server + "/api/sessions")
    assert status == 200 and json.loads(body) == []
    status, body, _ = get(server + "/api/sessions/1")
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"


def test_production_without_a_key_does_not_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voting", "serve", "--port", str(free_port())],
        cwd=tmp_path,
        env=server_env(f"sqlite:///{tmp_path / 'var' / 'voting.db'}", VOTING_MODE="production"),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert "VOTING_SECRET_KEY" in result.stderr
    assert not (tmp_path / "var").exists()  # refused before touching anything
