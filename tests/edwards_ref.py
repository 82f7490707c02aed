"""A slow, independent edwards25519 reference in pure Python, for tests only.

Written from the curve equation and RFC 8032 §5.1.3 (decoding) so tests can cross-check
libsodium and build the malformed encodings (small-order, torsion, off-curve,
non-canonical) used by negative test vectors. Affine coordinates, no constant time.
"""

from __future__ import annotations

__all__ = [
    "NEUTRAL",
    "Affine",
    "B",
    "add",
    "decode",
    "encode",
    "find_off_curve_encoding",
    "mul",
    "order8_point",
    "torsion_points",
]

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Affine = tuple[int, int]
NEUTRAL: Affine = (0, 1)


def _inv(x: int) -> int:
    return pow(x, P - 2, P)


def add(p: Affine, q: Affine) -> Affine:
    """Twisted Edwards addition with a = -1 (complete formula)."""
    x1, y1 = p
    x2, y2 = q
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + x2 * y1) * _inv(1 + t) % P
    y3 = (y1 * y2 + x1 * x2) * _inv(1 - t) % P
    return (x3, y3)


def mul(k: int, p: Affine) -> Affine:
    """k·p by double-and-add (k ≥ 0)."""
    result = NEUTRAL
    addend = p
    while k:
        if k & 1:
            result = add(result, addend)
        addend = add(addend, addend)
        k >>= 1
    return result


def encode(p: Affine) -> bytes:
    """RFC 8032 encoding: y little-endian with the low bit of x in bit 255."""
    x, y = p
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _recover_x(y: int, sign: int) -> int | None:
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x2 = u * _inv(v) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if x & 1 != sign:
        x = P - x
    return x


def decode(data: bytes) -> Affine | None:
    """RFC 8032 decoding; None when y ≥ p, off the curve, or x = 0 with the sign bit set."""
    n = int.from_bytes(data, "little")
    y = n & ((1 << 255) - 1)
    if y >= P:
        return None
    x = _recover_x(y, n >> 255)
    return None if x is None else (x, y)


B: Affine = (
    15112221349535400772501151409588531511454012693041857206046113283949847762202,
    46316835694926478169428394003475163141307993866256225615783033603165251855960,
)


def order8_point() -> Affine:
    """A point of exact order 8, found as L·Q for curve points Q."""
    y = 2
    while True:
        q = decode(y.to_bytes(32, "little"))
        y += 1
        if q is None:
            continue
        t = mul(L, q)
        if mul(4, t) != NEUTRAL:
            return t


def torsion_points() -> list[Affine]:
    """The eight points of order dividing 8 (the small-order points)."""
    t = order8_point()
    return [mul(i, t) for i in range(8)]


def find_off_curve_encoding(start: int = 2) -> bytes:
    """A canonical-looking 32-byte string (y < p) that is not on the curve."""
    y = start
    while decode(y.to_bytes(32, "little")) is not None:
        y += 1
    return y.to_bytes(32, "little")
