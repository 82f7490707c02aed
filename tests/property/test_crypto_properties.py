"""Properties of the ballot cryptography (issue 3, item 9), with bounded examples."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tally.ballot import (
    EncryptedBallot,
    MarkedBallot,
    ballot_digest,
    encrypt_ballot,
    proof_context,
    verify_ballot,
)
from tally.decryption import aggregate, combine_decryption, make_decryption_share
from tally.election import make_context
from tally.errors import InvalidBallot, InvalidEncoding, InvalidProof
from tally.group import L, Scalar, g_pow
from tally.manifest import Manifest
from tally.proofs.range_proof import verify_range
from tally.rng import seeded_rng
from tests.fixtures import Setup
from tests.forge import forge_ballot
from tests.property.strategies import (
    choices_outside_limits,
    choices_within_limits,
    manifests,
    scalars,
    scrutineer_subsets,
)

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(a=scalars, b=scalars)
def test_scalar_arithmetic_matches_integers(a: Scalar, b: Scalar) -> None:
    assert (a + b).value == (a.value + b.value) % L
    assert (a - b).value == (a.value - b.value) % L
    assert (a * b).value == a.value * b.value % L
    assert Scalar.from_bytes(a.to_bytes()) == a


@FAST
@given(a=st.integers(0, 10**6), b=st.integers(0, 10**6))
def test_point_arithmetic_is_linear(a: int, b: int) -> None:
    assert g_pow(a) + g_pow(b) == g_pow(a + b)
    assert Scalar(a) * g_pow(b) == g_pow(a * b)


@SLOW
@given(data=st.data(), manifest=manifests, seed=st.binary(max_size=8))
def test_tally_equals_plaintext_sum(
    setup: Setup, data: st.DataObject, manifest: Manifest, seed: bytes
) -> None:
    ctx = make_context(manifest, setup.ceremony)
    votes = data.draw(st.lists(choices_within_limits(manifest), max_size=4))
    rng = seeded_rng(seed)
    ballots = []
    for choices in votes:
        ballot, _ = encrypt_ballot(ctx, MarkedBallot(choices), rng)
        verify_ballot(ctx, ballot)
        ballots.append(ballot)
    agg = aggregate(ballots, selections=manifest.selection_count)
    subset = data.draw(scrutineer_subsets(5, 3))
    shares = [
        make_decryption_share(ctx, setup.ceremony, i, setup.secret_shares[i], agg, rng)
        for i in subset
    ]
    counts = combine_decryption(ctx, setup.ceremony, agg, shares, len(votes))
    expected = [0] * manifest.selection_count
    for choices in votes:
        expected = [e + c for e, c in zip(expected, choices, strict=True)]
    assert counts == tuple(expected)


@SLOW
@given(first=scrutineer_subsets(5, 3), second=scrutineer_subsets(5, 3))
def test_any_k_of_n_agree(setup: Setup, first: list[int], second: list[int]) -> None:
    ctx = setup.motion
    rng = seeded_rng(b"k-of-n")
    ballots = [
        encrypt_ballot(ctx, MarkedBallot(c), rng)[0] for c in [(1, 0, 0), (0, 0, 1), (1, 0, 0)]
    ]
    agg = aggregate(ballots)
    all_shares = {
        i: make_decryption_share(ctx, setup.ceremony, i, s, agg, rng)
        for i, s in setup.secret_shares.items()
    }
    a = combine_decryption(ctx, setup.ceremony, agg, [all_shares[i] for i in first], 3)
    b = combine_decryption(ctx, setup.ceremony, agg, [all_shares[i] for i in second], 3)
    assert a == b == (2, 0, 1)


@SLOW
@given(data=st.data(), manifest=manifests, seed=st.binary(max_size=8))
def test_ballots_outside_limits_never_verify(
    setup: Setup, data: st.DataObject, manifest: Manifest, seed: bytes
) -> None:
    ctx = make_context(manifest, setup.ceremony)
    choices = data.draw(choices_outside_limits(manifest))
    forged = forge_ballot(ctx, choices, seeded_rng(seed))
    with pytest.raises(InvalidBallot):
        verify_ballot(ctx, forged)


def _hex_paths(obj: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Paths to every hex string (point, scalar, hash) inside a ballot's JSON."""
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _hex_paths(v, (*path, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _hex_paths(v, (*path, i))]
    return [path]


@pytest.fixture(scope="module")
def sample_ballot(setup: Setup) -> dict[str, object]:
    ctx = setup.rating
    ballot, _ = encrypt_ballot(ctx, MarkedBallot((1, 0, 0, 0, 0, 0, 0, 0, 1)), seeded_rng(b"b"))
    return ballot.to_json()


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_changed_byte_fails(
    setup: Setup, sample_ballot: dict[str, object], data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(_hex_paths(sample_ballot)))
    obj = json.loads(json.dumps(sample_ballot))
    target = obj
    for key in path[:-1]:
        target = target[key]
    raw = bytearray.fromhex(target[path[-1]])
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    target[path[-1]] = raw.hex()
    with pytest.raises((InvalidEncoding, InvalidBallot)):
        verify_ballot(setup.rating, EncryptedBallot.from_json(obj))


@SLOW
@given(other=st.binary(min_size=32, max_size=32), m=st.integers(0, 1), seed=st.binary())
def test_proof_never_verifies_under_another_election_hash(
    setup: Setup, other: bytes, m: int, seed: bytes
) -> None:
    ctx = setup.motion
    if other == ctx.election_hash:
        return
    choices = (m, 1 - m, 0)
    ballot, _ = encrypt_ballot(ctx, MarkedBallot(choices), seeded_rng(seed))
    selection = ballot.selections[0]
    context = proof_context(ballot_digest(ctx.election_hash,
                                          [s.ciphertext for s in ballot.selections]), 0, 0)
    with pytest.raises(InvalidProof):
        verify_range(other, context, ctx.public_key, selection.ciphertext, 0, 1,
                     selection.proof)
    verify_range(ctx.election_hash, context, ctx.public_key, selection.ciphertext, 0, 1,
                 selection.proof)
