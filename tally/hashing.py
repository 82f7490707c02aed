"""Fiat–Shamir hashing into scalars (spec §3, docs/spec/crypto.md).

``hash_to_scalar(tag, *parts)`` is SHA-512 over an unambiguous encoding of the tag and the
parts, read little-endian and reduced modulo L. Each item is encoded as

    type (1 byte) ‖ length (4 bytes, big-endian) ‖ payload

with the types below; the tag comes first, encoded as a ``str`` item. Tags have the form
``rendavote/v1/<name>`` so that no two uses of the hash can collide.
"""

from __future__ import annotations

import hashlib

from tally.group import L, Point, Scalar

__all__ = [
    "TAG_DECRYPTION",
    "TAG_RANGE",
    "TAG_SCHNORR",
    "TYPE_BYTES",
    "TYPE_INT",
    "TYPE_POINT",
    "TYPE_SCALAR",
    "TYPE_STR",
    "HashPart",
    "encode_parts",
    "hash_to_scalar",
]

TYPE_BYTES = 0x01
TYPE_POINT = 0x02
TYPE_SCALAR = 0x03
TYPE_INT = 0x04
TYPE_STR = 0x05

TAG_RANGE = "rendavote/v1/range"
TAG_SCHNORR = "rendavote/v1/schnorr"
TAG_DECRYPTION = "rendavote/v1/decryption"

HashPart = bytes | Point | Scalar | int | str

_TAG_PREFIX = "rendavote/v1/"


def _item(kind: int, payload: bytes) -> bytes:
    return bytes((kind,)) + len(payload).to_bytes(4, "big") + payload


def _encode(part: HashPart) -> bytes:
    # bool is an int subclass: refuse it rather than hash True as 1 by accident.
    if isinstance(part, bool):
        raise TypeError("bool is not a hash part")
    if isinstance(part, bytes):
        return _item(TYPE_BYTES, part)
    if isinstance(part, Point):
        return _item(TYPE_POINT, part.to_bytes())
    if isinstance(part, Scalar):
        return _item(TYPE_SCALAR, part.to_bytes())
    if isinstance(part, int):
        if not 0 <= part < 2**64:
            raise ValueError("an int hash part must fit in 64 bits unsigned")
        return _item(TYPE_INT, part.to_bytes(8, "big"))
    if isinstance(part, str):
        return _item(TYPE_STR, part.encode("utf-8"))
    raise TypeError(f"cannot hash a {type(part).__name__}")


def encode_parts(tag: str, *parts: HashPart) -> bytes:
    """The exact byte string that ``hash_to_scalar`` feeds to SHA-512."""
    if not tag.startswith(_TAG_PREFIX):
        raise ValueError(f"hash tags start with {_TAG_PREFIX!r}")
    return _encode(tag) + b"".join(_encode(part) for part in parts)


def hash_to_scalar(tag: str, *parts: HashPart) -> Scalar:
    """H(tag, parts…) = SHA-512(encode_parts(tag, parts…)) as little-endian int, mod L."""
    digest = hashlib.sha512(encode_parts(tag, *parts)).digest()
    return Scalar(int.from_bytes(digest, "little") % L)
