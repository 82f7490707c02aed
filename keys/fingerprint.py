"""Key fingerprints, as read aloud and compared on paper during the key ceremony."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tally.certificate import fingerprint

__all__ = ["fingerprint", "key_fingerprint"]


def key_fingerprint(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The fingerprint of an Ed25519 key's raw public bytes."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return fingerprint(public.public_bytes(Encoding.Raw, PublicFormat.Raw))
