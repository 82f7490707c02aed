"""A scrutineer's device: the keys and secrets that never leave it, and the messages it sends.

Used by ``voting simulate`` (every scrutineer in one process) and by the scrutineer's own
console. The polynomial and the secret share stay in this object; only signed commitments,
sealed shares, signed decryption shares and certificate signatures go out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from keys.transport import open_share, public_bytes, seal_share
from tally.certificate import Signature, sign_payload
from tally.decryption import make_decryption_share
from tally.election import ElectionContext
from tally.elgamal import Ciphertext
from tally.group import Scalar
from tally.key_ceremony import (
    CeremonyParams,
    CeremonyResult,
    CommitmentMessage,
    Polynomial,
    ShareMessage,
    combine_received_shares,
    own_share,
    shares_for_others,
    start_ceremony,
    verify_share,
)
from tally.messages import SignedMessage, sign_message

__all__ = ["ScrutineerDevice"]

Rng = Callable[[int], bytes]


@dataclass
class ScrutineerDevice:
    """Scrutineer ``index`` (1..n) with signing and transport keys made from ``rng``."""

    index: int
    name: str
    rng: Rng
    signing_key: Ed25519PrivateKey = field(init=False)
    transport_key: X25519PrivateKey = field(init=False)
    _polynomial: Polynomial | None = field(default=None, init=False, repr=False)
    _secret_share: Scalar | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.signing_key = Ed25519PrivateKey.from_private_bytes(self.rng(32))
        self.transport_key = X25519PrivateKey.from_private_bytes(self.rng(32))

    @property
    def signing_public(self) -> bytes:
        return self.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def transport_public(self) -> bytes:
        return public_bytes(self.transport_key)

    def commit(self, params: CeremonyParams) -> SignedMessage:
        """Round 1: a fresh polynomial; publish its signed Feldman commitments (once)."""
        if self._polynomial is not None or self._secret_share is not None:
            raise RuntimeError("this device has already committed in the ceremony")
        self._polynomial, message = start_ceremony(params, self.index, self.rng)
        return sign_message("commitment", message.to_json(), self.index, self.signing_key)

    def sealed_shares(self, params: CeremonyParams,
                      transport_keys: Mapping[int, bytes]) -> dict[int, bytes]:
        """Round 2: f(j) for every other scrutineer j, sealed to j's transport key."""
        assert self._polynomial is not None, "commit first"
        sealed = {}
        for share in shares_for_others(params, self._polynomial):
            ephemeral = X25519PrivateKey.from_private_bytes(self.rng(32))
            sealed[share.recipient] = seal_share(
                share.share.to_bytes(), transport_keys[share.recipient], params.ceremony_id,
                self.index, share.recipient, ephemeral,
            )
        return sealed

    def sealed_share_messages(self, params: CeremonyParams,
                              transport_keys: Mapping[int, bytes]) -> list[SignedMessage]:
        """Round 2 as the server relays it: one signed ``{"recipient", "sealed"}`` each."""
        return [
            sign_message("sealed-share", {"recipient": recipient, "sealed": blob.hex()},
                         self.index, self.signing_key)
            for recipient, blob in sorted(self.sealed_shares(params, transport_keys).items())
        ]

    def receive_shares(self, params: CeremonyParams,
                       commitments: Mapping[int, CommitmentMessage],
                       sealed: Mapping[int, bytes]) -> None:
        """Round 3: open and check each share against its sender's commitments; keep s_i.

        A share that fails raises ``InvalidShare`` naming the sender (a complaint).
        """
        assert self._polynomial is not None, "commit first"
        received = [own_share(params, self._polynomial)]
        for sender, blob in sorted(sealed.items()):
            raw = open_share(blob, self.transport_key, params.ceremony_id, sender, self.index)
            message = ShareMessage(sender, self.index, Scalar.from_bytes(raw))
            verify_share(params, commitments[sender], message)
            received.append(message)
        self._secret_share = combine_received_shares(params, self.index, received)
        self._polynomial = None  # the polynomial is no longer needed: forget it

    def decryption_share(self, ctx: ElectionContext, ceremony: CeremonyResult,
                         aggregate: Sequence[Ciphertext]) -> SignedMessage:
        assert self._secret_share is not None, "the ceremony is not finished on this device"
        share = make_decryption_share(ctx, ceremony, self.index, self._secret_share,
                                      tuple(aggregate), self.rng)
        return sign_message("decryption-share", share.to_json(), self.index, self.signing_key)

    def sign_certificate(self, payload: dict[str, object]) -> Signature:
        return sign_payload(dict(payload), self.signing_key, f"scrutineer-{self.index}",
                            "scrutineer")
