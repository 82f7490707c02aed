"""How a scrutineer's device proves who is calling: each HTTP request signed with the
scrutineer's Ed25519 key, the one the secretariat registered. No password to hand out.

    Authorization: Scrutineer index=<i>,ts=<unix seconds>,sig=<128 hex>

The signature covers the tag ``rendavote/v1/scrutineer-request`` and the canonical JSON of
``{"session", "index", "method", "path", "query", "ts", "body_sha256"}``, so a signed request
cannot be moved to another session, scrutineer, route or body. The server accepts ``ts``
within :data:`MAX_SKEW_SECONDS` of its clock; a replay inside that window repeats a request
the server already answered (every scrutineer message is stored once), nothing more.

Pure: the caller passes the time; nothing here reads a clock.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from tally.canonical import canonical_json

__all__ = [
    "AUTH_SCHEME",
    "MAX_SKEW_SECONDS",
    "RequestAuthError",
    "ScrutineerCredentials",
    "parse_authorization",
    "sign_request",
    "verify_request",
]

AUTH_SCHEME = "Scrutineer"
MAX_SKEW_SECONDS = 300
_TAG = b"rendavote/v1/scrutineer-request\x00"
_HEADER = re.compile(r"Scrutineer index=([1-9][0-9]{0,2}),ts=([0-9]{1,12}),sig=([0-9a-f]{128})")


class RequestAuthError(Exception):
    """A scrutineer's request signature is missing, malformed, stale or does not verify."""


@dataclass(frozen=True)
class ScrutineerCredentials:
    """What an ``Authorization: Scrutineer …`` header claims."""

    index: int
    ts: int
    signature: bytes


def _signed_bytes(session_id: int, index: int, method: str, path: str, query: str, ts: int,
                  body: bytes) -> bytes:
    return _TAG + canonical_json({
        "session": session_id, "index": index, "method": method.upper(), "path": path,
        "query": query, "ts": ts, "body_sha256": hashlib.sha256(body).hexdigest(),
    })


def sign_request(key: Ed25519PrivateKey, session_id: int, index: int, method: str, path: str,
                 query: str, body: bytes, ts: int) -> str:
    """The ``Authorization`` header value for one request (``query`` without the "?")."""
    signature = key.sign(_signed_bytes(session_id, index, method, path, query, ts, body))
    return f"{AUTH_SCHEME} index={index},ts={ts},sig={signature.hex()}"


def parse_authorization(header: str) -> ScrutineerCredentials:
    match = _HEADER.fullmatch(header.strip())
    if match is None:
        raise RequestAuthError("not a scrutineer authorization header")
    return ScrutineerCredentials(int(match[1]), int(match[2]), bytes.fromhex(match[3]))


def verify_request(credentials: ScrutineerCredentials, public_key: bytes, session_id: int,
                   method: str, path: str, query: str, body: bytes, now: int) -> None:
    """Raise RequestAuthError unless the request was signed by ``public_key`` near ``now``."""
    if abs(now - credentials.ts) > MAX_SKEW_SECONDS:
        raise RequestAuthError("request timestamp too far from the server's clock")
    signed = _signed_bytes(session_id, credentials.index, method, path, query, credentials.ts,
                           body)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(credentials.signature, signed)
    except (InvalidSignature, ValueError) as exc:
        raise RequestAuthError("request signature does not verify") from exc
