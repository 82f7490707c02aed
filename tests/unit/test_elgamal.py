"""tally.elgamal: encryption, homomorphic addition, small discrete logs."""

from __future__ import annotations

import pytest

from tally.elgamal import IDENTITY_CIPHERTEXT, Ciphertext, DlogTable, decrypt, encrypt
from tally.errors import DecryptionError, InvalidEncoding
from tally.group import IDENTITY, G, Scalar, g_pow, random_scalar
from tally.rng import seeded_rng


def _keys() -> tuple[Scalar, Scalar]:
    rng = seeded_rng(b"test_elgamal")
    return random_scalar(rng), random_scalar(rng)


def test_encrypt_is_the_specified_formula() -> None:
    x, r = _keys()
    k = x * G
    ct = encrypt(3, k, r)
    assert ct.alpha == r * G
    assert ct.beta == g_pow(3) + r * k
    assert decrypt(ct, x, DlogTable(5)) == 3


def test_zero_encrypts_to_r_times_k() -> None:
    x, r = _keys()
    assert encrypt(0, x * G, r).beta == r * (x * G)


def test_homomorphic_sum() -> None:
    x, r = _keys()
    k = x * G
    total = IDENTITY_CIPHERTEXT
    for m in (1, 0, 1, 1):
        total = total + encrypt(m, k, r)
    assert decrypt(total, x, DlogTable(10)) == 3


def test_json_round_trip_and_validation() -> None:
    x, r = _keys()
    ct = encrypt(1, x * G, r)
    assert Ciphertext.from_json(ct.to_json()) == ct
    with pytest.raises(InvalidEncoding):
        Ciphertext.from_json(IDENTITY_CIPHERTEXT.to_json())
    assert Ciphertext.from_json(IDENTITY_CIPHERTEXT.to_json(), allow_identity=True) == (
        IDENTITY_CIPHERTEXT
    )
    with pytest.raises(InvalidEncoding):
        Ciphertext.from_json({**ct.to_json(), "extra": 1})
    with pytest.raises(InvalidEncoding):
        Ciphertext.from_json([ct.alpha.hex(), ct.beta.hex()])


def test_dlog_table_bounds() -> None:
    table = DlogTable(3000)
    assert table.lookup(IDENTITY) == 0
    assert table.lookup(g_pow(3000)) == 3000
    assert table.lookup(g_pow(1234)) == 1234
    with pytest.raises(DecryptionError):
        table.lookup(g_pow(3001))
    with pytest.raises(ValueError):
        DlogTable(-1)
