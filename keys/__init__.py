"""keys: key ceremony helpers, key storage encrypted at rest, fingerprints."""

from keys.fingerprint import fingerprint, key_fingerprint
from keys.storage import (
    KEY_FILE_FORMAT,
    KeyStoreError,
    ScryptParams,
    generate_keypair,
    load_private_key,
    read_public_key,
    save_private_key,
)

__all__ = [
    "KEY_FILE_FORMAT",
    "KeyStoreError",
    "ScryptParams",
    "fingerprint",
    "generate_keypair",
    "key_fingerprint",
    "load_private_key",
    "read_public_key",
    "save_private_key",
]
