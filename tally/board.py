"""The bulletin board: accepted ballots chained by hash, and the tracking codes derived from it.

Spec: docs/record.md §ballots.jsonl. Dropping, reordering or altering any entry changes every
later ``entry_hash`` and so the board head that the certificate signs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tally.canonical import canonical_json
from tally.errors import TallyError

__all__ = [
    "BoardEntry",
    "BoardError",
    "ballot_hash",
    "board_head",
    "crockford32",
    "entry_hash",
    "next_entry",
    "tracking_code",
    "verify_chain",
]

_BOARD_TAG = b"rendavote/v1/board\x00"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class BoardError(TallyError):
    """The board's chain, numbering or hashes do not hold; ``seq`` names the first bad entry."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"board entry {seq}: {reason}")
        self.seq = seq
        self.reason = reason


def crockford32(data: bytes) -> str:
    """Crockford base32 of ``data``, most significant bit first, zero bits padded at the end."""
    nbits = len(data) * 8
    symbols = -(-nbits // 5)
    value = int.from_bytes(data, "big") << (symbols * 5 - nbits)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(symbols)))


def ballot_hash(ballot: dict[str, Any]) -> bytes:
    """``ballot_hash = SHA-256(JCS(ballot))`` over the ballot's JSON form."""
    return hashlib.sha256(canonical_json(ballot)).digest()


def entry_hash(election_hash: bytes, seq: int, prev: bytes, b_hash: bytes) -> bytes:
    """``SHA-256(tag || election_hash || u64be(seq) || prev || ballot_hash)``, docs/record.md."""
    return hashlib.sha256(
        _BOARD_TAG + election_hash + seq.to_bytes(8, "big") + prev + b_hash
    ).digest()


def tracking_code(e_hash: bytes) -> str:
    """First 10 bytes of the entry hash, Crockford base32, grouped by 4."""
    code = crockford32(e_hash[:10])
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@dataclass(frozen=True)
class BoardEntry:
    """One line of ``ballots.jsonl``; ``ballot`` is the EncryptedBallot's JSON form, as stored."""

    seq: int
    ballot: dict[str, Any]
    ballot_hash: bytes
    prev: bytes
    entry_hash: bytes

    @property
    def tracking_code(self) -> str:
        return tracking_code(self.entry_hash)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ballot": self.ballot,
            "ballot_hash": self.ballot_hash.hex(),
            "prev": self.prev.hex(),
            "entry_hash": self.entry_hash.hex(),
            "tracking_code": self.tracking_code,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BoardEntry:
        """Parse one line's frame; the ballot itself is parsed and verified by the caller."""
        if not isinstance(data, dict) or not isinstance(data.get("ballot"), dict):
            raise BoardError(-1, "entry is not an object with a ballot object")
        entry = cls(
            seq=_int(data, "seq"),
            ballot=data["ballot"],
            ballot_hash=_hash(data, "ballot_hash"),
            prev=_hash(data, "prev"),
            entry_hash=_hash(data, "entry_hash"),
        )
        if data.get("tracking_code") != entry.tracking_code:
            raise BoardError(entry.seq, "tracking code does not match the entry hash")
        if set(data) != {"seq", "ballot", "ballot_hash", "prev", "entry_hash", "tracking_code"}:
            raise BoardError(entry.seq, "unexpected fields")
        return entry


def next_entry(
    election_hash: bytes, head: bytes, seq: int, ballot: dict[str, Any], b_hash: bytes
) -> BoardEntry:
    """The entry that appends ``ballot`` (whose hash is ``b_hash``) as number ``seq``."""
    return BoardEntry(seq, ballot, b_hash, head, entry_hash(election_hash, seq, head, b_hash))


def board_head(election_hash: bytes, entries: list[BoardEntry]) -> bytes:
    return entries[-1].entry_hash if entries else election_hash


def verify_chain(election_hash: bytes, entries: Iterable[BoardEntry],
                 hashes: Iterable[bytes]) -> bytes:
    """Check numbering, links and entry hashes; refuse duplicate ballots; return the head.

    ``hashes`` are the ballot hashes recomputed by the caller (the ballots are verified in
    worker processes, which hash them there).
    """
    head = election_hash
    seen: set[bytes] = set()
    for expected_seq, (entry, recomputed) in enumerate(zip(entries, hashes, strict=True), 1):
        if entry.seq != expected_seq:
            raise BoardError(entry.seq, f"expected seq {expected_seq}")
        if entry.prev != head:
            raise BoardError(entry.seq, "prev does not link to the previous entry")
        if recomputed != entry.ballot_hash:
            raise BoardError(entry.seq, "ballot_hash does not match the ballot")
        if entry.ballot_hash in seen:
            raise BoardError(entry.seq, "duplicate ballot")
        seen.add(entry.ballot_hash)
        if entry_hash(election_hash, entry.seq, entry.prev, entry.ballot_hash) != entry.entry_hash:
            raise BoardError(entry.seq, "entry_hash does not match")
        head = entry.entry_hash
    return head


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BoardError(-1, f"{key} is not a positive integer")
    return value


def _hash(data: dict[str, Any], key: str) -> bytes:
    value = data.get(key)
    if not isinstance(value, str) or len(value) != 64 or value != value.lower():
        raise BoardError(_safe_seq(data), f"{key} is not a 32-byte lowercase hex hash")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise BoardError(_safe_seq(data), f"{key} is not hex") from exc


def _safe_seq(data: dict[str, Any]) -> int:
    seq = data.get("seq")
    return seq if isinstance(seq, int) else -1
