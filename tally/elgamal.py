"""Exponential ElGamal over ⟨G⟩ (spec §4, docs/spec/crypto.md).

A ciphertext of a small count m under the joint public key K with nonce r is
(alpha, beta) = (r·G, m·G + r·K). Ciphertexts add homomorphically: the sum encrypts the
sum of the counts. Decryption yields m·G; ``DlogTable`` turns that back into m for
0 ≤ m ≤ max_count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tally.errors import DecryptionError
from tally.group import IDENTITY, G, Point, Scalar, g_pow
from tally.json_fields import JsonObject, get_object, get_point

__all__ = [
    "IDENTITY_CIPHERTEXT",
    "Ciphertext",
    "DlogTable",
    "decrypt",
    "encrypt",
]


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """An exponential ElGamal ciphertext (alpha, beta)."""

    alpha: Point
    """alpha = r·G (spec symbol α)."""
    beta: Point
    """beta = m·G + r·K (spec symbol β)."""

    def __add__(self, other: Ciphertext) -> Ciphertext:
        if not isinstance(other, Ciphertext):
            return NotImplemented
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def to_json(self) -> JsonObject:
        """``{"alpha": hex, "beta": hex}``."""
        return {"alpha": self.alpha.hex(), "beta": self.beta.hex()}

    @classmethod
    def from_json(cls, obj: object, *, allow_identity: bool = False) -> Ciphertext:
        """Parse and validate both points. ``allow_identity`` is for aggregates only (an
        empty tally sums to (O, O)); a ballot's ciphertext never contains O."""
        fields: Mapping[str, Any] = get_object(obj, ("alpha", "beta"), "ciphertext")
        return cls(
            get_point(fields["alpha"], "ciphertext.alpha", allow_identity),
            get_point(fields["beta"], "ciphertext.beta", allow_identity),
        )


IDENTITY_CIPHERTEXT = Ciphertext(IDENTITY, IDENTITY)
"""(O, O): the encryption of 0 with nonce 0, the neutral element of ciphertext addition."""


def encrypt(m: int, public_key: Point, r: Scalar) -> Ciphertext:
    """(r·G, m·G + r·K): encrypt the count m under public key K with nonce r."""
    return Ciphertext(r * G, g_pow(m) + r * public_key)


def decrypt(ciphertext: Ciphertext, secret_key: Scalar, table: DlogTable) -> int:
    """m from beta − x·alpha with the whole secret key x (tests and single-holder use)."""
    return table.lookup(ciphertext.beta - secret_key * ciphertext.alpha)


class DlogTable:
    """Discrete logs of m·G for 0 ≤ m ≤ max_count, by a table built once (max_count adds)."""

    __slots__ = ("_logs", "max_count")

    def __init__(self, max_count: int) -> None:
        if type(max_count) is not int or max_count < 0:
            raise ValueError("max_count must be an int >= 0")
        self.max_count = max_count
        logs: dict[bytes, int] = {IDENTITY.to_bytes(): 0}
        point = IDENTITY
        for m in range(1, max_count + 1):
            point = point + G
            logs[point.to_bytes()] = m
        self._logs = logs

    def lookup(self, point: Point) -> int:
        """m with m·G = point; DecryptionError when m is not in [0, max_count]."""
        m = self._logs.get(point.to_bytes())
        if m is None:
            raise DecryptionError(f"decrypted value is not a count in [0, {self.max_count}]")
        return m
