"""Chaum–Pedersen proof of a correct decryption share (spec §5.3, docs/spec/crypto.md).

Statement: S = s·G (the scrutineer's verification key) and D = s·A (its share of the
aggregate ciphertext's alpha A), bound to the election hash h_E. Prover: w ← rng;
a = w·G; b = w·A; c = H("rendavote/v1/decryption", h_E, S, A, D, a, b); v = w + c·s.
Verifier: a = v·G − c·S, b = v·A − c·D, and c must equal that hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from tally.errors import InvalidProof
from tally.group import G, Point, Scalar, random_scalar
from tally.hashing import TAG_DECRYPTION, hash_to_scalar
from tally.json_fields import JsonObject, get_object, get_scalar
from tally.rng import Rng

__all__ = ["DecryptionProof", "prove_decryption", "verify_decryption"]


@dataclass(frozen=True, slots=True)
class DecryptionProof:
    """A Chaum–Pedersen proof (c, v) that log_G S = log_A D."""

    c: Scalar
    """Challenge c (spec symbol c)."""
    v: Scalar
    """Response v = w + c·s (spec symbol v)."""

    def to_json(self) -> JsonObject:
        """``{"c": hex, "v": hex}``."""
        return {"c": self.c.hex(), "v": self.v.hex()}

    @classmethod
    def from_json(cls, obj: object) -> DecryptionProof:
        """Parse; both scalars must be reduced (< L)."""
        fields = get_object(obj, ("c", "v"), "decryption proof")
        return cls(
            get_scalar(fields["c"], "decryption_proof.c"),
            get_scalar(fields["v"], "decryption_proof.v"),
        )


def prove_decryption(
    election_hash: bytes, secret_share: Scalar, alpha: Point, rng: Rng
) -> tuple[Point, DecryptionProof]:
    """The share D = s·A of ``alpha`` = A and its proof. Draws w (64 bytes) from rng."""
    share = secret_share * alpha
    w = random_scalar(rng)
    c = hash_to_scalar(
        TAG_DECRYPTION, election_hash, secret_share * G, alpha, share, w * G, w * alpha
    )
    return share, DecryptionProof(c, w + c * secret_share)


def verify_decryption(
    election_hash: bytes,
    verification_key: Point,
    alpha: Point,
    share: Point,
    proof: DecryptionProof,
) -> None:
    """Check D = ``share`` against S = ``verification_key`` and A = ``alpha``; raise
    InvalidProof if it fails."""
    a = proof.v * G - proof.c * verification_key
    b = proof.v * alpha - proof.c * share
    expected = hash_to_scalar(TAG_DECRYPTION, election_hash, verification_key, alpha, share, a, b)
    if expected != proof.c:
        raise InvalidProof("decryption proof does not verify")
