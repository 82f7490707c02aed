"""Disjunctive Chaum–Pedersen range proof (spec §5.2, docs/spec/crypto.md).

Statement: the ciphertext (alpha, beta) under public key K encrypts some j with
lo ≤ j ≤ hi, bound to the election hash h_E and to a context string ctx (for ballots: the
ballot's ciphertext digest and the proof's place in it, spec §8.1). Compact form: one
challenge c_j and one response v_j per j. The verifier recomputes, for j = lo … hi,

    a_j = v_j·G − c_j·alpha
    b_j = v_j·K − c_j·(beta − j·G)

and accepts iff  Σ_j c_j = H("rendavote/v1/range", h_E, ctx, K, alpha, beta, lo, hi,
a_lo, b_lo, …, a_hi, b_hi)  (sum mod L).

Per selection (lo, hi) = (0, 1); per constraint it is (min, max) on the homomorphic sum.
"""

from __future__ import annotations

from dataclasses import dataclass

from tally.elgamal import Ciphertext
from tally.errors import InvalidProof
from tally.group import G, L, Point, Scalar, g_pow, random_scalar
from tally.hashing import TAG_RANGE, HashPart, hash_to_scalar
from tally.json_fields import JsonObject, get_object, scalar_list
from tally.rng import Rng

__all__ = ["MAX_RANGE_WIDTH", "RangeProof", "prove_range", "verify_range"]

MAX_RANGE_WIDTH = 4096
"""Most branches (hi − lo + 1) a proof may have; bounds the work an input can demand."""

_ZERO = Scalar(0)


@dataclass(frozen=True, slots=True)
class RangeProof:
    """Challenges c_lo … c_hi and responses v_lo … v_hi (same length, hi − lo + 1)."""

    challenges: tuple[Scalar, ...]
    """c_j for j = lo … hi (spec symbol c_j)."""
    responses: tuple[Scalar, ...]
    """v_j for j = lo … hi (spec symbol v_j)."""

    def to_json(self) -> JsonObject:
        """``{"challenges": [hex…], "responses": [hex…]}``."""
        return {
            "challenges": [c.hex() for c in self.challenges],
            "responses": [v.hex() for v in self.responses],
        }

    @classmethod
    def from_json(cls, obj: object, length: int | None = None) -> RangeProof:
        """Parse; every scalar must be reduced. ``length`` (hi − lo + 1), when given,
        is enforced for both lists."""
        fields = get_object(obj, ("challenges", "responses"), "range proof")
        challenges = scalar_list(fields["challenges"], "range_proof.challenges", length)
        responses = scalar_list(fields["responses"], "range_proof.responses", len(challenges))
        return cls(challenges, responses)


def _check_bounds(lo: int, hi: int) -> None:
    if type(lo) is not int or type(hi) is not int or not 0 <= lo <= hi:
        raise ValueError("range bounds need 0 <= lo <= hi")
    if hi - lo + 1 > MAX_RANGE_WIDTH:
        raise ValueError(f"a range proof has at most {MAX_RANGE_WIDTH} branches")


def _statement(
    election_hash: bytes, context: bytes, public_key: Point, ciphertext: Ciphertext, lo: int,
    hi: int,
) -> list[HashPart]:
    return [election_hash, context, public_key, ciphertext.alpha, ciphertext.beta, lo, hi]


def prove_range(
    election_hash: bytes,
    context: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    m: int,
    r: Scalar,
    lo: int,
    hi: int,
    rng: Rng,
) -> RangeProof:
    """Prove that ``ciphertext`` = (r·G, m·G + r·K) encrypts a value in [lo, hi], bound
    to ``election_hash`` and ``context``.

    Randomness, drawn in order j = lo … hi: for j ≠ m, c_j then v_j; for j = m, u.
    """
    _check_bounds(lo, hi)
    if not lo <= m <= hi:
        raise ValueError("the encrypted value is outside [lo, hi]: no proof exists")
    alpha, beta = ciphertext.alpha, ciphertext.beta
    commitments: list[HashPart] = []
    challenges: list[Scalar] = []
    responses: list[Scalar] = []
    u = _ZERO
    beta_j = beta - g_pow(lo) if lo else beta  # beta − j·G, advanced by one G per branch
    for j in range(lo, hi + 1):
        if j > lo:
            beta_j = beta_j - G
        if j == m:
            u = random_scalar(rng)
            commitments += [u * G, u * public_key]
            challenges.append(_ZERO)
            responses.append(_ZERO)
        else:
            c_j = random_scalar(rng)
            v_j = random_scalar(rng)
            commitments += [v_j * G - c_j * alpha, v_j * public_key - c_j * beta_j]
            challenges.append(c_j)
            responses.append(v_j)
    c = hash_to_scalar(
        TAG_RANGE, *_statement(election_hash, context, public_key, ciphertext, lo, hi), *commitments
    )
    c_m = c
    for c_j in challenges:
        c_m = c_m - c_j
    challenges[m - lo] = c_m
    responses[m - lo] = u + c_m * r
    return RangeProof(tuple(challenges), tuple(responses))


def verify_range(
    election_hash: bytes,
    context: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    lo: int,
    hi: int,
    proof: RangeProof,
) -> None:
    """Check that ``proof`` shows ``ciphertext`` encrypts a value in [lo, hi] under
    ``public_key``; raise InvalidProof if not."""
    _check_bounds(lo, hi)
    width = hi - lo + 1
    if len(proof.challenges) != width or len(proof.responses) != width:
        raise InvalidProof(f"range proof for [{lo}, {hi}] needs {width} challenges and responses")
    alpha, beta = ciphertext.alpha, ciphertext.beta
    commitments: list[HashPart] = []
    beta_j = beta - g_pow(lo) if lo else beta
    for j, (c_j, v_j) in enumerate(zip(proof.challenges, proof.responses, strict=True)):
        if j:
            beta_j = beta_j - G
        commitments.append(v_j * G - c_j * alpha)
        commitments.append(v_j * public_key - c_j * beta_j)
    c = hash_to_scalar(
        TAG_RANGE, *_statement(election_hash, context, public_key, ciphertext, lo, hi), *commitments
    )
    # The challenges are public: summing them as Python ints is safe and cheaper.
    if c.value != sum(c_j.value for c_j in proof.challenges) % L:
        raise InvalidProof("range proof does not verify")
