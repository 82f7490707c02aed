"""tally.decryption: aggregation, decryption shares with proofs, k-of-n combination."""

from __future__ import annotations

import dataclasses
import json
from itertools import combinations

import pytest

from tally.ballot import encrypt_ballot, mark_selection
from tally.decryption import (
    DecryptionShare,
    aggregate,
    combine_decryption,
    make_decryption_share,
    sum_aggregates,
    verify_decryption_share,
)
from tally.elgamal import IDENTITY_CIPHERTEXT, Ciphertext
from tally.errors import DecryptionError, InvalidCeremony, InvalidEncoding, InvalidShare
from tally.group import IDENTITY, G
from tally.rng import seeded_rng
from tests.fixtures import Setup, run_ceremony

PICKS = [[0, 1, 2], [0, 5], [], [12, 0, 1, 2, 3, 4, 5, 6, 7, 8]]
EXPECTED = tuple(sum(i in p for p in PICKS) for i in range(13))


def _box(setup: Setup) -> list:
    ctx = setup.selection
    rng = seeded_rng(b"box")
    return [encrypt_ballot(ctx, mark_selection(ctx.manifest, p), rng)[0] for p in PICKS]


def _shares(setup: Setup, agg: tuple[Ciphertext, ...]) -> dict[int, DecryptionShare]:
    rng = seeded_rng(b"shares")
    return {
        i: make_decryption_share(setup.selection, setup.ceremony, i, s, agg, rng)
        for i, s in setup.secret_shares.items()
    }


def test_any_k_of_n_decrypt_the_tally(setup: Setup) -> None:
    agg = aggregate(_box(setup))
    shares = _shares(setup, agg)
    for subset in combinations(range(1, 6), 3):
        counts = combine_decryption(
            setup.selection, setup.ceremony, agg, [shares[i] for i in subset], 4
        )
        assert counts == EXPECTED
    # More than k also works (the k lowest are used).
    assert combine_decryption(setup.selection, setup.ceremony, agg, shares.values(), 4) == (
        EXPECTED
    )


def test_fewer_than_k_shares_fail(setup: Setup) -> None:
    agg = aggregate(_box(setup))
    shares = _shares(setup, agg)
    with pytest.raises(DecryptionError):
        combine_decryption(setup.selection, setup.ceremony, agg, [shares[1], shares[2]], 4)
    with pytest.raises(DecryptionError):
        combine_decryption(
            setup.selection, setup.ceremony, agg, [shares[1], shares[1], shares[2]], 4
        )


def test_count_above_max_count_fails(setup: Setup) -> None:
    agg = aggregate(_box(setup))
    shares = _shares(setup, agg)
    with pytest.raises(DecryptionError):
        combine_decryption(setup.selection, setup.ceremony, agg, shares.values(), 2)


def test_bad_share_is_attributed(setup: Setup) -> None:
    agg = aggregate(_box(setup))
    shares = _shares(setup, agg)
    good = shares[4]
    verify_decryption_share(setup.selection, setup.ceremony, agg, good)
    tampered = dataclasses.replace(good, shares=(good.shares[0] + G, *good.shares[1:]))
    impostor = dataclasses.replace(good, scrutineer=2)
    short = dataclasses.replace(good, shares=good.shares[:3], proofs=good.proofs[:3])
    outsider = dataclasses.replace(good, scrutineer=9)
    for bad, who in [(tampered, 4), (impostor, 2), (short, 4), (outsider, 9)]:
        with pytest.raises(InvalidShare) as info:
            verify_decryption_share(setup.selection, setup.ceremony, agg, bad)
        assert info.value.scrutineer == who
    with pytest.raises(InvalidShare):
        combine_decryption(
            setup.selection, setup.ceremony, agg, [tampered, shares[1], shares[2]], 4
        )


def test_share_bound_to_election(setup: Setup) -> None:
    agg = aggregate(_box(setup))
    share = _shares(setup, agg)[1]
    other = dataclasses.replace(setup.selection, election_hash=bytes(32))
    with pytest.raises(InvalidShare):
        verify_decryption_share(other, setup.ceremony, agg, share)


def test_share_json_round_trip(setup: Setup) -> None:
    agg = aggregate(_box(setup))
    share = _shares(setup, agg)[3]
    assert DecryptionShare.from_json(json.loads(json.dumps(share.to_json()))) == share
    bad = share.to_json()
    bad["shares"][0] = "ecff" + "ff" * 29 + "7f"
    with pytest.raises(InvalidEncoding):
        DecryptionShare.from_json(bad)


def test_empty_box(setup: Setup) -> None:
    agg = aggregate([], selections=13)
    assert agg == (IDENTITY_CIPHERTEXT,) * 13
    shares = _shares(setup, agg)
    assert all(d == IDENTITY for d in shares[1].shares)
    parsed = DecryptionShare.from_json(shares[1].to_json())
    counts = combine_decryption(
        setup.selection, setup.ceremony, agg, [parsed, shares[2], shares[3]], 0
    )
    assert counts == (0,) * 13
    with pytest.raises(ValueError):
        aggregate([])


def test_sum_aggregates_matches(setup: Setup) -> None:
    box = _box(setup)
    assert sum_aggregates([aggregate(box[:1]), aggregate(box[1:])], 13) == aggregate(box)
    assert sum_aggregates([], 13) == aggregate([], selections=13)
    with pytest.raises(ValueError):
        aggregate(box, selections=3)


def test_wrong_secret_or_ceremony(setup: Setup) -> None:
    agg = aggregate(_box(setup))
    with pytest.raises(ValueError):
        make_decryption_share(
            setup.selection, setup.ceremony, 1, setup.secret_shares[2], agg, seeded_rng(b"")
        )
    other_ceremony, _ = run_ceremony(b"other")
    with pytest.raises(InvalidCeremony):
        verify_decryption_share(setup.selection, other_ceremony, agg, _shares(setup, agg)[1])
