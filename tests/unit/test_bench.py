"""tally.bench runs end to end on a tiny box and ends with the promised JSON line."""

from __future__ import annotations

import json
import pickle

import pytest

from tally import bench
from tests.fixtures import Setup


def test_bench_prints_table_then_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--ballots", "4", "--samples", "1", "--workers", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(lines[-1])
    for key in ("encrypt_ms", "verify_ms", "tally_3000_s", "verify_record_3000_s"):
        assert figures[key] > 0
    assert figures["ballots"] == 4
    assert len(lines) > 5


def test_context_pickles_for_worker_processes(setup: Setup) -> None:
    assert pickle.loads(pickle.dumps(setup.selection)) == setup.selection
    assert pickle.loads(pickle.dumps(setup.ceremony)) == setup.ceremony
