"""tally.hashing: the typed, length-prefixed encoding and the reduction into scalars."""

from __future__ import annotations

import hashlib

import pytest

from tally.group import G, L, Scalar
from tally.hashing import encode_parts, hash_to_scalar


def test_encoding_layout() -> None:
    data = encode_parts("rendavote/v1/x", b"\xaa", G, Scalar(1), 258, "中")
    tag = b"rendavote/v1/x"
    expected = (
        b"\x05" + len(tag).to_bytes(4, "big") + tag
        + b"\x01\x00\x00\x00\x01\xaa"
        + b"\x02\x00\x00\x00\x20" + G.to_bytes()
        + b"\x03\x00\x00\x00\x20" + (1).to_bytes(32, "little")
        + b"\x04\x00\x00\x00\x08" + (258).to_bytes(8, "big")
        + b"\x05\x00\x00\x00\x03" + "中".encode()
    )  # fmt: skip
    assert data == expected


def test_hash_is_sha512_little_endian_mod_l() -> None:
    data = encode_parts("rendavote/v1/x", b"abc")
    digest = hashlib.sha512(data).digest()
    assert hash_to_scalar("rendavote/v1/x", b"abc").value == int.from_bytes(digest, "little") % L


def test_parts_are_unambiguous() -> None:
    assert hash_to_scalar("rendavote/v1/x", b"ab", b"c") != hash_to_scalar(
        "rendavote/v1/x", b"a", b"bc"
    )
    assert hash_to_scalar("rendavote/v1/x", 1) != hash_to_scalar("rendavote/v1/x", Scalar(1))
    assert hash_to_scalar("rendavote/v1/x", "a") != hash_to_scalar("rendavote/v1/x", b"a")
    assert hash_to_scalar("rendavote/v1/x") != hash_to_scalar("rendavote/v1/y")


@pytest.mark.parametrize("bad", [True, -1, 2**64, 1.5, None])
def test_rejects_bad_parts(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        hash_to_scalar("rendavote/v1/x", bad)  # type: ignore[arg-type]


def test_tag_prefix_required() -> None:
    with pytest.raises(ValueError):
        hash_to_scalar("other/tag")
