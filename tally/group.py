"""Hazmat layer: the prime-order subgroup of Ed25519 (spec §2, docs/spec/crypto.md).

Symbols: ``L`` is the group order, ``G`` the RFC 8032 base point, ``Scalar`` an integer
modulo ``L``, ``Point`` an element of the order-``L`` subgroup ⟨G⟩. Every point operation
goes through libsodium (PyNaCl ``nacl.bindings``); scalar arithmetic too, so operations on
secret scalars run in libsodium's constant-time code rather than in Python integers.

libsodium refuses a zero scalar, an identity input and an identity result in its scalar
multiplications; this module wraps that (0·P = O, s·O = O). The identity ``O``
(``IDENTITY``) is usable internally (sums, empty aggregates) but ``Point.from_bytes``
never accepts it from untrusted input.

Only ``tally``'s own modules should use this layer; callers use ``encrypt_ballot``,
``verify_ballot``, ``combine_decryption`` and friends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nacl import bindings as _na
from nacl import exceptions as _nacl_exc

from tally.errors import InvalidEncoding

__all__ = [
    "IDENTITY",
    "P_FIELD",
    "G",
    "L",
    "Point",
    "Scalar",
    "g_pow",
    "parse_hex",
    "random_scalar",
]

L: int = 2**252 + 27742317777372353535851937790883648493
"""Order of the prime-order subgroup ⟨G⟩ (spec symbol L)."""

P_FIELD: int = 2**255 - 19
"""The field prime p of edwards25519; canonical encodings have y < p."""

_HEX_DIGITS = frozenset("0123456789abcdef")
_Y_MASK = (1 << 255) - 1
_IDENTITY_ENC = b"\x01" + b"\x00" * 31


def parse_hex(text: object, nbytes: int) -> bytes:
    """Decode exactly ``nbytes`` bytes from lowercase hex; raise InvalidEncoding otherwise.

    ``bytes.fromhex`` alone would accept upper case and whitespace: a second spelling of the
    same value that a hash over the JSON would then not cover.
    """
    if not isinstance(text, str) or len(text) != 2 * nbytes or not _HEX_DIGITS.issuperset(text):
        raise InvalidEncoding(f"expected {2 * nbytes} lowercase hex digits")
    return bytes.fromhex(text)


@dataclass(frozen=True, slots=True, repr=False)
class Scalar:
    """An integer modulo L, 0 ≤ value < L. Encoded as 32 bytes little-endian.

    ``repr`` hides the value: scalars are often secret (nonces, key shares).
    """

    value: int

    def __post_init__(self) -> None:
        if type(self.value) is not int or not 0 <= self.value < L:
            raise ValueError("a Scalar needs an int with 0 <= value < L")

    @classmethod
    def reduce(cls, value: int) -> Scalar:
        """The scalar ``value mod L`` for any int (e.g. a negative Lagrange factor)."""
        return cls(value % L)

    @classmethod
    def from_bytes(cls, data: bytes) -> Scalar:
        """Decode 32 bytes little-endian; untrusted input, so a value ≥ L is refused."""
        if not isinstance(data, bytes) or len(data) != 32:
            raise InvalidEncoding("a scalar is 32 bytes")
        value = int.from_bytes(data, "little")
        if value >= L:
            raise InvalidEncoding("scalar is not reduced (value >= L)")
        return cls(value)

    @classmethod
    def from_hex(cls, text: object) -> Scalar:
        """Decode 64 lowercase hex digits (see ``from_bytes``)."""
        return cls.from_bytes(parse_hex(text, 32))

    def to_bytes(self) -> bytes:
        """32 bytes little-endian."""
        return self.value.to_bytes(32, "little")

    def hex(self) -> str:
        """64 lowercase hex digits of ``to_bytes()``."""
        return self.to_bytes().hex()

    def __add__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return _scalar(_na.crypto_core_ed25519_scalar_add(self.to_bytes(), other.to_bytes()))

    def __sub__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return _scalar(_na.crypto_core_ed25519_scalar_sub(self.to_bytes(), other.to_bytes()))

    def __mul__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return _scalar(_na.crypto_core_ed25519_scalar_mul(self.to_bytes(), other.to_bytes()))

    def __neg__(self) -> Scalar:
        return _scalar(_na.crypto_core_ed25519_scalar_negate(self.to_bytes()))

    def inverse(self) -> Scalar:
        """The multiplicative inverse modulo L; ZeroDivisionError for 0."""
        if self.value == 0:
            raise ZeroDivisionError("0 has no inverse modulo L")
        return _scalar(_na.crypto_core_ed25519_scalar_invert(self.to_bytes()))

    def __repr__(self) -> str:
        return "Scalar(<hidden>)"


def _scalar(data: bytes) -> Scalar:
    # libsodium's scalar functions always return a reduced value.
    return Scalar(int.from_bytes(data, "little"))


class Point:
    """An element of ⟨G⟩, held as its 32-byte RFC 8032 encoding. Immutable.

    Build one from untrusted bytes with ``Point.from_bytes`` / ``Point.from_hex`` (which
    validate), or by arithmetic on points; there is no public constructor.
    """

    __slots__ = ("_enc",)
    _enc: bytes

    def __init__(self) -> None:
        raise TypeError("use Point.from_bytes / Point.from_hex, or arithmetic on points")

    @classmethod
    def from_bytes(cls, data: bytes) -> Point:
        """Decode an untrusted encoding: 32 bytes, canonical (y < p), on the curve, in the
        prime-order subgroup (no torsion component), and not the identity."""
        if not isinstance(data, bytes) or len(data) != 32:
            raise InvalidEncoding("a point is 32 bytes")
        if int.from_bytes(data, "little") & _Y_MASK >= P_FIELD:
            raise InvalidEncoding("non-canonical point encoding (y >= p)")
        if not _na.crypto_core_ed25519_is_valid_point(data):
            raise InvalidEncoding(_why_invalid(data))
        return _point(data)

    @classmethod
    def from_hex(cls, text: object) -> Point:
        """Decode 64 lowercase hex digits (see ``from_bytes``)."""
        return cls.from_bytes(parse_hex(text, 32))

    @classmethod
    def from_bytes_or_identity(cls, data: bytes) -> Point:
        """As ``from_bytes``, but also accept the canonical identity encoding 01 00…00.

        Only for values the spec allows to be O (aggregate ciphertexts and decryption
        shares of an empty tally); the verifier then ties them to their statement.
        """
        if data == _IDENTITY_ENC:
            return IDENTITY
        return cls.from_bytes(data)

    @classmethod
    def from_hex_or_identity(cls, text: object) -> Point:
        """Hex form of ``from_bytes_or_identity``."""
        return cls.from_bytes_or_identity(parse_hex(text, 32))

    def to_bytes(self) -> bytes:
        """The 32-byte RFC 8032 encoding."""
        return self._enc

    def hex(self) -> str:
        """64 lowercase hex digits of ``to_bytes()``."""
        return self._enc.hex()

    def is_identity(self) -> bool:
        """True for the neutral element O."""
        return self._enc == _IDENTITY_ENC

    def __add__(self, other: Point) -> Point:
        if not isinstance(other, Point):
            return NotImplemented
        return _point(_na.crypto_core_ed25519_add(self._enc, other._enc))

    def __sub__(self, other: Point) -> Point:
        if not isinstance(other, Point):
            return NotImplemented
        return _point(_na.crypto_core_ed25519_sub(self._enc, other._enc))

    def __neg__(self) -> Point:
        return _point(_na.crypto_core_ed25519_sub(_IDENTITY_ENC, self._enc))

    def __mul__(self, scalar: Scalar) -> Point:
        if not isinstance(scalar, Scalar):
            return NotImplemented
        if scalar.value == 0 or self._enc == _IDENTITY_ENC:
            return IDENTITY
        if self._enc == _G_ENC:
            # The fixed-base table is ~5x faster than a variable-base multiplication.
            return _point(_na.crypto_scalarmult_ed25519_base_noclamp(scalar.to_bytes()))
        return _point(_na.crypto_scalarmult_ed25519_noclamp(scalar.to_bytes(), self._enc))

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Point):
            return NotImplemented
        return self._enc == other._enc

    def __hash__(self) -> int:
        return hash(self._enc)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Point is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Point is immutable")

    def __repr__(self) -> str:
        return f"Point({self._enc.hex()})"

    def __reduce__(self) -> tuple[Callable[[bytes], Point], tuple[bytes]]:
        return (_point, (self._enc,))

    def __copy__(self) -> Point:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Point:
        return self


def _point(enc: bytes) -> Point:
    """Wrap an encoding known to be in ⟨G⟩ (libsodium output or already validated)."""
    point = object.__new__(Point)
    object.__setattr__(point, "_enc", enc)
    return point


def _why_invalid(data: bytes) -> str:
    """Explain a rejected canonical encoding (only runs on the failure path)."""
    try:
        p2 = _na.crypto_core_ed25519_add(data, data)
    except _nacl_exc.CryptoError:
        return "not a point on edwards25519"
    p8 = _na.crypto_core_ed25519_add(p2, p2)
    p8 = _na.crypto_core_ed25519_add(p8, p8)
    if p8 == _IDENTITY_ENC:
        return "small-order point (identity or torsion point)"
    return "point has a torsion component (not in the prime-order subgroup)"


IDENTITY: Point = _point(_IDENTITY_ENC)
"""The neutral element O (internal use; never accepted by ``Point.from_bytes``)."""

_G_ENC: bytes = _na.crypto_scalarmult_ed25519_base_noclamp((1).to_bytes(32, "little"))
G: Point = _point(_G_ENC)
"""The RFC 8032 base point, generator of ⟨G⟩ (spec symbol G)."""


def random_scalar(rng: Callable[[int], bytes]) -> Scalar:
    """A uniform scalar: 64 bytes from ``rng`` read little-endian, reduced mod L."""
    data = rng(64)
    if not isinstance(data, bytes) or len(data) != 64:
        raise ValueError("rng(64) must return 64 bytes")
    return _scalar(_na.crypto_core_ed25519_scalar_reduce(data))


def g_pow(m: int) -> Point:
    """m·G for 0 ≤ m < L (0·G = O)."""
    if type(m) is not int or not 0 <= m < L:
        raise ValueError("g_pow needs an int with 0 <= m < L")
    if m == 0:
        return IDENTITY
    return _point(_na.crypto_scalarmult_ed25519_base_noclamp(m.to_bytes(32, "little")))
