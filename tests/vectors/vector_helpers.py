"""Helpers shared by the vector case builders: record positive and negative cases."""

from __future__ import annotations

import copy
from typing import Any

from tally.errors import TallyError
from tally.group import G, L, Scalar, random_scalar
from tally.rng import seeded_rng
from tests.vectors.operations import OPERATIONS, Json

__all__ = [
    "GENERATOR",
    "SPEC",
    "bump_scalar",
    "document",
    "err",
    "flip",
    "keypair",
    "ok",
    "scalar_hex",
    "seed",
]

GENERATOR = "python -m tests.vectors.generate"
SPEC = "docs/spec/crypto.md"


def ok(name: str, operation: str, inp: Json, description: str = "") -> Json:
    """A positive case: record the operation's output."""
    case: Json = {"name": name, "operation": operation}
    if description:
        case["description"] = description
    case["input"] = inp
    case["expected"] = OPERATIONS[operation](copy.deepcopy(inp))
    return case


def err(
    name: str, operation: str, inp: Json, error: str, description: str = "", **attrs: Any
) -> Json:
    """A negative case: the operation must raise ``error`` (with ``attrs``)."""
    try:
        OPERATIONS[operation](copy.deepcopy(inp))
    except TallyError as exc:
        if type(exc).__name__ != error:
            raise AssertionError(f"{name}: raised {type(exc).__name__}, expected {error}") from exc
        for key, value in attrs.items():
            if getattr(exc, key) != value:
                got = getattr(exc, key)
                raise AssertionError(f"{name}: {key}={got!r}, expected {value!r}") from exc
    else:
        raise AssertionError(f"{name}: no error, expected {error}")
    case: Json = {"name": name, "operation": operation}
    if description:
        case["description"] = description
    case["input"] = inp
    case["expected_error"] = {"class": error, **attrs}
    return case


def document(description: str, section: str, cases: list[Json]) -> Json:
    return {
        "description": description,
        "spec": f"{SPEC} {section}",
        "generator": GENERATOR,
        "cases": cases,
    }


def scalar_hex(value: int) -> str:
    return value.to_bytes(32, "little").hex()


def seed(label: str) -> str:
    return label.encode().hex()


def flip(hex_text: str, position: int = 0) -> str:
    raw = bytearray.fromhex(hex_text)
    raw[position] ^= 0x01
    return raw.hex()


def bump_scalar(hex_text: str) -> str:
    return scalar_hex((int.from_bytes(bytes.fromhex(hex_text), "little") + 1) % L)


def keypair(label: str) -> tuple[Scalar, str]:
    x = random_scalar(seeded_rng(label.encode()))
    return x, (x * G).hex()
