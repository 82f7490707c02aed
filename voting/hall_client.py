"""The hall's tablets and server, simulated for load and reliability runs.

- :func:`encrypt_ballots` pre-encrypts ballots on a process pool: encryption is each
  tablet's own cost, so a load run must not charge it to the server under test.
- :class:`ServedProcess` runs ``voting serve`` as its own process group, so a test can stop
  it, or kill it -9 mid-burst, and start it again on the same database.
- :func:`cast_all` fires pre-encrypted casts from one async HTTP client with a bounded
  number in flight, and keeps each answer and its latency.

Only loopback addresses are ever contacted. Uses httpx (a development dependency).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx

from tally.rng import seeded_rng
from voting.rehearsal import OpenVote
from voting.tablet import encrypt_attempt

__all__ = [
    "CastOutcome",
    "ServedProcess",
    "cast_all",
    "cast_bodies",
    "encrypt_ballots",
    "free_port",
    "latency_ms",
]

ROOT = Path(__file__).resolve().parents[1]

_worker_vote: OpenVote | None = None


def _init_encrypt(vote: OpenVote) -> None:
    global _worker_vote
    _worker_vote = vote


def _encrypt_one(args: tuple[int, bytes]) -> dict[str, Any]:
    index, seed = args
    assert _worker_vote is not None
    ctx = _worker_vote.context()
    picker = random.Random(seed + index.to_bytes(4, "big"))
    n = len(ctx.manifest.labels)
    select_max = ctx.manifest.constraints[0].max
    picked = set(picker.sample(range(n), picker.randint(0, select_max)))
    vector = tuple(1 if i in picked else 0 for i in range(n))
    rng = seeded_rng(b"hall/encrypt/" + seed + index.to_bytes(4, "big"))
    return encrypt_attempt(ctx, vector, True, rng).to_json()


def encrypt_ballots(vote: OpenVote, count: int, *, seed: bytes = b"hall",
                    processes: int | None = None) -> list[dict[str, Any]]:
    """``count`` valid ballots with random marks (within the vote's limit), in order."""
    processes = processes or os.cpu_count() or 1
    if processes <= 1 or count < 20:
        _init_encrypt(vote)
        return [_encrypt_one((i, seed)) for i in range(count)]
    # spawn: the pool must not inherit a forked copy of a test runner's threads or sockets.
    with get_context("spawn").Pool(processes, initializer=_init_encrypt,
                                   initargs=(vote,)) as pool:
        return pool.map(_encrypt_one, [(i, seed) for i in range(count)], chunksize=16)


def cast_bodies(vote: OpenVote, ballots: Sequence[dict[str, Any]],
                cards: Sequence[str] | None = None) -> list[bytes]:
    """The JSON request bodies, serialised once ahead of the run (the client stays light)."""
    cards = cards if cards is not None else vote.cards
    return [json.dumps({"card": card, "ballot": ballot}, separators=(",", ":")).encode()
            for card, ballot in zip(cards, ballots, strict=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServedProcess:
    """``voting serve`` in its own process group on a loopback port."""

    def __init__(self, database_url: str, log: Path, *, workers: int = 1,
                 port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.log = log
        self.workers = workers
        self.port = port or free_port()
        self.extra_env = dict(env or {})
        self.secret_key = self.extra_env.pop("VOTING_SECRET_KEY", "") or os.urandom(24).hex()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOTING_")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.update({"VOTING_DATABASE_URL": self.database_url, "VOTING_MODE": "production",
                    "VOTING_SECRET_KEY": self.secret_key})
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30.0) -> ServedProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "voting", "serve", "--port", str(self.port),
                 "--workers", str(self.workers)],
                cwd=self.log.parent, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() reaches the workers
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server not up within {timeout:.0f} s")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown, no cleanup, like a power cut."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> ServedProcess:
        return self.start() if self.process is None else self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class CastOutcome:
    """One cast as the tablet saw it. ``status`` 0: no HTTP answer (connection lost)."""

    index: int
    status: int
    ms: float
    body: dict[str, Any] | None

    @property
    def accepted(self) -> bool:
        return self.status == 201

    @property
    def error_code(self) -> str | None:
        if self.body is None or self.accepted:
            return None
        error = self.body.get("error")
        return str(error.get("code")) if isinstance(error, dict) else None


async def _cast_all(base_urls: Sequence[str], path: str, bodies: Sequence[bytes],
                    concurrency: int, timeout: float, indices: Sequence[int],
                    local_address: str | None, window: float) -> list[CastOutcome]:
    # No keep-alive: each tablet casts once, on its own connection. Kept-alive connections
    # would pin the whole run to whichever server worker accepted them first.
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)
    gate = asyncio.Semaphore(concurrency)
    headers = {"content-type": "application/json"}

    transport = httpx.AsyncHTTPTransport(limits=limits, local_address=local_address)
    interval = window / max(1, len(indices))
    async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(timeout)) as client:
        t0 = time.perf_counter()

        async def one(number: int, index: int) -> CastOutcome:
            url = base_urls[number % len(base_urls)] + path  # round robin, like a proxy
            if window:
                # Deputies arrive spread over the window; a cast's latency runs from its
                # arrival, so time spent waiting for a free connection counts too.
                arrival = t0 + number * interval
                await asyncio.sleep(max(0.0, arrival - time.perf_counter()))
            arrived = time.perf_counter()
            async with gate:
                started = arrived
                try:
                    answer = await client.post(url, content=bodies[index], headers=headers)
                except httpx.HTTPError:
                    return CastOutcome(index, 0, (time.perf_counter() - started) * 1000, None)
                ms = (time.perf_counter() - started) * 1000
                try:
                    body = answer.json()
                except ValueError:
                    body = None
                return CastOutcome(index, answer.status_code, ms,
                                   body if isinstance(body, dict) else None)

        return list(await asyncio.gather(*(one(n, i) for n, i in enumerate(indices))))


def cast_all(base_url: str | Sequence[str], path: str, bodies: Sequence[bytes], *,
             concurrency: int = 50, timeout: float = 30.0, indices: Sequence[int] | None = None,
             local_address: str | None = None, window: float = 0.0) -> list[CastOutcome]:
    """POST every body (or those at ``indices``) to ``path``, at most ``concurrency`` at once.

    ``window`` > 0 spreads the casts' start times evenly over that many seconds (deputies
    arriving through the minute: an open-loop load); 0 sends them as fast as the
    ``concurrency`` gate allows (a closed loop that keeps the server saturated).

    Several base URLs share the casts round robin (servers behind a balancing proxy).
    ``local_address`` (e.g. "127.0.0.2") makes the casts come from another device.
    """
    chosen = list(range(len(bodies))) if indices is None else list(indices)
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    return asyncio.run(_cast_all(urls, path, bodies, concurrency, timeout, chosen,
                                 local_address, window))


def latency_ms(outcomes: Sequence[CastOutcome], quantile: float) -> float:
    """Nearest-rank quantile of the answered casts' latencies (0.0 when none answered)."""
    times = sorted(o.ms for o in outcomes if o.status != 0)
    if not times:
        return 0.0
    rank = min(len(times), max(1, math.ceil(quantile * len(times))))
    return times[rank - 1]
