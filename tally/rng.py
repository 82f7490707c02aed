"""Randomness sources for the pure core (spec §9, docs/spec/crypto.md).

The core never draws global randomness: every function that needs it takes an ``rng``,
a callable ``rng(n) -> n bytes``. Production passes ``secrets.token_bytes`` (the OS
CSPRNG). Tests, test vectors and ``voting simulate --seed`` pass ``seeded_rng(seed)``, a
deterministic stream: block i (i = 0, 1, 2, …) is

    SHA-512( u32be(len(TAG)) ‖ TAG ‖ u32be(len(seed)) ‖ seed ‖ u64be(i) ),
    TAG = "rendavote/v1/rng" (UTF-8),

and successive calls return successive bytes of block 0 ‖ block 1 ‖ …. It is only as
secret as its seed: never use it for a real vote.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

__all__ = ["RNG_TAG", "Rng", "seeded_rng", "system_rng"]

Rng = Callable[[int], bytes]
"""The randomness interface: ``rng(n)`` returns ``n`` fresh bytes."""

RNG_TAG = b"rendavote/v1/rng"


def system_rng(n: int) -> bytes:
    """The OS CSPRNG (``secrets.token_bytes``): the source for real votes."""
    return secrets.token_bytes(n)


def seeded_rng(seed: bytes) -> Rng:
    """A deterministic byte stream from ``seed``: SHA-512 in counter mode (module docstring)."""
    if not isinstance(seed, bytes):
        raise TypeError("seed must be bytes")
    prefix = len(RNG_TAG).to_bytes(4, "big") + RNG_TAG + len(seed).to_bytes(4, "big") + seed
    buffer = bytearray()
    counter = 0

    def rng(n: int) -> bytes:
        nonlocal counter
        if n < 0:
            raise ValueError("n must be >= 0")
        while len(buffer) < n:
            buffer.extend(hashlib.sha512(prefix + counter.to_bytes(8, "big")).digest())
            counter += 1
        out = bytes(buffer[:n])
        del buffer[:n]
        return out

    return rng
