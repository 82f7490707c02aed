"""Schnorr proof of knowledge of a discrete logarithm (spec §5.1, docs/spec/crypto.md).

Statement: X = x·G, bound to ``context`` bytes. Prover: w ← rng; h = w·G;
c = H("rendavote/v1/schnorr", context, X, h); v = w + c·x. Verifier: h = v·G − c·X and
c = H("rendavote/v1/schnorr", context, X, h).
"""

from __future__ import annotations

from dataclasses import dataclass

from tally.errors import InvalidProof
from tally.group import G, Point, Scalar, random_scalar
from tally.hashing import TAG_SCHNORR, hash_to_scalar
from tally.json_fields import JsonObject, get_object, get_scalar
from tally.rng import Rng

__all__ = ["SchnorrProof", "prove_schnorr", "verify_schnorr"]


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """A Schnorr proof (c, v)."""

    c: Scalar
    """Challenge c (spec symbol c)."""
    v: Scalar
    """Response v = w + c·x (spec symbol v)."""

    def to_json(self) -> JsonObject:
        """``{"c": hex, "v": hex}``."""
        return {"c": self.c.hex(), "v": self.v.hex()}

    @classmethod
    def from_json(cls, obj: object) -> SchnorrProof:
        """Parse; both scalars must be reduced (< L)."""
        fields = get_object(obj, ("c", "v"), "schnorr proof")
        return cls(get_scalar(fields["c"], "schnorr.c"), get_scalar(fields["v"], "schnorr.v"))


def prove_schnorr(secret: Scalar, context: bytes, rng: Rng) -> SchnorrProof:
    """Prove knowledge of x = ``secret`` for X = x·G. Draws w (64 bytes) from rng."""
    public = secret * G
    w = random_scalar(rng)
    c = hash_to_scalar(TAG_SCHNORR, context, public, w * G)
    return SchnorrProof(c, w + c * secret)


def verify_schnorr(public: Point, context: bytes, proof: SchnorrProof) -> None:
    """Check the proof for X = ``public`` and ``context``; raise InvalidProof if it fails."""
    h = proof.v * G - proof.c * public
    if hash_to_scalar(TAG_SCHNORR, context, public, h) != proof.c:
        raise InvalidProof("schnorr proof does not verify")
