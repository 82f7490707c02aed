"""tally.group: encodings, validation of untrusted points and scalars, arithmetic."""

from __future__ import annotations

import copy
import pickle

import pytest

from tally.errors import InvalidEncoding
from tally.group import IDENTITY, P_FIELD, G, L, Point, Scalar, g_pow, random_scalar
from tally.rng import seeded_rng
from tests import edwards_ref as ref

RNG_SEED = b"test_group"


def test_generator_is_rfc8032_base_point() -> None:
    assert G.hex() == "58" + "66" * 31
    assert G.to_bytes() == ref.encode(ref.B)


def test_identity_encoding() -> None:
    assert IDENTITY.to_bytes() == b"\x01" + bytes(31)
    assert IDENTITY.is_identity()
    assert not G.is_identity()


def test_scalar_mult_matches_reference() -> None:
    rng = seeded_rng(RNG_SEED)
    for _ in range(3):
        k = random_scalar(rng)
        assert (k * G).to_bytes() == ref.encode(ref.mul(k.value, ref.B))
        p = g_pow(7)
        assert (k * p).to_bytes() == ref.encode(ref.mul(k.value * 7 % L, ref.B))


def test_zero_and_identity_are_wrapped() -> None:
    zero = Scalar(0)
    assert (zero * G).is_identity()
    assert (zero * g_pow(5)).is_identity()
    assert (Scalar(5) * IDENTITY).is_identity()
    assert g_pow(0).is_identity()
    assert (G - G).is_identity()
    assert IDENTITY + G == G
    assert -G + G == IDENTITY


def test_group_laws() -> None:
    a, b = Scalar(11), Scalar(L - 3)
    assert a * G + b * G == (a + b) * G
    assert a * (b * G) == (a * b) * G
    assert g_pow(8) - g_pow(3) == g_pow(5)
    assert G * a == a * G


def test_scalar_arithmetic() -> None:
    a, b = Scalar(L - 1), Scalar(2)
    assert (a + b).value == 1
    assert (b - a).value == 3
    assert (a * a).value == 1
    assert (-b).value == L - 2
    assert (b * b.inverse()).value == 1
    assert Scalar.reduce(-1).value == L - 1
    with pytest.raises(ZeroDivisionError):
        Scalar(0).inverse()


@pytest.mark.parametrize("value", [-1, L, L + 5, True])
def test_scalar_rejects_out_of_range(value: int) -> None:
    with pytest.raises(ValueError):
        Scalar(value)


def test_scalar_encoding_round_trip() -> None:
    s = Scalar(L - 1)
    assert Scalar.from_bytes(s.to_bytes()) == s
    assert Scalar.from_hex(s.hex()) == s
    assert s.to_bytes() == (L - 1).to_bytes(32, "little")


@pytest.mark.parametrize(
    "data",
    [L.to_bytes(32, "little"), (L + 1).to_bytes(32, "little"), b"\xff" * 32, b"\x00" * 31],
)
def test_scalar_decoding_rejects(data: bytes) -> None:
    with pytest.raises(InvalidEncoding):
        Scalar.from_bytes(data)


@pytest.mark.parametrize("text", ["AB" * 32, "0" * 63, " " + "0" * 63, "0" * 66, 5, None])
def test_hex_must_be_exact_lowercase(text: object) -> None:
    with pytest.raises(InvalidEncoding):
        Scalar.from_hex(text)
    with pytest.raises(InvalidEncoding):
        Point.from_hex(text)


def test_scalar_repr_hides_value() -> None:
    assert "1234" not in repr(Scalar(1234))


def test_point_decoding_accepts_valid() -> None:
    p = g_pow(123456789)
    assert Point.from_bytes(p.to_bytes()) == p
    assert Point.from_hex(p.hex()) == p


@pytest.mark.parametrize("torsion", range(8))
def test_point_decoding_rejects_small_order(torsion: int) -> None:
    enc = ref.encode(ref.torsion_points()[torsion])
    with pytest.raises(InvalidEncoding, match="small-order"):
        Point.from_bytes(enc)


def test_point_decoding_rejects_torsion_component() -> None:
    t8 = ref.order8_point()
    mixed = ref.encode(ref.add(ref.mul(99, ref.B), t8))
    with pytest.raises(InvalidEncoding, match="torsion"):
        Point.from_bytes(mixed)


def test_point_decoding_rejects_off_curve() -> None:
    with pytest.raises(InvalidEncoding, match="not a point"):
        Point.from_bytes(ref.find_off_curve_encoding())


@pytest.mark.parametrize("y", [P_FIELD, P_FIELD + 1, 2**255 - 1])
def test_point_decoding_rejects_non_canonical(y: int) -> None:
    with pytest.raises(InvalidEncoding, match="non-canonical"):
        Point.from_bytes(y.to_bytes(32, "little"))


def test_point_decoding_rejects_identity_and_wrong_length() -> None:
    with pytest.raises(InvalidEncoding):
        Point.from_bytes(IDENTITY.to_bytes())
    with pytest.raises(InvalidEncoding):
        Point.from_bytes(G.to_bytes()[:31])
    assert Point.from_bytes_or_identity(IDENTITY.to_bytes()).is_identity()
    assert Point.from_hex_or_identity(G.hex()) == G
    with pytest.raises(InvalidEncoding):
        Point.from_bytes_or_identity(ref.encode(ref.torsion_points()[4]))


def test_point_is_immutable_and_not_constructible() -> None:
    with pytest.raises(TypeError):
        Point()
    with pytest.raises(AttributeError):
        G._enc = b"x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Scalar(1).value = 2  # type: ignore[misc]


def test_point_pickle_and_copy() -> None:
    p = g_pow(42)
    assert pickle.loads(pickle.dumps(p)) == p
    assert copy.deepcopy(p) is p
    assert hash(p) == hash(g_pow(42))
    assert p != g_pow(43)


def test_random_scalar_uses_64_bytes_reduced() -> None:
    data = bytes(range(64))
    s = random_scalar(lambda n: data[:n])
    assert s.value == int.from_bytes(data, "little") % L
    with pytest.raises(ValueError):
        random_scalar(lambda n: b"\x00" * 32)


def test_g_pow_range() -> None:
    with pytest.raises(ValueError):
        g_pow(-1)
    with pytest.raises(ValueError):
        g_pow(L)
