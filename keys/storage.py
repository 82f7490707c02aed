"""Ed25519 signing keys stored encrypted at rest under a passphrase.

A key file is a small JSON document (UTF-8):

    {"format": "rendavote-ed25519-key/v1",
     "public_key": "<32 bytes, hex>",
     "encryption": {"kdf": "scrypt", "n": 131072, "r": 8, "p": 1, "salt": "<16 bytes hex>",
                    "cipher": "aes-256-gcm", "nonce": "<12 bytes hex>"},
     "private_key": "<AES-GCM ciphertext and tag of the 32-byte RFC 8032 private key, hex>"}

The AES key is scrypt(passphrase as NFC UTF-8, salt, n, r, p); the GCM associated data is
the canonical JSON (RFC 8785) of the document without "private_key", so the public key and
the parameters cannot be swapped either. Why not cryptography's PKCS8 BestAvailableEncryption:
it uses PBKDF2 with only 2,048 iterations, far too cheap against passphrase guessing; scrypt
at n = 2**17 costs an attacker ~0.3 s and 128 MiB per guess here.

Demo keys (``allow_demo=True`` with an empty passphrase) have ``"encryption": null`` and the
private key in clear; loading one without ``allow_demo=True`` is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from tally.canonical import canonical_json

__all__ = [
    "KEY_FILE_FORMAT",
    "KeyStoreError",
    "ScryptParams",
    "check_key_document",
    "generate_keypair",
    "load_private_key",
    "open_bytes",
    "open_private_key",
    "read_private_json",
    "read_public_key",
    "save_private_key",
    "seal_bytes",
    "seal_private_key",
    "write_private_file",
]

KEY_FILE_FORMAT = "rendavote-ed25519-key/v1"

_MAX_FILE_BYTES = 64 * 1024
_SALT_BYTES = 16
_NONCE_BYTES = 12
_HEX = re.compile(r"(?:[0-9a-f]{2})+")


class KeyStoreError(Exception):
    """A key file cannot be written or read: wrong passphrase, altered or malformed file,
    unsafe permissions, or an unencrypted key outside demo mode."""


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost parameters; the bounds keep a hostile key file from asking for
    unbounded memory or from being made trivially cheap to attack."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if not (2**14 <= self.n <= 2**20) or self.n & (self.n - 1):
            raise KeyStoreError("scrypt n must be a power of two in [2**14, 2**20]")
        if not (1 <= self.r <= 32 and 1 <= self.p <= 16):
            raise KeyStoreError("scrypt r must be in [1, 32] and p in [1, 16]")


def generate_keypair(rng: Callable[[int], bytes]) -> Ed25519PrivateKey:
    """A new Ed25519 key from 32 bytes of ``rng`` (e.g. ``secrets.token_bytes``)."""
    seed = rng(32)
    if len(seed) != 32:
        raise ValueError("rng returned the wrong number of bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    if isinstance(passphrase, str):
        # The same passphrase typed through different input methods must give the same key.
        return unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return bytes(passphrase)


def _is_empty(passphrase: str | bytes) -> bool:
    return len(passphrase.strip()) == 0


def _aes_key(passphrase: bytes, salt: bytes, params: ScryptParams) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=params.n, r=params.r, p=params.p)
    return kdf.derive(passphrase)


def _header_aad(header: dict[str, Any]) -> bytes:
    return canonical_json(header)


def seal_bytes(
    header: dict[str, Any],
    plaintext: bytes,
    passphrase: str | bytes,
    *,
    rng: Callable[[int], bytes],
    allow_demo: bool = False,
    params: ScryptParams | None = None,
) -> tuple[dict[str, Any] | None, bytes]:
    """The ``encryption`` block and the sealed body of ``plaintext`` under ``passphrase``.

    The GCM associated data is the canonical JSON of ``header`` with the block added as
    ``"encryption"``, so no field of the header can be swapped. An empty passphrase gives
    ``(None, plaintext)`` when ``allow_demo`` is set and is refused otherwise.
    """
    if "encryption" in header:
        raise ValueError("the header must not carry an encryption block yet")
    if _is_empty(passphrase):
        if not allow_demo:
            raise KeyStoreError("an empty passphrase is only allowed for demo keys")
        return None, plaintext
    params = params or ScryptParams()
    salt, nonce = rng(_SALT_BYTES), rng(_NONCE_BYTES)
    if len(salt) != _SALT_BYTES or len(nonce) != _NONCE_BYTES:
        raise ValueError("rng returned the wrong number of bytes")
    encryption: dict[str, Any] = {
        "kdf": "scrypt",
        "n": params.n,
        "r": params.r,
        "p": params.p,
        "salt": salt.hex(),
        "cipher": "aes-256-gcm",
        "nonce": nonce.hex(),
    }
    aes = AESGCM(_aes_key(_passphrase_bytes(passphrase), salt, params))
    body = aes.encrypt(nonce, plaintext, _header_aad({**header, "encryption": encryption}))
    return encryption, body


def open_bytes(
    header: dict[str, Any], body: bytes, passphrase: str | bytes, *, allow_demo: bool = False
) -> bytes:
    """The plaintext of a body sealed by :func:`seal_bytes`; ``header`` includes its
    ``"encryption"`` block (None for a demo document)."""
    if header.get("encryption") is None:
        if not allow_demo:
            raise KeyStoreError("key file is not encrypted; refusing it outside demo mode")
        return body
    if _is_empty(passphrase):
        raise KeyStoreError("this key file needs its passphrase")
    params, salt, nonce = _parse_encryption(header["encryption"])
    aes = AESGCM(_aes_key(_passphrase_bytes(passphrase), salt, params))
    try:
        return aes.decrypt(nonce, body, _header_aad(header))
    except InvalidTag as exc:
        raise KeyStoreError("wrong passphrase, or the key file was altered") from exc


def seal_private_key(
    key: Ed25519PrivateKey,
    passphrase: str | bytes,
    *,
    rng: Callable[[int], bytes],
    allow_demo: bool = False,
    params: ScryptParams | None = None,
) -> dict[str, Any]:
    """The key document (module docstring) of ``key`` encrypted under ``passphrase``.

    An empty passphrase is refused unless ``allow_demo`` is set, in which case the key is
    stored unencrypted and marked so.
    """
    public = _public_bytes(key)
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    header: dict[str, Any] = {"format": KEY_FILE_FORMAT, "public_key": public.hex()}
    encryption, body = seal_bytes(header, private, passphrase, rng=rng,
                                  allow_demo=allow_demo, params=params)
    return {**header, "encryption": encryption, "private_key": body.hex()}


def save_private_key(
    key: Ed25519PrivateKey,
    path: str | os.PathLike[str],
    passphrase: str | bytes,
    *,
    rng: Callable[[int], bytes],
    allow_demo: bool = False,
    params: ScryptParams | None = None,
    overwrite: bool = False,
) -> None:
    """Write ``key`` to ``path`` (mode 0600), sealed by :func:`seal_private_key`.

    An existing file is kept unless ``overwrite``.
    """
    document = seal_private_key(key, passphrase, rng=rng, allow_demo=allow_demo, params=params)
    data = json.dumps(document, indent=1).encode() + b"\n"
    write_private_file(Path(path), data, overwrite=overwrite, rng=rng)


def write_private_file(
    target: Path, data: bytes, *, overwrite: bool, rng: Callable[[int], bytes]
) -> None:
    """Write ``data`` to ``target`` readable by its owner only (0600), atomically; an
    existing file is kept unless ``overwrite``."""
    if not overwrite and target.exists():
        raise KeyStoreError(f"{target} exists; refusing to overwrite a key file")
    tmp = target.with_name(f".{target.name}.{rng(6).hex()}.tmp")
    # Created 0600 from the start: the key is never readable by others, not even briefly.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            # link() fails if the target appeared meanwhile: no silent clobbering.
            try:
                os.link(tmp, target)
            except FileExistsError as exc:
                raise KeyStoreError(f"{target} exists; refusing to overwrite a key file") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _read_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    return check_key_document(read_private_json(path))


def read_private_json(path: str | os.PathLike[str]) -> Any:
    """The JSON content of a file written by :func:`write_private_file`, refused when it is
    not a regular file, readable by others, a symlink or too large."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise KeyStoreError(f"cannot open key file {os.fspath(path)}: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise KeyStoreError(f"{os.fspath(path)} is not a regular file")
        if mode & 0o077:
            raise KeyStoreError(
                f"key file {os.fspath(path)} is accessible by other users; chmod 600 it"
            )
        raw = fh.read(_MAX_FILE_BYTES + 1)
    if len(raw) > _MAX_FILE_BYTES:
        raise KeyStoreError("key file is too large")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyStoreError("key file is not valid JSON") from exc
    return doc


def check_key_document(doc: Any) -> dict[str, Any]:
    """``doc`` if it has the shape of a key document, else KeyStoreError."""
    if not isinstance(doc, dict) or set(doc) != {
        "format",
        "public_key",
        "encryption",
        "private_key",
    }:
        raise KeyStoreError("key file does not have the expected fields")
    if doc["format"] != KEY_FILE_FORMAT:
        raise KeyStoreError(f"unknown key file format {doc['format']!r}")
    for name in ("public_key", "private_key"):
        if not isinstance(doc[name], str) or not _HEX.fullmatch(doc[name]):
            raise KeyStoreError(f"key file field {name!r} is not lower-case hex")
    if len(doc["public_key"]) != 64:
        raise KeyStoreError("key file public key has the wrong length")
    return doc


def read_public_key(path: str | os.PathLike[str]) -> bytes:
    """The raw 32-byte public key of a key file, without the passphrase (for showing its
    fingerprint). Not authenticated on its own: ``load_private_key`` checks it."""
    return bytes.fromhex(_read_document(path)["public_key"])


def _parse_encryption(enc: Any) -> tuple[ScryptParams, bytes, bytes]:
    expected = {"kdf", "n", "r", "p", "salt", "cipher", "nonce"}
    if not isinstance(enc, dict) or set(enc) != expected:
        raise KeyStoreError("key file encryption block is malformed")
    if enc["kdf"] != "scrypt" or enc["cipher"] != "aes-256-gcm":
        raise KeyStoreError("key file uses an unsupported kdf or cipher")
    for name in ("n", "r", "p"):
        if isinstance(enc[name], bool) or not isinstance(enc[name], int):
            raise KeyStoreError(f"scrypt parameter {name} must be an integer")
    for name, size in (("salt", _SALT_BYTES), ("nonce", _NONCE_BYTES)):
        value = enc[name]
        if not isinstance(value, str) or not _HEX.fullmatch(value) or len(value) != 2 * size:
            raise KeyStoreError(f"key file {name} is malformed")
    params = ScryptParams(n=enc["n"], r=enc["r"], p=enc["p"])
    return params, bytes.fromhex(enc["salt"]), bytes.fromhex(enc["nonce"])


def load_private_key(
    path: str | os.PathLike[str], passphrase: str | bytes, *, allow_demo: bool = False
) -> Ed25519PrivateKey:
    """Read and decrypt a key file written by ``save_private_key``."""
    return open_private_key(_read_document(path), passphrase, allow_demo=allow_demo)


def open_private_key(
    doc: Any, passphrase: str | bytes, *, allow_demo: bool = False
) -> Ed25519PrivateKey:
    """Decrypt a key document made by :func:`seal_private_key`."""
    doc = check_key_document(doc)
    header = {k: doc[k] for k in ("format", "public_key", "encryption")}
    private = open_bytes(header, bytes.fromhex(doc["private_key"]), passphrase,
                         allow_demo=allow_demo)
    if len(private) != 32:
        raise KeyStoreError("key file private key has the wrong length")
    key = Ed25519PrivateKey.from_private_bytes(private)
    if _public_bytes(key).hex() != doc["public_key"]:
        raise KeyStoreError("key file public key does not match its private key")
    return key
