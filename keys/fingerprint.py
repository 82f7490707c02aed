"""Key fingerprints, as read aloud and compared on paper during the key ceremony."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from tally.certificate import fingerprint, public_key_hex

__all__ = ["fingerprint", "key_fingerprint"]


def key_fingerprint(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The fingerprint of an Ed25519 key's raw public bytes."""
    return fingerprint(bytes.fromhex(public_key_hex(key)))
