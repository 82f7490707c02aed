"""Canonical JSON (RFC 8785, JCS): one byte string per JSON value, so that hashes and
signatures over a document can be recomputed by anyone, in any language."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import rfc8785

__all__ = ["CanonicalJsonError", "canonical_json", "sha256_hex"]


class CanonicalJsonError(ValueError):
    """The value has no canonical JSON form (NaN/infinity, a non-string key, an integer
    outside ±(2**53 − 1), a type JSON does not have)."""


def _reject_non_finite(obj: Any) -> None:
    # rfc8785 refuses these too; checking first gives one clear error of our own.
    if isinstance(obj, float) and not math.isfinite(obj):
        raise CanonicalJsonError(f"non-finite number {obj!r} has no JSON form")
    if isinstance(obj, dict):
        for value in obj.values():
            _reject_non_finite(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _reject_non_finite(value)


def canonical_json(obj: Any) -> bytes:
    """The RFC 8785 serialisation of ``obj`` (dicts, lists/tuples, str, int, finite float,
    bool, None)."""
    _reject_non_finite(obj)
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as exc:
        raise CanonicalJsonError(str(exc)) from exc


def sha256_hex(obj: Any) -> str:
    """Lower-case hex SHA-256 of the canonical JSON of ``obj``."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()
