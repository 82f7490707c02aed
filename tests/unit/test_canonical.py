"""Canonical JSON (RFC 8785) and its hash."""

from __future__ import annotations

import hashlib
import json

import pytest

from tally.canonical import CanonicalJsonError, canonical_json, sha256_hex


def test_keys_sorted_no_whitespace_utf8() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "资兴"]}) == (
        '{"a":[true,null,"资兴"],"b":1}'.encode()
    )


def test_numbers_in_ecmascript_form() -> None:
    assert canonical_json([1.0, 0.5, 1e21, -0.0, 10]) == b"[1,0.5,1e+21,0,10]"


def test_keys_sorted_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3 example: "\r" < "1" < "\u0080" < "ö" < "€" < "😀" < "\ufb33"
    obj = {"\u20ac": 0, "\r": 1, "\ufb33": 2, "1": 3, "\U0001f600": 4, "\u0080": 5, "\u00f6": 6}
    keys = json.loads(canonical_json(obj), object_pairs_hook=lambda kv: [k for k, _ in kv])
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_tuples_are_lists() -> None:
    assert canonical_json({"x": (1, 2)}) == canonical_json({"x": [1, 2]})


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_numbers_refused(bad: float) -> None:
    with pytest.raises(CanonicalJsonError, match="non-finite"):
        canonical_json({"deep": [1, {"x": bad}]})


@pytest.mark.parametrize("bad", [{1: "int key"}, {"x": {1, 2}}, {"x": b"bytes"}, 2**53])
def test_other_values_without_canonical_form_refused(bad: object) -> None:
    with pytest.raises(CanonicalJsonError):
        canonical_json(bad)


def test_error_is_a_value_error() -> None:
    assert issubclass(CanonicalJsonError, ValueError)


def test_sha256_hex() -> None:
    assert sha256_hex({"a": 1}) == hashlib.sha256(b'{"a":1}').hexdigest()
