"""The election record of one vote: its files, how they are written and how they are read.

Spec: docs/record.md. Building is pure (objects in, ``{filename: bytes}`` out) so the service
export, ``voting simulate`` and the verifier share one definition of every byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tally.board import BoardEntry, board_head
from tally.certificate import fingerprint
from tally.elgamal import Ciphertext
from tally.errors import TallyError
from tally.key_ceremony import CeremonyResult
from tally.messages import SignedMessage
from tally.vote_spec import CardCounts, VoteSpec

__all__ = [
    "CERTIFICATE",
    "FORMAT",
    "RECORD_FILES",
    "SIGNED_FILES",
    "RecordError",
    "RecordKeys",
    "RecordParts",
    "certificate_payload",
    "dump_json",
    "fingerprint",
    "record_files",
]

FORMAT = "rendavote/record/v1"
CERTIFICATE_FORMAT = "rendavote/certificate/v1"
CERTIFICATE = "certificate.json"
SIGNED_FILES = (
    "vote.json",
    "manifest.json",
    "keys.json",
    "ceremony.json",
    "election.json",
    "ballots.jsonl",
    "tally.json",
    "decryption.json",
    "result.json",
)
RECORD_FILES = (*SIGNED_FILES, CERTIFICATE)


class RecordError(TallyError):
    """The record fails a check; ``step`` names which (e.g. ``board``, ``certificate``)."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


def dump_json(doc: Any) -> bytes:
    """How every record file is written: UTF-8, readable, newline-terminated."""
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


@dataclass(frozen=True)
class RecordKeys:
    """``keys.json``: the session's certification key and each scrutineer's signing key."""

    certification: bytes
    scrutineers: Mapping[int, tuple[str, bytes]]

    def to_json(self) -> dict[str, Any]:
        return {
            "certification": _key_json(self.certification),
            "scrutineers": [
                {"index": index, "name": name, **_key_json(key)}
                for index, (name, key) in sorted(self.scrutineers.items())
            ],
        }

    @classmethod
    def from_json(cls, data: Any) -> RecordKeys:
        if not isinstance(data, dict) or set(data) != {"certification", "scrutineers"}:
            raise RecordError("keys", "expected certification and scrutineers")
        scrutineers: dict[int, tuple[str, bytes]] = {}
        if not isinstance(data["scrutineers"], list):
            raise RecordError("keys", "scrutineers is not a list")
        for entry in data["scrutineers"]:
            if not isinstance(entry, dict) or set(entry) != {"index", "name", "public_key",
                                                              "fingerprint"}:
                raise RecordError("keys", "scrutineer entry needs index, name, key, fingerprint")
            index, name = entry["index"], entry["name"]
            if not isinstance(index, int) or isinstance(index, bool) or index < 1:
                raise RecordError("keys", "bad scrutineer index")
            if not isinstance(name, str) or index in scrutineers:
                raise RecordError("keys", f"bad or repeated scrutineer {index}")
            scrutineers[index] = (name, _key_from_json(entry))
        certification = data["certification"]
        if not isinstance(certification, dict) or set(certification) != {"public_key",
                                                                           "fingerprint"}:
            raise RecordError("keys", "certification needs exactly public_key and fingerprint")
        return cls(_key_from_json(certification), scrutineers)


def _key_json(key: bytes) -> dict[str, str]:
    return {"public_key": key.hex(), "fingerprint": fingerprint(key)}


def _key_from_json(data: Any) -> bytes:
    if not isinstance(data, dict) or not {"public_key", "fingerprint"} <= set(data):
        raise RecordError("keys", "key entry needs public_key and fingerprint")
    value = data["public_key"]
    if not isinstance(value, str) or len(value) != 64 or value != value.lower():
        raise RecordError("keys", "public key is not 32 bytes of lowercase hex")
    try:
        key = bytes.fromhex(value)
    except ValueError as exc:
        raise RecordError("keys", "public key is not hex") from exc
    if data["fingerprint"] != fingerprint(key):
        raise RecordError("keys", "fingerprint does not match the key")
    return key


@dataclass(frozen=True)
class RecordParts:
    """Everything a record holds before it is certified."""

    spec: VoteSpec
    cards: CardCounts
    keys: RecordKeys
    ceremony: CeremonyResult
    ceremony_messages: Sequence[SignedMessage]
    election_hash: bytes
    board: Sequence[BoardEntry]
    aggregate: Sequence[Ciphertext]
    shares: Sequence[SignedMessage]
    counts: Sequence[int]
    result: Mapping[str, Any]


def record_files(parts: RecordParts) -> dict[str, bytes]:
    """Every file of the record except the certificate, as the bytes to write."""
    manifest = parts.spec.manifest()
    ballots = b"".join(
        json.dumps(entry.to_json(), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for entry in parts.board
    )
    return {
        "vote.json": dump_json(
            {"format": FORMAT, **parts.spec.to_json(), "cards": parts.cards.to_json()}
        ),
        "manifest.json": dump_json(manifest.to_json()),
        "keys.json": dump_json(parts.keys.to_json()),
        "ceremony.json": dump_json(
            {
                "ceremony": parts.ceremony.to_json(),
                "messages": [m.to_json() for m in parts.ceremony_messages],
            }
        ),
        "election.json": dump_json(
            {
                "manifest_hash": manifest.manifest_hash().hex(),
                "ceremony_hash": parts.ceremony.ceremony_hash.hex(),
                "public_key": parts.ceremony.public_key.hex(),
                "election_hash": parts.election_hash.hex(),
            }
        ),
        "ballots.jsonl": ballots,
        "tally.json": dump_json(
            {"ballots": len(parts.board), "aggregate": [c.to_json() for c in parts.aggregate]}
        ),
        "decryption.json": dump_json(
            {"shares": [s.to_json() for s in parts.shares], "counts": list(parts.counts)}
        ),
        "result.json": dump_json(dict(parts.result)),
    }


def certificate_payload(
    files: Mapping[str, bytes],
    spec: VoteSpec,
    cards: CardCounts,
    result: Mapping[str, Any],
    election_hash: bytes,
    board: Sequence[BoardEntry],
) -> dict[str, Any]:
    """The payload every signer signs: the result, and the SHA-256 of every other file."""
    spec_doc = spec.to_json()
    return {
        "format": CERTIFICATE_FORMAT,
        "vote": {"id": spec.vote_id, "kind": spec.kind, "title": spec.title},
        "session": spec_doc["session"],
        "result": dict(result),
        "cards": cards.to_json(),
        "election_hash": election_hash.hex(),
        "board": {"ballots": len(board), "head": board_head(election_hash, list(board)).hex()},
        "files": {name: hashlib.sha256(files[name]).hexdigest() for name in SIGNED_FILES},
    }
