"""tally.rng: the deterministic SHA-512 counter-mode stream."""

from __future__ import annotations

import hashlib

import pytest

from tally.rng import RNG_TAG, seeded_rng, system_rng


def _block(seed: bytes, i: int) -> bytes:
    prefix = len(RNG_TAG).to_bytes(4, "big") + RNG_TAG + len(seed).to_bytes(4, "big") + seed
    return hashlib.sha512(prefix + i.to_bytes(8, "big")).digest()


def test_stream_is_specified_counter_mode() -> None:
    rng = seeded_rng(b"seed")
    stream = _block(b"seed", 0) + _block(b"seed", 1) + _block(b"seed", 2)
    assert rng(10) + rng(0) + rng(100) + rng(20) == stream[:130]


def test_same_seed_same_stream_other_seed_other_stream() -> None:
    assert seeded_rng(b"a")(64) == seeded_rng(b"a")(64)
    assert seeded_rng(b"a")(64) != seeded_rng(b"b")(64)


def test_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError):
        seeded_rng("text")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        seeded_rng(b"")(-1)


def test_system_rng_length() -> None:
    assert len(system_rng(64)) == 64
