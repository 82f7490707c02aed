"""Shared set-up of the hall reliability tests: a rehearsal session with an open vote on a
migrated database, and `voting serve` on it as a real process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from tally.rng import seeded_rng
from voting.db import make_engine, migrate
from voting.hall_client import ServedProcess
from voting.rehearsal import OpenVote, Rehearsal

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Hall:
    engine: Engine
    rehearsal: Rehearsal
    vote: OpenVote
    database_url: str


@contextmanager
def hall(database_url: str, *, cards: int, options: int = 5, select_max: int = 3,
         seed: bytes = b"tests/hall") -> Iterator[Hall]:
    """A session of ``cards`` deputies, all present, and an open vote with ``cards`` cards."""
    engine = make_engine(database_url)
    try:
        migrate(engine)
        rehearsal = Rehearsal(engine, deputies=cards, rng=seeded_rng(seed))
        vote = rehearsal.open_vote("hall-vote", cards=cards, options=options,
                                   select_max=select_max)
        yield Hall(engine, rehearsal, vote, database_url)
    finally:
        engine.dispose()


@contextmanager
def served(database_url: str, tmp_path: Path, name: str = "server", *, workers: int = 1,
           env: dict[str, str] | None = None) -> Iterator[ServedProcess]:
    server = ServedProcess(database_url, tmp_path / f"{name}.log", workers=workers, env=env)
    with server:
        yield server


def tally_verify(directory: Path) -> subprocess.CompletedProcess[str]:
    """`tally verify DIR` as an auditor runs it: its own process, one worker."""
    return subprocess.run(
        [sys.executable, "-m", "tally.cli", "verify", str(directory), "--workers", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
