"""Certified results: a JSON payload signed with Ed25519 by several parties.

The payload (counts, ranking, rule outcome, board head, election hash — assembled by the
caller) is serialised as canonical JSON (RFC 8785). Each signer signs

    b"rendavote/v1/certificate\\x00" || JCS({"payload": P, "role": R, "signer": S})

so a signature cannot be moved to another payload, another name or another role, nor
mistaken for a signature made for another purpose with the same key.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tally.canonical import CanonicalJsonError, canonical_json
from tally.errors import TallyError

__all__ = [
    "CERTIFICATE_DOMAIN",
    "Certificate",
    "CertificateError",
    "Signature",
    "fingerprint",
    "public_key_hex",
    "sign_certificate",
    "sign_payload",
    "signing_message",
    "verify_certificate",
]

CERTIFICATE_DOMAIN = b"rendavote/v1/certificate\x00"

_PUBLIC_KEY_HEX = re.compile(r"[0-9a-f]{64}")
_SIGNATURE_HEX = re.compile(r"[0-9a-f]{128}")


class CertificateError(TallyError):
    """A certificate is malformed, or a signature on it does not hold."""


@dataclass(frozen=True)
class Signature:
    """One party's Ed25519 signature on a certificate payload (keys and signature as
    lower-case hex, so that the JSON form has exactly one spelling)."""

    signer: str
    role: str
    public_key_hex: str
    signature_hex: str

    def __post_init__(self) -> None:
        for name in ("signer", "role"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise CertificateError(f"signature {name} must be a non-empty string")
        if not isinstance(self.public_key_hex, str) or not _PUBLIC_KEY_HEX.fullmatch(
            self.public_key_hex
        ):
            raise CertificateError("public key must be 32 bytes of lower-case hex")
        if not isinstance(self.signature_hex, str) or not _SIGNATURE_HEX.fullmatch(
            self.signature_hex
        ):
            raise CertificateError("signature must be 64 bytes of lower-case hex")

    def to_json(self) -> dict[str, str]:
        return {
            "signer": self.signer,
            "role": self.role,
            "public_key": self.public_key_hex,
            "signature": self.signature_hex,
        }

    @classmethod
    def from_json(cls, doc: Any) -> Signature:
        _expect_keys(doc, {"signer", "role", "public_key", "signature"}, "signature")
        return cls(
            signer=doc["signer"],
            role=doc["role"],
            public_key_hex=doc["public_key"],
            signature_hex=doc["signature"],
        )


@dataclass(frozen=True)
class Certificate:
    """The signed result document: a payload and the signatures on it."""

    payload: dict[str, Any]
    signatures: tuple[Signature, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.payload, dict):
            raise CertificateError("certificate payload must be a JSON object")
        # Own a private copy: a caller mutating its dict later must not change what was
        # signed (or what will be verified).
        object.__setattr__(self, "payload", copy.deepcopy(self.payload))
        object.__setattr__(self, "signatures", tuple(self.signatures))
        for s in self.signatures:
            if not isinstance(s, Signature):
                raise CertificateError("certificate signatures must be Signature objects")

    def with_signature(self, signature: Signature) -> Certificate:
        """The same certificate with one more signature (scrutineers sign one by one)."""
        return Certificate(self.payload, (*self.signatures, signature))

    def to_json(self) -> dict[str, Any]:
        return {
            "payload": copy.deepcopy(self.payload),
            "signatures": [s.to_json() for s in self.signatures],
        }

    @classmethod
    def from_json(cls, doc: Any) -> Certificate:
        _expect_keys(doc, {"payload", "signatures"}, "certificate")
        sigs = doc["signatures"]
        if not isinstance(sigs, list):
            raise CertificateError("certificate signatures must be a list")
        return cls(payload=doc["payload"], signatures=tuple(Signature.from_json(s) for s in sigs))


def _expect_keys(doc: Any, keys: set[str], what: str) -> None:
    if not isinstance(doc, dict):
        raise CertificateError(f"{what} must be a JSON object")
    if set(doc) != keys:
        raise CertificateError(f"{what} must have exactly the fields {sorted(keys)}")


def signing_message(payload: Mapping[str, Any], signer: str, role: str) -> bytes:
    """The exact bytes each signer signs (see the module docstring)."""
    try:
        body = canonical_json({"payload": dict(payload), "role": role, "signer": signer})
    except CanonicalJsonError as exc:
        raise CertificateError(f"payload is not canonical JSON: {exc}") from exc
    return CERTIFICATE_DOMAIN + body


def public_key_hex(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """Lower-case hex of the raw 32-byte public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def sign_payload(
    payload: Mapping[str, Any], private_key: Ed25519PrivateKey, signer: str, role: str
) -> Signature:
    """Sign ``payload`` as ``signer`` acting as ``role`` (e.g. "certification",
    "scrutineer")."""
    message = signing_message(payload, signer, role)
    return Signature(
        signer=signer,
        role=role,
        public_key_hex=public_key_hex(private_key),
        signature_hex=private_key.sign(message).hex(),
    )


def sign_certificate(
    payload: Mapping[str, Any], signers: Iterable[tuple[str, str, Ed25519PrivateKey]]
) -> Certificate:
    """A certificate on ``payload`` signed by each (signer, role, key) in turn."""
    sigs = tuple(sign_payload(payload, key, signer, role) for signer, role, key in signers)
    return Certificate(dict(payload), sigs)


def verify_certificate(
    cert: Certificate,
    expected_signers: Mapping[str, str] | None = None,
    *,
    required_signers: Collection[str] = (),
) -> None:
    """Check every signature on ``cert``; raise CertificateError on the first failure.

    ``expected_signers`` maps each allowed signer name to its public key (hex): a signature
    by anyone else, or under another key, is refused. ``required_signers`` names parties
    whose signature must be present (e.g. the session's certification key and the
    scrutineers who took part in the decryption).
    """
    if not cert.signatures:
        raise CertificateError("certificate carries no signature")
    seen_signers: set[str] = set()
    seen_keys: set[str] = set()
    for sig in cert.signatures:
        if sig.signer in seen_signers:
            raise CertificateError(f"signer {sig.signer!r} signed twice")
        if sig.public_key_hex in seen_keys:
            raise CertificateError(f"public key of {sig.signer!r} appears twice")
        seen_signers.add(sig.signer)
        seen_keys.add(sig.public_key_hex)

        if expected_signers is not None:
            expected = expected_signers.get(sig.signer)
            if expected is None:
                raise CertificateError(f"unexpected signer {sig.signer!r}")
            if expected.lower() != sig.public_key_hex:
                raise CertificateError(f"public key of {sig.signer!r} is not the expected one")

        message = signing_message(cert.payload, sig.signer, sig.role)
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(sig.public_key_hex))
            key.verify(bytes.fromhex(sig.signature_hex), message)
        except (InvalidSignature, ValueError) as exc:
            raise CertificateError(
                f"signature of {sig.signer!r} ({sig.role}) does not verify"
            ) from exc

    missing = sorted(set(required_signers) - seen_signers)
    if missing:
        raise CertificateError(f"missing signature of {', '.join(map(repr, missing))}")


def fingerprint(public_key_bytes: bytes) -> str:
    """A short form of a public key for reading aloud and comparing on paper: the first
    16 bytes of its SHA-256, as eight groups of four hex digits ("a1b2-c3d4-…")."""
    if not isinstance(public_key_bytes, bytes) or not public_key_bytes:
        raise ValueError("fingerprint needs the public key as non-empty bytes")
    digest = hashlib.sha256(public_key_bytes).hexdigest()[:32]
    return "-".join(digest[i : i + 4] for i in range(0, 32, 4))
