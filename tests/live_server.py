"""`python -m voting serve` as a real process for a test: started on a free port, waited
for through /healthz, stopped (and its log shown on failure) when the block ends."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from voting.settings import Settings

__all__ = ["RunningServer", "running_server"]

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 60


@dataclass(frozen=True)
class RunningServer:
    base: str
    settings: Settings  # the same key as the server's, for the operator token
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@contextmanager
def running_server(database_url: str, workdir: Path, *, workers: int = 1,
                   port: int | None = None, key: str | None = None,
                   **env: str) -> Iterator[RunningServer]:
    """Serve ``database_url`` (migrated on start) with ``workers`` worker processes; the
    port and secret key are fresh unless given (to restart a server as it was)."""
    key = key or secrets.token_urlsafe(32)
    port = port or _free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VOTING_")}
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    environment.update({"VOTING_DATABASE_URL": database_url, "VOTING_MODE": "production",
                        "VOTING_SECRET_KEY": key, **env})
    log_path = workdir / f"server-{port}.log"
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "voting", "serve", "--port", str(port),
             "--workers", str(workers)],
            cwd=workdir, env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not _healthy(base):
                if process.poll() is not None:
                    pytest.fail(f"server exited:\n{log_path.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"server not up in {STARTUP_SECONDS}s:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield RunningServer(base, Settings(database_url=database_url, mode="production",
                                               secret_key=key), log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
