"""The ``keys`` command as scrutineers run it: separate processes, real HTTP to a real
`voting serve`, each waiting for the others during the key ceremony."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_server import ROOT, free_port, get, server_env
from voting.api.auth import operator_token
from voting.settings import Settings

STARTUP_SECONDS = 30


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    port = free_port()
    key = secrets.token_urlsafe(32)
    url = f"sqlite:///{tmp_path / 'v.db'}"
    env = server_env(url, VOTING_MODE="production", VOTING_SECRET_KEY=key)
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "voting", "serve", "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(STARTUP_SECONDS * 5):
            if process.poll() is not None:
                pytest.fail((tmp_path / "server.log").read_text())
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("server did not start")
        yield base, Settings(database_url=url, mode="production", secret_key=key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _post(url: str, token: str, doc: Any) -> Any:
    request = urllib.request.Request(url, data=json.dumps(doc).encode(), method="POST",
                                     headers={"authorization": f"Bearer {token}",
                                              "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _keys_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOTING_")}
    env["PYTHONPATH"] = str(ROOT)
    env["DEVICE_PASS"] = "a long passphrase"
    env["KEYS_LANG"] = "en"
    return env


def test_scrutineers_run_the_ceremony_over_http(served: tuple[str, Settings],
                                                tmp_path: Path) -> None:
    base, settings = served
    token = operator_token(settings)
    sid = _post(f"{base}/api/sessions", token, {"title": "镇人大", "level": "township",
                                                "deputies_total": 9})["id"]
    env = _keys_env()
    files = [tmp_path / f"device-{i}.json" for i in (1, 2)]
    for index, path in enumerate(files, 1):
        made = subprocess.run([sys.executable, "-m", "keys", "init", str(path), "--name",
                               f"监票人{index}", "--passphrase-env", "DEVICE_PASS"],
                              env=env, capture_output=True, text=True, timeout=60, check=True)
        handed = json.loads(made.stdout.strip().splitlines()[-1])
        _post(f"{base}/api/sessions/{sid}/scrutineers", token, {"index": index, **handed})
    _post(f"{base}/api/sessions/{sid}/ceremony", token, {"n": 2, "k": 2})
    runs = [subprocess.Popen([sys.executable, "-m", "keys", "ceremony", str(path),
                              "--server", base, "--session", str(sid), "--passphrase-env",
                              "DEVICE_PASS", "--wait", "60", "--poll", "0.5"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for path in files]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, out + err
        assert "Key ceremony done" in out
    joint = {out.strip().splitlines()[-2].rsplit(" ", 1)[-1] for out, _ in outputs}
    assert len(joint) == 1  # both computed the same joint key
    completed = _post(f"{base}/api/sessions/{sid}/ceremony/complete", token, {})
    assert len(completed["public_key"]) == 64
    # A device whose keys are not registered in the session is told so.
    stranger = tmp_path / "stranger.json"
    subprocess.run([sys.executable, "-m", "keys", "init", str(stranger), "--name", "外人",
                    "--passphrase-env", "DEVICE_PASS"], env=env, capture_output=True,
                   timeout=60, check=True)
    refused = subprocess.run([sys.executable, "-m", "keys", "ceremony", str(stranger),
                              "--server", base, "--session", str(sid), "--passphrase-env",
                              "DEVICE_PASS", "--wait", "0"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 1 and "not registered" in refused.stdout
