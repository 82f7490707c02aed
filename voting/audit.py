"""The operator audit log: who did what to which thing, and when.

Entries describe operations (imported a roster, opened a vote, printed 214 cards), never
what anyone voted and never a card secret; :func:`record` refuses details that look like
either, so a careless caller fails in tests instead of leaking in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from voting.models import AuditEntry, utcnow

__all__ = ["FORBIDDEN_DETAIL_KEYS", "record"]

#: Keys that would put ballot content or card secrets into the log.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {"ballot", "ballots", "selection", "selections", "choice", "choices", "ratings",
     "plaintext", "card", "card_secret", "secret", "nonce", "randomness"}
)


def _check_detail(detail: Any, path: str = "detail") -> None:
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            if str(key).lower() in FORBIDDEN_DETAIL_KEYS:
                raise ValueError(f"audit {path} must not carry {key!r}")
            _check_detail(value, f"{path}.{key}")
    elif isinstance(detail, list | tuple):
        for index, value in enumerate(detail):
            _check_detail(value, f"{path}[{index}]")


def record(
    session: Session,
    actor: str,
    action: str,
    subject: str,
    detail: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an entry to the caller's transaction (no commit; it lands with the change).

    ``actor`` is the operator (or "cli", "demo"), ``action`` a dotted verb such as
    "roster.imported", ``subject`` what it was done to, e.g. "session:3".
    """
    payload = dict(detail or {})
    _check_detail(payload)
    entry = AuditEntry(actor=actor, action=action, subject=subject, detail=payload,
                       at=at or utcnow())
    session.add(entry)
    return entry
