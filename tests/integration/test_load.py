"""The load benchmark at CI size: `python -m voting.bench_load --ballots 120` on SQLite (one
process) and PostgreSQL (two workers, fresh schema). Only correctness is asserted — every
cast accepted, none lost, the chain intact, spent cards = board entries; the figures are
the benchmark's business (`make bench-load`, docs/performance.md), never a timed test's.
"""

from __future__ import annotations

import json

import pytest

from voting import bench_load

BALLOTS = 120


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_bench_load_ci_size(db: str, capsys: pytest.CaptureFixture[str],
                            request: pytest.FixtureRequest) -> None:
    argv = ["--ballots", str(BALLOTS), "--db", db, "--concurrency", "30"]
    if db == "postgresql":
        url = request.getfixturevalue("postgres_url")  # skips (or fails) like the others
        argv += ["--postgres-url", url.render_as_string(hide_password=False)]
    assert bench_load.main(argv) == 0
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["db"] == db
    assert row["ballots"] == row["accepted"] == row["board_entries"] == row["cards_spent"]
    assert row["ballots"] == BALLOTS and row["lost"] == 0
    assert {"p50_ms", "p95_ms", "p99_ms", "ballots_per_s"} <= set(row)
