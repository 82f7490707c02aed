"""Strict readers for the JSON objects of the core (spec §10, docs/spec/crypto.md).

Every ``from_json`` in ``tally`` parses untrusted input through these: objects must have
exactly the expected keys, integers must be real ints in range, hex must be lowercase and
of exact length. Anything else raises ``InvalidEncoding``, so a value has one spelling only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tally.errors import InvalidEncoding
from tally.group import Point, Scalar, parse_hex

__all__ = [
    "JsonObject",
    "get_bytes",
    "get_int",
    "get_list",
    "get_object",
    "get_point",
    "get_scalar",
    "get_str",
    "point_list",
    "scalar_list",
]

JsonObject = dict[str, Any]


def get_object(value: object, keys: Sequence[str], what: str) -> Mapping[str, Any]:
    """``value`` as a JSON object with exactly the key set ``keys``."""
    if not isinstance(value, dict):
        raise InvalidEncoding(f"{what}: expected a JSON object")
    if set(value) != set(keys):
        missing = sorted(set(keys) - set(value))
        extra = sorted(set(value) - set(keys))
        raise InvalidEncoding(f"{what}: wrong fields (missing {missing}, unexpected {extra})")
    return value


def get_list(value: object, what: str, length: int | None = None) -> list[Any]:
    """``value`` as a JSON array, of exactly ``length`` items when given."""
    if not isinstance(value, list):
        raise InvalidEncoding(f"{what}: expected a JSON array")
    if length is not None and len(value) != length:
        raise InvalidEncoding(f"{what}: expected {length} items, got {len(value)}")
    return value


def get_int(value: object, what: str, lo: int = 0, hi: int = 2**63 - 1) -> int:
    """``value`` as an integer with lo ≤ value ≤ hi (JSON true/false are not integers)."""
    if type(value) is not int or not lo <= value <= hi:
        raise InvalidEncoding(f"{what}: expected an integer in [{lo}, {hi}]")
    return value


def get_str(value: object, what: str) -> str:
    """``value`` as a string."""
    if not isinstance(value, str):
        raise InvalidEncoding(f"{what}: expected a string")
    return value


def get_bytes(value: object, nbytes: int, what: str) -> bytes:
    """``value`` as exactly ``nbytes`` bytes in lowercase hex."""
    try:
        return parse_hex(value, nbytes)
    except InvalidEncoding as exc:
        raise InvalidEncoding(f"{what}: {exc}") from None


def get_point(value: object, what: str, allow_identity: bool = False) -> Point:
    """``value`` as a validated point (hex); the identity only when ``allow_identity``."""
    try:
        if allow_identity:
            return Point.from_hex_or_identity(value)
        return Point.from_hex(value)
    except InvalidEncoding as exc:
        raise InvalidEncoding(f"{what}: {exc}") from None


def get_scalar(value: object, what: str) -> Scalar:
    """``value`` as a reduced scalar (hex)."""
    try:
        return Scalar.from_hex(value)
    except InvalidEncoding as exc:
        raise InvalidEncoding(f"{what}: {exc}") from None


def point_list(value: object, what: str, length: int | None = None) -> tuple[Point, ...]:
    """A JSON array of validated points."""
    items = get_list(value, what, length)
    return tuple(get_point(item, f"{what}[{i}]") for i, item in enumerate(items))


def scalar_list(value: object, what: str, length: int | None = None) -> tuple[Scalar, ...]:
    """A JSON array of reduced scalars."""
    items = get_list(value, what, length)
    return tuple(get_scalar(item, f"{what}[{i}]") for i, item in enumerate(items))
