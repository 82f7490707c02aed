"""A scrutineer's device: the keys and secrets that never leave it, and the messages it sends.

Used by ``voting simulate`` (every scrutineer in one process) and by the scrutineer's own
console. The polynomial and the secret share stay in this object; only signed commitments,
sealed shares, signed decryption shares and certificate signatures go out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from keys.transport import open_share, public_bytes, seal_share
from tally.certificate import Signature, sign_payload
from tally.decryption import make_decryption_share
from tally.election import ElectionContext
from tally.elgamal import Ciphertext
from tally.errors import InvalidShare
from tally.group import G, Scalar
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

__all__ = ["DeviceKeys", "DeviceState", "ScrutineerDevice"]

Rng = Callable[[int], bytes]


@dataclass(frozen=True)
class DeviceKeys:
    """A scrutineer's two long-lived keys: Ed25519 to sign, X25519 to receive shares."""

    signing_key: Ed25519PrivateKey
    transport_key: X25519PrivateKey

    @classmethod
    def generate(cls, rng: Rng) -> DeviceKeys:
        """Signing key from the first 32 bytes of ``rng``, transport key from the next 32."""
        return cls(Ed25519PrivateKey.from_private_bytes(rng(32)),
                   X25519PrivateKey.from_private_bytes(rng(32)))

    def private_bytes(self) -> tuple[bytes, bytes]:
        """(signing, transport) raw private keys, 32 bytes each: for sealed storage only."""
        return (self.signing_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
                self.transport_key.private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                 NoEncryption()))

    @classmethod
    def from_private_bytes(cls, signing: bytes, transport: bytes) -> DeviceKeys:
        return cls(Ed25519PrivateKey.from_private_bytes(signing),
                   X25519PrivateKey.from_private_bytes(transport))

    def __repr__(self) -> str:
        return "DeviceKeys(<hidden>)"


@dataclass(frozen=True, repr=False)
class DeviceState:
    """What a device must remember between runs: its polynomial while the ceremony runs
    (between commitment and receiving shares), its secret share s_i afterwards. Secret:
    keep it sealed (keys/device_file.py)."""

    index: int
    polynomial: tuple[Scalar, ...] | None = None
    secret_share: Scalar | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "polynomial": None if self.polynomial is None
            else [a.hex() for a in self.polynomial],
            "secret_share": None if self.secret_share is None else self.secret_share.hex(),
        }

    @classmethod
    def from_json(cls, doc: Any) -> DeviceState:
        if not isinstance(doc, dict) or set(doc) != {"index", "polynomial", "secret_share"}:
            raise ValueError("device state needs exactly index, polynomial, secret_share")
        index, poly, share = doc["index"], doc["polynomial"], doc["secret_share"]
        if type(index) is not int or index < 1:
            raise ValueError("device state index must be a positive integer")
        if poly is not None and not isinstance(poly, list):
            raise ValueError("device state polynomial must be a list or null")
        return cls(
            index,
            None if poly is None else tuple(Scalar.from_hex(a) for a in poly),
            None if share is None else Scalar.from_hex(share),
        )

    def __repr__(self) -> str:
        return f"DeviceState(index={self.index}, <hidden>)"


@dataclass
class ScrutineerDevice:
    """Scrutineer ``index`` (1..n) with signing and transport keys made from ``rng``, or
    the given ``keys`` (a device restored from its key file)."""

    index: int
    name: str
    rng: Rng
    keys: InitVar[DeviceKeys | None] = None
    signing_key: Ed25519PrivateKey = field(init=False, repr=False)
    transport_key: X25519PrivateKey = field(init=False, repr=False)
    _polynomial: Polynomial | None = field(default=None, init=False, repr=False)
    _secret_share: Scalar | None = field(default=None, init=False, repr=False)

    def __post_init__(self, keys: DeviceKeys | None) -> None:
        chosen = keys if keys is not None else DeviceKeys.generate(self.rng)
        self.signing_key = chosen.signing_key
        self.transport_key = chosen.transport_key

    @property
    def device_keys(self) -> DeviceKeys:
        return DeviceKeys(self.signing_key, self.transport_key)

    def state(self) -> DeviceState:
        """What to keep (sealed) so a later run can carry on: see :class:`DeviceState`."""
        poly = None if self._polynomial is None else self._polynomial.coefficients
        return DeviceState(self.index, poly, self._secret_share)

    def restore(self, state: DeviceState) -> None:
        """Carry on from a saved :meth:`state` of this same scrutineer."""
        if state.index != self.index:
            raise ValueError(f"state of scrutineer {state.index}, not {self.index}")
        self._polynomial = (None if state.polynomial is None
                            else Polynomial(self.index, tuple(state.polynomial)))
        self._secret_share = state.secret_share

    @property
    def has_committed(self) -> bool:
        return self._polynomial is not None or self._secret_share is not None

    @property
    def has_secret_share(self) -> bool:
        return self._secret_share is not None

    def check_share(self, result: CeremonyResult) -> None:
        """Raise InvalidShare unless s_i·G is this scrutineer's verification key S_i."""
        if self._secret_share is None:
            raise InvalidShare(self.index, "this device holds no secret share")
        if self._secret_share * G != result.verification_keys.get(self.index):
            raise InvalidShare(self.index, "secret share does not match the verification key")

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
