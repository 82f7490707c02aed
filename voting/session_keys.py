"""The session's certification key: made once per session, kept encrypted at rest.

The private key is stored as a key document (keys/storage.py: scrypt + AES-256-GCM under the
operator's passphrase) in the database, so every app process can reach it and none can use
it without the passphrase.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from keys.fingerprint import key_fingerprint
from keys.storage import KeyStoreError, generate_keypair, open_private_key, seal_private_key
from tally.certificate import public_key_hex
from voting import audit
from voting.box_models import SessionKeyRow
from voting.errors import Conflict, NotReady

__all__ = ["create_session_key", "unlock_session_key"]


def create_session_key(
    db: Session, session_id: int, passphrase: str, rng: Callable[[int], bytes], actor: str,
    *, allow_demo: bool = False,
) -> str:
    """Generate and store the certification key; return its fingerprint."""
    if db.get(SessionKeyRow, session_id) is not None:
        raise Conflict("certification_key", session_id)
    key = generate_keypair(rng)
    try:
        document = seal_private_key(key, passphrase, rng=rng, allow_demo=allow_demo)
    except KeyStoreError as exc:
        raise NotReady(str(exc)) from exc
    db.add(SessionKeyRow(session_id=session_id, public_key=public_key_hex(key),
                         encrypted_private_key=json.dumps(document)))
    fingerprint = key_fingerprint(key)
    audit.record(db, actor, "session.key_created", f"session:{session_id}",
                 {"fingerprint": fingerprint})
    return fingerprint


def unlock_session_key(db: Session, session_id: int, passphrase: str, *,
                       allow_demo: bool = False) -> Ed25519PrivateKey:
    row = db.get(SessionKeyRow, session_id)
    if row is None:
        raise NotReady("session has no certification key", session=session_id)
    try:
        return open_private_key(json.loads(row.encrypted_private_key), passphrase,
                                allow_demo=allow_demo)
    except KeyStoreError as exc:
        raise NotReady(str(exc)) from exc
