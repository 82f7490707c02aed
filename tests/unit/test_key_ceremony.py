"""tally.key_ceremony: Pedersen DKG with Feldman commitments and Schnorr proofs."""

from __future__ import annotations

import dataclasses
import json
from itertools import combinations

import pytest

from tally.decryption import lagrange_coefficient
from tally.errors import InvalidCeremony, InvalidEncoding, InvalidShare
from tally.group import IDENTITY, G, Scalar
from tally.key_ceremony import (
    CeremonyParams,
    CeremonyResult,
    CommitmentMessage,
    ShareMessage,
    combine_received_shares,
    finish_ceremony,
    own_share,
    shares_for_others,
    start_ceremony,
    verify_ceremony,
    verify_commitment_message,
    verify_share,
)
from tally.rng import seeded_rng
from tests.fixtures import Setup, run_ceremony

PARAMS = CeremonyParams("unit", 4, 2)


def test_params_validation() -> None:
    for n, k in [(3, 0), (3, 4), (0, 0), (256, 1)]:
        with pytest.raises(ValueError):
            CeremonyParams("c", n, k)
    with pytest.raises(ValueError):
        CeremonyParams("", 3, 2)
    with pytest.raises(InvalidEncoding):
        CeremonyParams.from_json({"ceremony_id": "c", "n": 2, "k": 3})
    assert CeremonyParams.from_json(PARAMS.to_json()) == PARAMS


def test_verification_keys_match_secret_shares(setup: Setup) -> None:
    ceremony = setup.ceremony
    for i, s in setup.secret_shares.items():
        assert ceremony.verification_keys[i] == s * G
    verify_ceremony(ceremony)


def test_any_k_shares_reconstruct_the_public_key(setup: Setup) -> None:
    # Σ λ_i·S_i = K for every k-subset: the shares interpolate the joint secret.
    ceremony = setup.ceremony
    for subset in combinations(range(1, 6), 3):
        total = IDENTITY
        for i in subset:
            total = total + lagrange_coefficient(i, subset) * ceremony.verification_keys[i]
        assert total == ceremony.public_key


def test_bad_share_is_attributed_to_sender() -> None:
    rng = seeded_rng(b"bad-share")
    poly, msg = start_ceremony(PARAMS, 2, rng)
    share = shares_for_others(PARAMS, poly)[0]
    verify_share(PARAMS, msg, share)
    bad = ShareMessage(share.sender, share.recipient, share.share + Scalar(1))
    with pytest.raises(InvalidShare) as info:
        verify_share(PARAMS, msg, bad)
    assert info.value.scrutineer == 2
    misaddressed = ShareMessage(share.sender, 3 if share.recipient != 3 else 4, share.share)
    with pytest.raises(InvalidShare):
        verify_share(PARAMS, msg, misaddressed)
    _, other_msg = start_ceremony(PARAMS, 3, rng)
    with pytest.raises(InvalidShare):
        verify_share(PARAMS, other_msg, share)


def test_shares_for_others_and_own_share() -> None:
    poly, _ = start_ceremony(PARAMS, 2, seeded_rng(b"s"))
    shares = shares_for_others(PARAMS, poly)
    assert [s.recipient for s in shares] == [1, 3, 4]
    assert own_share(PARAMS, poly).share == poly.evaluate(2)
    assert "hidden" in repr(poly)
    assert "hidden" in repr(shares[0])


def test_commitment_message_checks() -> None:
    rng = seeded_rng(b"cm")
    _, msg = start_ceremony(PARAMS, 1, rng)
    verify_commitment_message(PARAMS, msg)
    assert CommitmentMessage.from_json(json.loads(json.dumps(msg.to_json()))) == msg
    # A proof is bound to the index, the coefficient and the ceremony parameters.
    moved = dataclasses.replace(msg, index=2)
    swapped = dataclasses.replace(msg, commitments=msg.commitments[::-1])
    other_params = CeremonyParams("other", 4, 2)
    for params, bad in [(PARAMS, moved), (PARAMS, swapped), (other_params, msg)]:
        with pytest.raises(InvalidShare) as info:
            verify_commitment_message(params, bad)
        assert info.value.scrutineer == bad.index
    short = dataclasses.replace(msg, commitments=msg.commitments[:1], proofs=msg.proofs[:1])
    with pytest.raises(InvalidShare):
        verify_commitment_message(PARAMS, short)
    with pytest.raises(InvalidShare):
        verify_commitment_message(PARAMS, dataclasses.replace(msg, index=5))
    identity = dataclasses.replace(msg, commitments=(IDENTITY, msg.commitments[1]))
    with pytest.raises(InvalidShare):
        verify_commitment_message(PARAMS, identity)


def test_finish_requires_every_scrutineer_once() -> None:
    rng = seeded_rng(b"fin")
    msgs = [start_ceremony(PARAMS, i, rng)[1] for i in range(1, 5)]
    result = finish_ceremony(PARAMS, reversed(msgs))
    assert [m.index for m in result.commitment_messages] == [1, 2, 3, 4]
    with pytest.raises(InvalidShare) as info:
        finish_ceremony(PARAMS, msgs[:3])
    assert info.value.scrutineer == 4
    with pytest.raises(InvalidShare):
        finish_ceremony(PARAMS, [*msgs, msgs[0]])


def test_combine_received_shares_checks() -> None:
    rng = seeded_rng(b"comb")
    polys = [start_ceremony(PARAMS, i, rng)[0] for i in range(1, 5)]
    to_one = [own_share(PARAMS, polys[0])] + [shares_for_others(PARAMS, p)[0] for p in polys[1:]]
    total = combine_received_shares(PARAMS, 1, to_one)
    assert total == sum((p.evaluate(1) for p in polys[1:]), polys[0].evaluate(1))
    with pytest.raises(InvalidShare) as info:
        combine_received_shares(PARAMS, 1, to_one[:-1])
    assert info.value.scrutineer == 4
    with pytest.raises(ValueError):
        combine_received_shares(PARAMS, 1, [*to_one, to_one[0]])
    with pytest.raises(ValueError):
        combine_received_shares(PARAMS, 2, to_one)


def test_result_json_round_trip_and_tampering(setup: Setup) -> None:
    ceremony = setup.ceremony
    obj = json.loads(json.dumps(ceremony.to_json()))
    parsed = CeremonyResult.from_json(obj)
    assert parsed == ceremony
    verify_ceremony(parsed)
    tampered = [
        dataclasses.replace(ceremony, public_key=ceremony.public_key + G),
        dataclasses.replace(ceremony, verification_keys={**ceremony.verification_keys, 2: G}),
        dataclasses.replace(ceremony, ceremony_hash=bytes(32)),
        dataclasses.replace(ceremony, commitment_messages=ceremony.commitment_messages[::-1]),
    ]
    for bad in tampered:
        with pytest.raises(InvalidCeremony):
            verify_ceremony(bad)
    with pytest.raises(InvalidEncoding):
        CeremonyResult.from_json({**obj, "verification_keys": {"1": obj["public_key"]}})


@pytest.mark.parametrize(("n", "k"), [(1, 1), (3, 3), (4, 1)])
def test_edge_thresholds(n: int, k: int) -> None:
    ceremony, secrets = run_ceremony(f"edge-{n}-{k}".encode(), n, k)
    verify_ceremony(ceremony)
    subset = tuple(range(1, k + 1))
    x = Scalar(0)
    for i in subset:
        x = x + lagrange_coefficient(i, subset) * secrets[i]
    assert x * G == ceremony.public_key
