"""Test-only helpers that build DISHONEST ballots, which ``encrypt_ballot`` refuses to make.

A cheating prover cannot make a false range proof verify; ``forge_range_proof`` does what
one would try: simulate every branch and patch one challenge so the challenges sum to the
hash. The patched branch's commitments no longer match, so verification fails — which is
what the tests check.
"""

from __future__ import annotations

from collections.abc import Sequence

from tally.ballot import EncryptedBallot, EncryptedSelection, ballot_digest, proof_context
from tally.election import ElectionContext
from tally.elgamal import Ciphertext, encrypt
from tally.group import G, L, Point, Scalar, g_pow, random_scalar
from tally.hashing import TAG_RANGE, HashPart, hash_to_scalar
from tally.proofs.range_proof import RangeProof, prove_range
from tally.rng import Rng

__all__ = ["forge_ballot", "forge_range_proof"]


def forge_range_proof(
    election_hash: bytes,
    context: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    lo: int,
    hi: int,
    rng: Rng,
) -> RangeProof:
    """A "proof" for a ciphertext whose value is outside [lo, hi] (it will not verify)."""
    parts: list[HashPart] = [election_hash, context, public_key, ciphertext.alpha,
                             ciphertext.beta, lo, hi]
    challenges: list[Scalar] = []
    responses: list[Scalar] = []
    for j in range(lo, hi + 1):
        c_j, v_j = random_scalar(rng), random_scalar(rng)
        parts += [
            v_j * G - c_j * ciphertext.alpha,
            v_j * public_key - c_j * (ciphertext.beta - g_pow(j)),
        ]
        challenges.append(c_j)
        responses.append(v_j)
    c = hash_to_scalar(TAG_RANGE, *parts)
    challenges[0] = Scalar((c.value - sum(x.value for x in challenges[1:])) % L)
    return RangeProof(tuple(challenges), tuple(responses))


def forge_ballot(ctx: ElectionContext, choices: Sequence[int], rng: Rng) -> EncryptedBallot:
    """Encrypt arbitrary non-negative ints per selection (e.g. 2, or 11 marks of 13-选-10)
    with honest proofs where they exist and forged ones elsewhere."""
    h_e, key = ctx.election_hash, ctx.public_key
    nonces = [random_scalar(rng) for _ in choices]
    cts = [encrypt(m, key, r) for m, r in zip(choices, nonces, strict=True)]
    digest = ballot_digest(h_e, cts)
    selections = []
    for i, (m, r, ct) in enumerate(zip(choices, nonces, cts, strict=True)):
        context = proof_context(digest, 0, i)
        if m in (0, 1):
            proof = prove_range(h_e, context, key, ct, m, r, 0, 1, rng)
        else:
            proof = forge_range_proof(h_e, context, key, ct, 0, 1, rng)
        selections.append(EncryptedSelection(ct, proof))
    constraint_proofs = []
    for t, constraint in enumerate(ctx.manifest.constraints):
        context = proof_context(digest, 1, t)
        idx = constraint.selections
        total = cts[idx[0]]
        r_sum = nonces[idx[0]]
        for i in idx[1:]:
            total = total + cts[i]
            r_sum = r_sum + nonces[i]
        m_sum = sum(choices[i] for i in idx)
        if constraint.min <= m_sum <= constraint.max:
            proof = prove_range(h_e, context, key, total, m_sum, r_sum, constraint.min,
                                constraint.max, rng)
        else:
            proof = forge_range_proof(h_e, context, key, total, constraint.min, constraint.max,
                                      rng)
        constraint_proofs.append(proof)
    return EncryptedBallot(h_e, tuple(selections), tuple(constraint_proofs))
