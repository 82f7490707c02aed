"""Sealing a ceremony share for one recipient scrutineer (X25519 + HKDF-SHA256 + ChaCha20-Poly1305).

The server carries shares between scrutineers' devices but must never read them: each share is
sealed to the recipient's transport key, and the sender, recipient and ceremony are bound in as
associated data so a sealed share cannot be replayed into another slot.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = ["SealError", "open_share", "public_bytes", "seal_share"]

_INFO = b"rendavote/v1/share-transport"


class SealError(Exception):
    """A sealed share does not open: wrong recipient, wrong slot or altered."""


def public_bytes(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _aad(ceremony_id: str, sender: int, recipient: int) -> bytes:
    return ceremony_id.encode() + b"\x00" + sender.to_bytes(4, "big") + recipient.to_bytes(4, "big")


def _key(shared: bytes, ephemeral: bytes, recipient_key: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=ephemeral + recipient_key, info=_INFO).derive(shared)


def seal_share(
    plaintext: bytes, recipient_key: bytes, ceremony_id: str, sender: int, recipient: int,
    ephemeral: X25519PrivateKey,
) -> bytes:
    """``ephemeral_public (32) || ciphertext``; the nonce is zero since every key is fresh."""
    eph_pub = public_bytes(ephemeral)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_key))
    box = ChaCha20Poly1305(_key(shared, eph_pub, recipient_key))
    return eph_pub + box.encrypt(bytes(12), plaintext, _aad(ceremony_id, sender, recipient))


def open_share(
    sealed: bytes, key: X25519PrivateKey, ceremony_id: str, sender: int, recipient: int
) -> bytes:
    if len(sealed) < 32 + 16:
        raise SealError("sealed share too short")
    eph_pub, body = sealed[:32], sealed[32:]
    try:
        shared = key.exchange(X25519PublicKey.from_public_bytes(eph_pub))
        box = ChaCha20Poly1305(_key(shared, eph_pub, public_bytes(key)))
        return box.decrypt(bytes(12), body, _aad(ceremony_id, sender, recipient))
    except (InvalidTag, ValueError) as exc:
        raise SealError("sealed share does not open") from exc
