"""A scrutineer's device file: both keys and every session's ceremony state, sealed at rest.

One JSON file (UTF-8, mode 0600) per device::

    {"format": "rendavote-scrutineer-device/v1",
     "name": "<the scrutineer's name>",
     "signing_key": "<Ed25519 public key, hex>",
     "transport_key": "<X25519 public key, hex>",
     "encryption": {scrypt + AES-256-GCM block, as in keys/storage.py} | null,
     "secrets": "<sealed canonical JSON of {"signing", "transport", "sessions"}, hex>"}

The public half can be shown without the passphrase (``keys show``): it is what the
scrutineer hands to the secretariat. The sealed half holds the private keys and, per
session, the ceremony state: the polynomial between commitment and receiving shares, the
secret share s_i afterwards (keys/scrutineer.py ``DeviceState``). The header is bound in
as associated data, so the public keys shown cannot be swapped without the open failing.
A demo device (empty passphrase, ``allow_demo``) has ``"encryption": null``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from keys.scrutineer import DeviceKeys, DeviceState
from keys.storage import (
    KeyStoreError,
    ScryptParams,
    open_bytes,
    read_private_json,
    seal_bytes,
    write_private_file,
)
from keys.transport import public_bytes
from tally.canonical import canonical_json

__all__ = [
    "DEVICE_FILE_FORMAT",
    "CeremonyStep",
    "DeviceFile",
    "PublicDevice",
    "SessionState",
    "load_device",
    "read_public_device",
    "save_device",
    "session_key",
]

DEVICE_FILE_FORMAT = "rendavote-scrutineer-device/v1"
_HEX = re.compile(r"(?:[0-9a-f]{2})*")
_HEADER = ("format", "name", "signing_key", "transport_key", "encryption")

#: committed: commitment posted; shares_sent: sealed shares posted; done: s_i kept.
CeremonyStep = Literal["committed", "shares_sent", "done"]
_STEPS: tuple[str, ...] = ("committed", "shares_sent", "done")


def session_key(server: str, session_id: int) -> str:
    """How a session is named inside the file: its server's base URL and its id."""
    return f"{server.rstrip('/')}#{session_id}"


@dataclass(frozen=True, repr=False)
class SessionState:
    """Where this device stands in one session's key ceremony (secret: sealed in the file).

    ``commitment`` is the signed commitment message as sent (so it can be sent again after
    a lost answer). ``public_key`` and ``ceremony_hash`` (hex) are recorded once the device
    has checked its share against the ceremony it computed itself; later steps compare the
    server's to them.
    """

    server: str
    session_id: int
    index: int
    ceremony_id: str
    n: int
    k: int
    step: CeremonyStep
    device: DeviceState
    commitment: dict[str, Any] | None = None
    public_key: str | None = None
    ceremony_hash: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server, "session_id": self.session_id, "index": self.index,
            "ceremony_id": self.ceremony_id, "n": self.n, "k": self.k, "step": self.step,
            "device": self.device.to_json(), "commitment": self.commitment,
            "public_key": self.public_key, "ceremony_hash": self.ceremony_hash,
        }

    @classmethod
    def from_json(cls, doc: Any) -> SessionState:
        fields = ("server", "session_id", "index", "ceremony_id", "n", "k", "step", "device",
                  "commitment", "public_key", "ceremony_hash")
        if not isinstance(doc, dict) or set(doc) != set(fields):
            raise KeyStoreError("device file session state is malformed")
        if doc["step"] not in _STEPS:
            raise KeyStoreError(f"unknown ceremony step {doc['step']!r}")
        for name in ("session_id", "index", "n", "k"):
            if type(doc[name]) is not int:
                raise KeyStoreError(f"device file session {name} must be an integer")
        try:
            device = DeviceState.from_json(doc["device"])
        except ValueError as exc:
            raise KeyStoreError(f"device file session state: {exc}") from exc
        if doc["commitment"] is not None and not isinstance(doc["commitment"], dict):
            raise KeyStoreError("device file session commitment is malformed")
        return cls(str(doc["server"]), doc["session_id"], doc["index"], str(doc["ceremony_id"]),
                   doc["n"], doc["k"], doc["step"], device, doc["commitment"],
                   doc["public_key"], doc["ceremony_hash"])

    def advance(self, step: CeremonyStep, device: DeviceState, *,
                public_key: str | None = None, ceremony_hash: str | None = None
                ) -> SessionState:
        return replace(self, step=step, device=device,
                       public_key=public_key or self.public_key,
                       ceremony_hash=ceremony_hash or self.ceremony_hash)

    def __repr__(self) -> str:
        return f"SessionState({self.server}#{self.session_id}, index={self.index}, {self.step})"


@dataclass(frozen=True)
class PublicDevice:
    """The public half of a device file: what the secretariat registers."""

    name: str
    signing_key: bytes
    transport_key: bytes

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "signing_key": self.signing_key.hex(),
                "transport_key": self.transport_key.hex()}


@dataclass(frozen=True, repr=False)
class DeviceFile:
    """The opened device file: name, keys and the per-session ceremony states."""

    name: str
    keys: DeviceKeys
    sessions: Mapping[str, SessionState] = field(default_factory=dict)

    @property
    def public(self) -> PublicDevice:
        signing = self.keys.signing_key.public_key().public_bytes(Encoding.Raw,
                                                                  PublicFormat.Raw)
        return PublicDevice(self.name, signing, public_bytes(self.keys.transport_key))

    def with_session(self, state: SessionState) -> DeviceFile:
        key = session_key(state.server, state.session_id)
        return replace(self, sessions={**self.sessions, key: state})

    def session(self, server: str, session_id: int) -> SessionState | None:
        return self.sessions.get(session_key(server, session_id))

    def seal(self, passphrase: str | bytes, *, rng: Callable[[int], bytes],
             allow_demo: bool = False, params: ScryptParams | None = None) -> dict[str, Any]:
        """The file's JSON document (module docstring)."""
        public = self.public
        header: dict[str, Any] = {"format": DEVICE_FILE_FORMAT, "name": self.name,
                                  "signing_key": public.signing_key.hex(),
                                  "transport_key": public.transport_key.hex()}
        signing, transport = self.keys.private_bytes()
        secret = canonical_json({
            "signing": signing.hex(), "transport": transport.hex(),
            "sessions": {k: s.to_json() for k, s in sorted(self.sessions.items())},
        })
        encryption, body = seal_bytes(header, secret, passphrase, rng=rng,
                                      allow_demo=allow_demo, params=params)
        return {**header, "encryption": encryption, "secrets": body.hex()}

    @classmethod
    def open(cls, doc: Any, passphrase: str | bytes, *, allow_demo: bool = False) -> DeviceFile:
        header = _check_document(doc)
        raw = open_bytes(header, bytes.fromhex(doc["secrets"]), passphrase,
                         allow_demo=allow_demo)
        try:
            secret = json.loads(raw)
            keys = DeviceKeys.from_private_bytes(bytes.fromhex(secret["signing"]),
                                                 bytes.fromhex(secret["transport"]))
            sessions = {str(k): SessionState.from_json(v)
                        for k, v in dict(secret["sessions"]).items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyStoreError("device file secrets are malformed") from exc
        opened = cls(str(doc["name"]), keys, sessions)
        public = opened.public
        if (public.signing_key.hex() != doc["signing_key"]
                or public.transport_key.hex() != doc["transport_key"]):
            raise KeyStoreError("device file public keys do not match its private keys")
        return opened

    def __repr__(self) -> str:
        return f"DeviceFile({self.name!r}, sessions={sorted(self.sessions)})"


def _check_document(doc: Any) -> dict[str, Any]:
    """The header of ``doc`` if it has the shape of a device file, else KeyStoreError."""
    if not isinstance(doc, dict) or set(doc) != {*_HEADER, "secrets"}:
        raise KeyStoreError("device file does not have the expected fields")
    if doc["format"] != DEVICE_FILE_FORMAT:
        raise KeyStoreError(f"unknown device file format {doc['format']!r}")
    if not isinstance(doc["name"], str) or not doc["name"].strip():
        raise KeyStoreError("device file name must be a non-empty string")
    for name in ("signing_key", "transport_key"):
        if not isinstance(doc[name], str) or len(doc[name]) != 64 or not _HEX.fullmatch(
                doc[name]):
            raise KeyStoreError(f"device file {name} must be 32 bytes of lower-case hex")
    if not isinstance(doc["secrets"], str) or not _HEX.fullmatch(doc["secrets"]):
        raise KeyStoreError("device file secrets must be lower-case hex")
    return {k: doc[k] for k in _HEADER}


def save_device(path: str | os.PathLike[str], device: DeviceFile, passphrase: str | bytes, *,
                rng: Callable[[int], bytes], allow_demo: bool = False,
                params: ScryptParams | None = None, overwrite: bool = False) -> None:
    """Write ``device`` sealed under ``passphrase`` (mode 0600, atomically)."""
    document = device.seal(passphrase, rng=rng, allow_demo=allow_demo, params=params)
    data = json.dumps(document, indent=1, ensure_ascii=False).encode() + b"\n"
    write_private_file(Path(path), data, overwrite=overwrite, rng=rng)


def load_device(path: str | os.PathLike[str], passphrase: str | bytes, *,
                allow_demo: bool = False) -> DeviceFile:
    return DeviceFile.open(read_private_json(path), passphrase, allow_demo=allow_demo)


def read_public_device(path: str | os.PathLike[str]) -> PublicDevice:
    """The public half, without the passphrase (not authenticated on its own)."""
    header = _check_document(read_private_json(path))
    return PublicDevice(header["name"], bytes.fromhex(header["signing_key"]),
                        bytes.fromhex(header["transport_key"]))
