"""The tablet's side of a cast, in Python: turn a marked ballot into an encrypted one.

``voting simulate`` and the load tests use it; the kiosk does the same in JavaScript. A
ballot outside the vote's limits is still encrypted "honestly" here, selection by selection,
but no valid limit proof exists for it, so the ballot box refuses it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from tally.ballot import (
    EncryptedBallot,
    EncryptedSelection,
    MarkedBallot,
    ballot_digest,
    encrypt_ballot,
    proof_context,
)
from tally.election import ElectionContext
from tally.elgamal import encrypt
from tally.group import random_scalar
from tally.proofs import prove_range
from tally.vote_spec import MOTION_CHOICES, VoteSpec

__all__ = ["choices_for", "encrypt_attempt", "minimal_valid"]

Rng = Callable[[int], bytes]


def choices_for(spec: VoteSpec, mark: object) -> tuple[tuple[int, ...], bool]:
    """The 0/1 vector of a scenario ballot entry's mark, and whether it keeps the limits.

    ``mark`` is a selection's list of option indices, a rating's list of scale indices (or
    None), or a motion's "yes" / "no" / "abstain"; anything else breaks the limits (a
    scenario's motion ballot always carries one of the three).
    """
    if spec.kind == "selection":
        assert spec.options is not None and spec.select_min is not None
        assert spec.select_max is not None
        picked = list(mark) if isinstance(mark, list) else []
        n = len(spec.options)
        vector = tuple(1 if i in picked else 0 for i in range(n))
        valid = (
            isinstance(mark, list)
            and all(type(i) is int and 0 <= i < n for i in picked)
            and len(set(picked)) == len(picked)
            and spec.select_min <= len(picked) <= spec.select_max
        )
        return vector, valid
    if spec.kind == "rating":
        assert spec.items is not None and spec.scale is not None
        width, items = len(spec.scale), len(spec.items)
        ratings = list(mark) if isinstance(mark, list) else []
        marks = [0] * (width * items)
        valid = isinstance(mark, list) and len(ratings) == items
        for item, grade in enumerate(ratings[:items]):
            if grade is None:
                continue
            if type(grade) is int and 0 <= grade < width:
                marks[item * width + grade] = 1
            else:
                valid = False
        return tuple(marks), valid
    if mark in MOTION_CHOICES:
        return tuple(1 if c == mark else 0 for c in MOTION_CHOICES), True
    return (0, 0, 0), False


def encrypt_attempt(ctx: ElectionContext, vector: Sequence[int], valid: bool,
                    rng: Rng) -> EncryptedBallot:
    """Encrypt ``vector``. When it breaks a limit, encrypt and prove each selection honestly
    and pair them with limit proofs made for another ballot (none can exist for this one),
    as a broken or malicious tablet would have to."""
    if valid:
        ballot, _ = encrypt_ballot(ctx, MarkedBallot(tuple(vector)), rng)
        return ballot
    nonces = [random_scalar(rng) for _ in vector]
    ciphertexts = [encrypt(m, ctx.public_key, r) for m, r in zip(vector, nonces, strict=True)]
    digest = ballot_digest(ctx.election_hash, ciphertexts)
    selections = [
        EncryptedSelection(c, prove_range(ctx.election_hash, proof_context(digest, 0, i),
                                          ctx.public_key, c, m, r, 0, 1, rng))
        for i, (m, r, c) in enumerate(zip(vector, nonces, ciphertexts, strict=True))
    ]
    decoy, _ = encrypt_ballot(ctx, MarkedBallot(minimal_valid(ctx)), rng)
    return dataclasses.replace(decoy, selections=tuple(selections))


def minimal_valid(ctx: ElectionContext) -> tuple[int, ...]:
    """The ballot marking, for each constraint, its first ``min`` selections."""
    vector = [0] * len(ctx.manifest.labels)
    for constraint in ctx.manifest.constraints:
        for index in constraint.selections[: constraint.min]:
            vector[index] = 1
    return tuple(vector)
