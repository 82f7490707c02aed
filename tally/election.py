"""The election context a ballot is bound to (spec §6.2, docs/spec/crypto.md).

h_E = SHA-256(JCS({"manifest_hash": hex(h_M), "ceremony_hash": hex(h_C),
"public_key": hex(K)})). Every Fiat–Shamir challenge of a ballot and of a decryption share
hashes h_E, so no proof can be replayed into another vote, manifest or key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import rfc8785

from tally.group import Point
from tally.key_ceremony import CeremonyResult
from tally.manifest import Manifest

__all__ = ["ElectionContext", "compute_election_hash", "make_context"]


@dataclass(frozen=True, slots=True)
class ElectionContext:
    """A manifest, the joint public key K and the election hash h_E that binds them."""

    manifest: Manifest
    public_key: Point
    """K (spec symbol K)."""
    election_hash: bytes
    """h_E (spec symbol h_E), 32 bytes."""

    def __post_init__(self) -> None:
        if not isinstance(self.election_hash, bytes) or len(self.election_hash) != 32:
            raise ValueError("election_hash is 32 bytes")
        if self.public_key.is_identity():
            raise ValueError("the public key cannot be the identity")


def compute_election_hash(manifest_hash: bytes, ceremony_hash: bytes, public_key: Point) -> bytes:
    """h_E = SHA-256(JCS({"manifest_hash", "ceremony_hash", "public_key"})), values in hex."""
    document = {
        "manifest_hash": manifest_hash.hex(),
        "ceremony_hash": ceremony_hash.hex(),
        "public_key": public_key.hex(),
    }
    return hashlib.sha256(rfc8785.dumps(document)).digest()


def make_context(manifest: Manifest, ceremony: CeremonyResult) -> ElectionContext:
    """The context of ``manifest`` under the key of ``ceremony`` (verify the ceremony first)."""
    h_e = compute_election_hash(
        manifest.manifest_hash(), ceremony.ceremony_hash, ceremony.public_key
    )
    return ElectionContext(manifest, ceremony.public_key, h_e)
