"""tally.election: the election hash h_E binds manifest, ceremony and key."""

from __future__ import annotations

import hashlib
import json

import pytest

from tally.election import ElectionContext, compute_election_hash, make_context
from tally.group import IDENTITY, G
from tally.manifest import motion_manifest
from tests.fixtures import Setup


def test_election_hash_formula(setup: Setup) -> None:
    ctx = setup.motion
    document = {
        "ceremony_hash": setup.ceremony.ceremony_hash.hex(),
        "manifest_hash": ctx.manifest.manifest_hash().hex(),
        "public_key": setup.ceremony.public_key.hex(),
    }
    # JCS of this flat ASCII object is json.dumps with sorted keys and no spaces.
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert ctx.election_hash == hashlib.sha256(canonical).digest()


def test_each_input_changes_the_hash(setup: Setup) -> None:
    c = setup.ceremony
    m = setup.motion.manifest.manifest_hash()
    base = compute_election_hash(m, c.ceremony_hash, c.public_key)
    assert compute_election_hash(bytes(32), c.ceremony_hash, c.public_key) != base
    assert compute_election_hash(m, bytes(32), c.public_key) != base
    assert compute_election_hash(m, c.ceremony_hash, G) != base
    other = make_context(motion_manifest("motion-2", "关于…的决议"), c)
    assert other.election_hash != setup.motion.election_hash


def test_context_validation(setup: Setup) -> None:
    with pytest.raises(ValueError):
        ElectionContext(setup.motion.manifest, G, b"short")
    with pytest.raises(ValueError):
        ElectionContext(setup.motion.manifest, IDENTITY, bytes(32))
