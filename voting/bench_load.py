"""Load benchmark of a 3,000-deputy hall: ``python -m voting.bench_load`` (``make bench-load``).

For each database (SQLite, then PostgreSQL in a fresh schema dropped afterwards): a session
of N deputies, an open 13选10 vote with N issued cards, N ballots pre-encrypted on a
process pool (the tablets' work), then ``voting serve`` (1 process on SQLite, 2 workers on
PostgreSQL) takes every cast from one async client with a bounded number in flight. The
board is then rechecked: every receipt on it, the chain intact, spent cards = entries.

Prints a table, then one JSON line per database, last. Exits 1 when a ballot was refused or
lost. Only 127.0.0.1 is contacted; every loop is bounded by the ballot count.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from tally.rng import seeded_rng
from voting.db import make_engine, migrate
from voting.hall_client import (
    CastOutcome,
    ServedProcess,
    cast_all,
    cast_bodies,
    encrypt_ballots,
    latency_ms,
)
from voting.rehearsal import OpenVote, Rehearsal, check_board

__all__ = ["Encrypted", "main", "run_load", "scratch_database"]

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SEED = b"voting.bench_load"


@contextmanager
def scratch_database(kind: str, workdir: Path, postgres_url: str = DEFAULT_POSTGRES,
                     ) -> Iterator[str]:
    """The URL of an empty database: an SQLite file, or a PostgreSQL schema dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _prepare(engine: Engine, ballots: int) -> OpenVote:
    migrate(engine)
    # Seeded: the same ceremony, election hash and cards on every database, so the ballots
    # are encrypted once for all of them. A benchmark's secrets are not secrets.
    rehearsal = Rehearsal(engine, deputies=ballots, rng=seeded_rng(SEED))
    return rehearsal.open_vote("projects-load", cards=ballots)


Encrypted = tuple[str, list[dict[str, Any]]]  # election hash, ballots under it


def run_load(kind: str, database_url: str, cached: Encrypted | None, count: int, *,
             workers: int, concurrency: int, workdir: Path, processes: int = 1,
             window: float = 0.0) -> tuple[dict[str, Any], Encrypted]:
    """One database's run; returns its figures and the ballots (for the next database).

    ``processes`` > 1: that many separate `voting serve` processes (of ``workers`` each),
    the client sharing casts among them round robin, as a balancing proxy would.
    """
    engine = make_engine(database_url)
    try:
        started = time.perf_counter()
        vote = _prepare(engine, count)
        setup_s = time.perf_counter() - started
        started = time.perf_counter()
        if cached is None or cached[0] != vote.election_hash or len(cached[1]) != count:
            cached = (vote.election_hash, encrypt_ballots(vote, count, seed=SEED))
        ballots = cached[1]
        encrypt_s = time.perf_counter() - started
        bodies = cast_bodies(vote, ballots)
        servers = [ServedProcess(database_url, workdir / f"server-{kind}-{n}.log",
                                 workers=workers) for n in range(processes)]
        try:
            for server in servers:
                server.start()
            started = time.perf_counter()
            outcomes = cast_all([s.base_url for s in servers], vote.cast_path, bodies,
                                concurrency=concurrency, window=window)
            wall = time.perf_counter() - started
        finally:
            for server in servers:
                server.stop()
        receipts = [o.body for o in outcomes if o.accepted and o.body is not None]
        board = check_board(engine, vote, receipts)
    finally:
        engine.dispose()
    label = kind if processes == 1 else f"{kind}/{processes}proc"
    figures = _figures(label, workers * processes, concurrency, outcomes, board.entries,
                       board.spent, len(board.missing), wall, setup_s, encrypt_s)
    figures["window_s"] = window
    return figures, cached


def _figures(kind: str, workers: int, concurrency: int, outcomes: Sequence[CastOutcome],
             entries: int, spent: int, lost: int, wall: float, setup_s: float,
             encrypt_s: float) -> dict[str, Any]:
    accepted = sum(o.accepted for o in outcomes)
    refused: dict[str, int] = {}
    for o in outcomes:
        if not o.accepted:
            key = o.error_code or f"http {o.status}"
            refused[key] = refused.get(key, 0) + 1
    return {
        "db": kind,
        "ballots": len(outcomes),
        "accepted": accepted,
        "lost": lost + max(0, accepted - entries),
        "p50_ms": round(latency_ms(outcomes, 0.50), 1),
        "p95_ms": round(latency_ms(outcomes, 0.95), 1),
        "p99_ms": round(latency_ms(outcomes, 0.99), 1),
        "ballots_per_s": round(accepted / wall, 1) if wall else 0.0,
        "wall_s": round(wall, 2),
        "workers": workers,
        "concurrency": concurrency,
        "board_entries": entries,
        "cards_spent": spent,
        "refused": refused,
        "setup_s": round(setup_s, 1),
        "encrypt_s": round(encrypt_s, 1),
    }


def _table(rows: Sequence[dict[str, Any]]) -> str:
    columns = ("db", "workers", "ballots", "accepted", "lost", "board_entries", "cards_spent",
               "wall_s", "ballots_per_s", "p50_ms", "p95_ms", "p99_ms")
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(str(r[c]).rjust(w) for c, w in zip(columns, widths, strict=True))
              for r in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voting.bench_load",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ballots", type=int, default=3000, help="deputies, cards and ballots")
    parser.add_argument("--concurrency", type=int, default=50, help="casts in flight")
    parser.add_argument("--window", type=float, default=0.0,
                        help="spread the casts' arrivals evenly over this many seconds (an "
                             "open loop: deputies casting through the minute); 0 = send as "
                             "fast as --concurrency allows")
    parser.add_argument("--db", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg-workers", type=int, default=2, help="server workers on PostgreSQL")
    parser.add_argument("--sqlite-workers", type=int, default=1, help="server workers on SQLite")
    parser.add_argument("--balanced", action="store_true",
                        help="also run PostgreSQL as separate 1-worker processes, casts shared "
                             "round robin (what a balancing proxy does)")
    parser.add_argument("--postgres-url", default=os.environ.get("VOTING_BENCH_POSTGRES_URL",
                                                                  DEFAULT_POSTGRES))
    args = parser.parse_args(argv)
    if not 1 <= args.ballots <= 20_000 or not 1 <= args.concurrency <= 500:
        parser.error("--ballots must be in 1..20000 and --concurrency in 1..500")
    rows: list[dict[str, Any]] = []
    cached: Encrypted | None = None
    with tempfile.TemporaryDirectory(prefix="rendavote-load-") as tmp:
        for kind in [k.strip() for k in args.db.split(",") if k.strip()]:
            if kind not in ("sqlite", "postgresql"):
                parser.error(f"unknown database {kind!r}")
            workers = args.sqlite_workers if kind == "sqlite" else args.pg_workers
            print(f"[{kind}] setting up {args.ballots} cards, encrypting, casting with "
                  f"{args.concurrency} in flight on {workers} worker(s)…", file=sys.stderr)
            with scratch_database(kind, Path(tmp), args.postgres_url) as url:
                row, cached = run_load(kind, url, cached, args.ballots, workers=workers,
                                        concurrency=args.concurrency, workdir=Path(tmp),
                                        window=args.window)
            rows.append(row)
        if args.balanced and "postgresql" in args.db:
            print(f"[postgresql] {args.pg_workers} balanced processes…", file=sys.stderr)
            with scratch_database("postgresql", Path(tmp), args.postgres_url) as url:
                row, cached = run_load("postgresql", url, cached, args.ballots, workers=1,
                                       concurrency=args.concurrency, workdir=Path(tmp),
                                       processes=args.pg_workers, window=args.window)
            rows.append(row)
    print(_table(rows))
    for row in rows:
        print(json.dumps(row, sort_keys=False))
    ok = all(r["accepted"] == r["ballots"] and r["lost"] == 0 for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
