"""tally.ballot: marking, encryption with proofs, verification, Benaloh audit, JSON."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tally.ballot import (
    BallotOpening,
    EncryptedBallot,
    MarkedBallot,
    encrypt_ballot,
    mark_motion,
    mark_rating,
    mark_selection,
    open_ballot,
    verify_ballot,
)
from tally.elgamal import Ciphertext
from tally.errors import InvalidBallot, InvalidChoices, InvalidEncoding
from tally.group import IDENTITY, G, Scalar
from tally.rng import seeded_rng
from tests.fixtures import Setup
from tests.forge import forge_ballot


def test_marking_helpers(setup: Setup) -> None:
    sel, rat, mot = setup.selection.manifest, setup.rating.manifest, setup.motion.manifest
    assert mark_selection(sel, [0, 12]).choices == (1,) + (0,) * 11 + (1,)
    assert mark_rating(rat, [0, None, 2]).choices == (1, 0, 0, 0, 0, 0, 0, 0, 1)
    assert mark_motion(mot, "no").choices == (0, 1, 0)
    assert mark_motion(mot, None).choices == (0, 0, 0)
    with pytest.raises(InvalidChoices):
        mark_selection(sel, [13])
    with pytest.raises(InvalidChoices):
        mark_rating(rat, [3, None, None])
    with pytest.raises(InvalidChoices):
        mark_rating(rat, [0])
    with pytest.raises(InvalidChoices):
        mark_motion(mot, "maybe")
    with pytest.raises(InvalidChoices):
        mark_motion(sel, "yes")


@pytest.mark.parametrize("kind", ["selection", "rating", "motion"])
def test_encrypt_verify_open(setup: Setup, kind: str) -> None:
    ctx = getattr(setup, kind)
    if kind == "selection":
        marked = mark_selection(ctx.manifest, range(10))
    elif kind == "rating":
        marked = mark_rating(ctx.manifest, [0, 1, None])
    else:
        marked = mark_motion(ctx.manifest, "yes")
    ballot, opening = encrypt_ballot(ctx, marked, seeded_rng(b"enc"))
    verify_ballot(ctx, ballot)
    assert open_ballot(ctx, ballot, opening) == marked
    assert EncryptedBallot.from_json(json.loads(json.dumps(ballot.to_json()))) == ballot
    assert BallotOpening.from_json(opening.to_json()) == opening


def test_encryption_is_deterministic_given_rng(setup: Setup) -> None:
    marked = mark_selection(setup.selection.manifest, [1, 2])
    a, _ = encrypt_ballot(setup.selection, marked, seeded_rng(b"x"))
    b, _ = encrypt_ballot(setup.selection, marked, seeded_rng(b"x"))
    c, _ = encrypt_ballot(setup.selection, marked, seeded_rng(b"y"))
    assert a == b
    assert a.ballot_hash() == b.ballot_hash() != c.ballot_hash()


@pytest.mark.parametrize(
    "choices",
    [
        (1,) * 11 + (0, 0),  # 11 of 13 marked, max 10
        (1,) * 12,  # wrong length
        (2,) + (0,) * 12,  # not 0/1
        (-1,) + (0,) * 12,
    ],
)
def test_honest_encryptor_refuses(setup: Setup, choices: tuple[int, ...]) -> None:
    with pytest.raises(InvalidChoices):
        encrypt_ballot(setup.selection, MarkedBallot(choices), seeded_rng(b"x"))


def test_select_min_enforced(setup: Setup) -> None:
    from tally.election import make_context
    from tally.manifest import selection_manifest

    ctx = make_context(selection_manifest("v", "t", ["a", "b", "c"], 1, 2), setup.ceremony)
    with pytest.raises(InvalidChoices):
        encrypt_ballot(ctx, MarkedBallot((0, 0, 0)), seeded_rng(b"x"))
    forged = forge_ballot(ctx, (0, 0, 0), seeded_rng(b"x"))
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(ctx, forged)
    assert info.value.constraint == 0


def test_forged_over_limit_ballot_names_constraint(setup: Setup) -> None:
    forged = forge_ballot(setup.selection, (1,) * 11 + (0, 0), seeded_rng(b"f"))
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(setup.selection, forged)
    assert (info.value.selection, info.value.constraint) == (None, 0)


def test_forged_non_binary_selection_is_named(setup: Setup) -> None:
    forged = forge_ballot(setup.selection, (0, 0, 0, 2) + (0,) * 9, seeded_rng(b"f"))
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(setup.selection, forged)
    assert info.value.selection == 3


def test_forged_rating_double_mark(setup: Setup) -> None:
    forged = forge_ballot(setup.rating, (0, 0, 0, 1, 1, 0, 0, 0, 0), seeded_rng(b"f"))
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(setup.rating, forged)
    assert info.value.constraint == 1


def test_wrong_election_and_shape(setup: Setup) -> None:
    marked = mark_motion(setup.motion.manifest, "abstain")
    ballot, _ = encrypt_ballot(setup.motion, marked, seeded_rng(b"w"))
    with pytest.raises(InvalidBallot, match="election hash"):
        verify_ballot(setup.selection, ballot)
    rebound = dataclasses.replace(ballot, election_hash=setup.selection.election_hash)
    with pytest.raises(InvalidBallot):
        verify_ballot(setup.selection, rebound)
    short = dataclasses.replace(ballot, selections=ballot.selections[:2])
    with pytest.raises(InvalidBallot, match="selections"):
        verify_ballot(setup.motion, short)
    no_proofs = dataclasses.replace(ballot, constraint_proofs=())
    with pytest.raises(InvalidBallot, match="constraint proofs"):
        verify_ballot(setup.motion, no_proofs)


def test_swapped_ciphertext_fails(setup: Setup) -> None:
    ctx = setup.motion
    ballot, _ = encrypt_ballot(ctx, mark_motion(ctx.manifest, "yes"), seeded_rng(b"s"))
    sels = list(ballot.selections)
    sels[0], sels[1] = (
        dataclasses.replace(sels[0], ciphertext=sels[1].ciphertext),
        dataclasses.replace(sels[1], ciphertext=sels[0].ciphertext),
    )
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(ctx, dataclasses.replace(ballot, selections=tuple(sels)))
    assert info.value.selection == 0


def test_identity_ciphertext_refused(setup: Setup) -> None:
    ctx = setup.motion
    ballot, _ = encrypt_ballot(ctx, mark_motion(ctx.manifest, "yes"), seeded_rng(b"s"))
    sels = list(ballot.selections)
    sels[2] = dataclasses.replace(sels[2], ciphertext=Ciphertext(IDENTITY, G))
    with pytest.raises(InvalidBallot) as info:
        verify_ballot(ctx, dataclasses.replace(ballot, selections=tuple(sels)))
    assert info.value.selection == 2


def test_audit_detects_wrong_opening(setup: Setup) -> None:
    ctx = setup.motion
    ballot, opening = encrypt_ballot(ctx, mark_motion(ctx.manifest, "yes"), seeded_rng(b"a"))
    nonces = list(opening.nonces)
    nonces[1] = nonces[1] + Scalar(1)
    with pytest.raises(InvalidBallot) as info:
        open_ballot(ctx, ballot, BallotOpening(tuple(nonces)))
    assert info.value.selection == 1
    with pytest.raises(InvalidBallot):
        open_ballot(ctx, ballot, BallotOpening(opening.nonces[:2]))
    # A ciphertext of 2 opens to neither 0 nor 1.
    forged = forge_ballot(ctx, (2, 0, 0), seeded_rng(b"a"))
    forged_nonces = BallotOpening(tuple(_nonces_of(b"a", 3)))
    with pytest.raises(InvalidBallot, match="0 or 1"):
        open_ballot(ctx, forged, forged_nonces)


def _nonces_of(seed: bytes, count: int) -> list[Scalar]:
    from tally.group import random_scalar

    rng = seeded_rng(seed)
    return [random_scalar(rng) for _ in range(count)]


def test_from_json_rejects_bad_encodings(setup: Setup) -> None:
    ctx = setup.motion
    ballot, _ = encrypt_ballot(ctx, mark_motion(ctx.manifest, "yes"), seeded_rng(b"j"))
    good = ballot.to_json()
    good_challenge = good["selections"][0]["proof"]["challenges"][0]

    def mutated(path: list[object], value: object) -> dict[str, object]:
        obj = json.loads(json.dumps(good))
        target = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return obj

    bad_cases = [
        mutated(["selections", 0, "ciphertext", "alpha"], IDENTITY.hex()),
        mutated(["selections", 0, "ciphertext", "beta"], "ff" * 31 + "7f"),
        mutated(["selections", 0, "proof", "challenges", 0], "ff" * 32),
        mutated(
            ["selections", 0, "proof", "challenges"],
            [good_challenge] * 3,
        ),
        mutated(["election_hash"], "00" * 31),
        mutated(["election_hash"], good["election_hash"].upper()),
        mutated(["constraint_proofs"], "x"),
        {**good, "extra": True},
    ]
    for bad in bad_cases:
        with pytest.raises(InvalidEncoding):
            EncryptedBallot.from_json(bad)


def test_marked_ballot_repr_hides_choices() -> None:
    assert "1" not in repr(MarkedBallot((1, 0, 1))).replace("3 hidden", "")
