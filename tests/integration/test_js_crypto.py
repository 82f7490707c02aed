"""The browser crypto (kiosk_ui/static/js/crypto) against the Python core, through node.

``node --test tests/js/`` replays the shared vectors and the Python-made fixture in
JavaScript; here it runs inside pytest so that ``make test`` covers it. The other tests go
the other way: a ballot the JavaScript encrypts with real randomness must verify and open
in Python, and the fixture must still be what the Python core makes today.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tally.ballot import BallotOpening, EncryptedBallot, open_ballot, verify_ballot
from tally.election import ElectionContext, compute_election_hash
from tally.errors import InvalidBallot
from tally.group import G, random_scalar
from tally.manifest import selection_manifest
from tally.rng import seeded_rng

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")

# Without node the JavaScript cannot run; that is a failure in CI, a skip on a laptop.
pytestmark = pytest.mark.skipif(
    NODE is None and not os.environ.get("CI"), reason="node is not installed"
)


def _node() -> str:
    if NODE is None:
        pytest.fail("node is required in CI to test the browser crypto")
    return NODE


def test_node_test_suite_passes() -> None:
    result = subprocess.run(
        [_node(), "--test", "tests/js/"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"node --test tests/js/ failed:\n{result.stdout[-20000:]}\n{result.stderr}")


def test_cross_fixture_matches_the_python_core() -> None:
    result = subprocess.run(
        [sys.executable, "tests/js/make_cross_vectors.py", "--check"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_javascript_ballot_verifies_and_opens_in_python() -> None:
    options = [f"项目{i}" for i in range(13)]
    manifest = selection_manifest("js-check", "13选10", options, 0, 10)
    key = random_scalar(seeded_rng(b"js check key")) * G
    ceremony_hash = bytes(range(32))
    ctx = ElectionContext(
        manifest, key, compute_election_hash(manifest.manifest_hash(), ceremony_hash, key)
    )
    choices = [1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1]
    request = {
        "context": {"manifest": manifest.to_json(), "ceremony_hash": ceremony_hash.hex(),
                    "public_key": key.hex()},
        "choices": choices,
    }
    result = subprocess.run(
        [_node(), "tests/js/encrypt_cli.mjs"], input=json.dumps(request),
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    out = json.loads(result.stdout)
    ballot = EncryptedBallot.from_json(out["ballot"])
    verify_ballot(ctx, ballot)
    assert ballot.ballot_hash().hex() == out["ballot_hash"]
    opening = BallotOpening.from_json(out["opening"])
    assert open_ballot(ctx, ballot, opening).choices == tuple(choices)
    # And the audit catches an opening for another ballot.
    other = json.loads(subprocess.run(
        [_node(), "tests/js/encrypt_cli.mjs"], input=json.dumps(request),
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    ).stdout)
    assert other["ballot_hash"] != out["ballot_hash"]
    with pytest.raises(InvalidBallot):
        open_ballot(ctx, ballot, BallotOpening.from_json(other["opening"]))
