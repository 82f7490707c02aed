"""Messages a scrutineer signs with their own Ed25519 key (docs/record.md §Signed messages).

The service carries ceremony commitments and decryption shares between devices; the
signature makes each one attributable to the scrutineer who sent it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from tally.canonical import canonical_json
from tally.errors import TallyError

__all__ = ["MessageError", "MessageKind", "SignedMessage", "sign_message", "verify_message"]

MessageKind = Literal["commitment", "sealed-share", "decryption-share"]
_TAG = b"rendavote/v1/message\x00"


class MessageError(TallyError):
    """A signed message is malformed or its signature does not verify."""


def _signed_bytes(kind: MessageKind, body: dict[str, Any]) -> bytes:
    return _TAG + kind.encode("ascii") + b"\x00" + canonical_json(body)


@dataclass(frozen=True)
class SignedMessage:
    """``{"body": …, "signer": index, "signature": hex}``."""

    body: dict[str, Any]
    signer: int
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {"body": self.body, "signer": self.signer, "signature": self.signature.hex()}

    @classmethod
    def from_json(cls, data: Any) -> SignedMessage:
        if not isinstance(data, dict) or set(data) != {"body", "signer", "signature"}:
            raise MessageError("signed message needs exactly body, signer, signature")
        body, signer, signature = data["body"], data["signer"], data["signature"]
        if not isinstance(body, dict):
            raise MessageError("message body is not an object")
        if not isinstance(signer, int) or isinstance(signer, bool) or signer < 1:
            raise MessageError("signer is not a scrutineer index")
        if (not isinstance(signature, str) or len(signature) != 128
                or signature != signature.lower()):
            raise MessageError("signature is not 64 bytes of lowercase hex")
        try:
            raw = bytes.fromhex(signature)
        except ValueError as exc:
            raise MessageError("signature is not hex") from exc
        return cls(body, signer, raw)


def sign_message(
    kind: MessageKind, body: dict[str, Any], signer: int, key: Ed25519PrivateKey
) -> SignedMessage:
    return SignedMessage(body, signer, key.sign(_signed_bytes(kind, body)))


def verify_message(kind: MessageKind, message: SignedMessage, public_key: bytes) -> None:
    """Raise :class:`MessageError` unless ``message`` is signed by ``public_key``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            message.signature, _signed_bytes(kind, message.body)
        )
    except (InvalidSignature, ValueError) as exc:
        raise MessageError(f"{kind} message of scrutineer {message.signer}: bad signature") from exc
