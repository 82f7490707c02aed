"""Tamper classes: each way an insider could doctor a certified election record, and the
step `tally verify` (the CLI, in its own process) names when it refuses the record.

Per-value tampering of every field is tests/integration/test_tamper.py's job; this file
checks that each *class* of attack is caught and reported as what it is.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tally.board import entry_hash, tracking_code
from tally.certificate import fingerprint
from tally.group import G, Scalar
from tally.rng import seeded_rng
from tests.integration.hall import tally_verify
from voting.ballot_box import BallotBox
from voting.db import make_engine, migrate
from voting.hall_client import encrypt_ballots
from voting.rehearsal import Rehearsal

BALLOTS = 4


@dataclass(frozen=True)
class Records:
    a: Path
    b: Path


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Records]:
    """Two certified records of one session (same ceremony and keys), 4 ballots each."""
    root = tmp_path_factory.mktemp("records")
    engine = make_engine(f"sqlite:///{root / 'voting.db'}")
    try:
        migrate(engine)
        rehearsal = Rehearsal(engine, deputies=BALLOTS, rng=seeded_rng(b"tamper-classes"))
        box = BallotBox(engine)
        for name in ("a", "b"):
            vote = rehearsal.open_vote(f"vote-{name}", cards=BALLOTS, options=5, select_max=3)
            ballots = encrypt_ballots(vote, BALLOTS, seed=name.encode(), processes=1)
            for card, ballot in zip(vote.cards, ballots, strict=True):
                box.cast(vote.vote_pk, card, ballot)
            rehearsal.count_and_certify(vote)
            rehearsal.export(vote, root / name)
        yield Records(root / "a", root / "b")
    finally:
        engine.dispose()


# --- helpers that edit one file of a record copy ----------------------------------------------

def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _lines(d: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (d / "ballots.jsonl").read_text().splitlines()]


def _write_lines(d: Path, lines: list[dict[str, Any]]) -> None:
    (d / "ballots.jsonl").write_text(
        "".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) + "\n" for x in lines))


def _election_hash(d: Path) -> bytes:
    return bytes.fromhex(_json(d / "election.json")["election_hash"])


def _rechain(d: Path, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Renumber and relink the board as a careful forger would (hashes all consistent)."""
    h_e = _election_hash(d)
    prev = h_e
    for seq, line in enumerate(lines, 1):
        e_hash = entry_hash(h_e, seq, prev, bytes.fromhex(line["ballot_hash"]))
        line.update(seq=seq, prev=prev.hex(), entry_hash=e_hash.hex(),
                    tracking_code=tracking_code(e_hash))
        prev = e_hash
    return lines


def drop_middle_ballot(d: Path, _: Records) -> None:
    lines = _lines(d)
    del lines[1]
    _write_lines(d, lines)


def drop_last_ballot(d: Path, _: Records) -> None:
    _write_lines(d, _lines(d)[:-1])


def drop_ballot_and_rechain(d: Path, _: Records) -> None:
    lines = _lines(d)
    del lines[0]
    _write_lines(d, _rechain(d, lines))


def alter_ballot(d: Path, _: Records) -> None:
    lines = _lines(d)
    sel = lines[2]["ballot"]["selections"]
    sel[0]["ciphertext"], sel[1]["ciphertext"] = sel[1]["ciphertext"], sel[0]["ciphertext"]
    _write_lines(d, lines)


def reorder_ballots(d: Path, _: Records) -> None:
    lines = _lines(d)
    lines[0], lines[1] = lines[1], lines[0]
    _write_lines(d, lines)


def duplicate_ballot(d: Path, _: Records) -> None:
    lines = _lines(d)
    _write_lines(d, _rechain(d, [*lines, json.loads(json.dumps(lines[0]))]))


def alter_count(d: Path, _: Records) -> None:
    doc = _json(d / "decryption.json")
    doc["counts"][0] += 1
    _write(d / "decryption.json", doc)


def alter_result_count(d: Path, _: Records) -> None:
    doc = _json(d / "result.json")
    first = next(iter(doc["counts"]))
    doc["counts"][first] += 1
    _write(d / "result.json", doc)


def alter_decryption_share(d: Path, _: Records) -> None:
    doc = _json(d / "decryption.json")
    body = doc["shares"][0]["body"]
    _replace_first_point(body)
    _write(d / "decryption.json", doc)


def alter_rule_outcome(d: Path, _: Records) -> None:
    doc = _json(d / "result.json")
    doc["elected"] = list(reversed(doc["elected"])) if len(doc["elected"]) > 1 else ["x"]
    _write(d / "result.json", doc)


def alter_signature(d: Path, _: Records) -> None:
    doc = _json(d / "certificate.json")
    sig = doc["signatures"][0]
    sig["signature"] = ("0" if sig["signature"][0] != "0" else "1") + sig["signature"][1:]
    _write(d / "certificate.json", doc)


def alter_certification_key(d: Path, _: Records) -> None:
    doc = _json(d / "keys.json")
    key = bytes.fromhex(_other_ed25519_key())
    doc["certification"] = {"public_key": key.hex(), "fingerprint": fingerprint(key)}
    _write(d / "keys.json", doc)


def alter_scrutineer_key(d: Path, _: Records) -> None:
    doc = _json(d / "keys.json")
    key = bytes.fromhex(_other_ed25519_key())
    doc["scrutineers"][0].update(public_key=key.hex(), fingerprint=fingerprint(key))
    _write(d / "keys.json", doc)


def alter_joint_key(d: Path, _: Records) -> None:
    doc = _json(d / "election.json")
    doc["public_key"] = (G * Scalar(7)).hex()
    _write(d / "election.json", doc)


def _swap(name: str) -> Callable[[Path, Records], None]:
    def swap(d: Path, records: Records) -> None:
        shutil.copyfile(records.b / name, d / name)
    swap.__name__ = f"swap_{name.split('.')[0]}_from_another_vote"
    return swap


def _replace_first_point(doc: Any) -> bool:
    """Replace the first 64-hex-digit value found with another valid point."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(
        doc, list) else []
    for key, value in items:
        if isinstance(value, str) and len(value) == 64 and key not in ("signer",):
            doc[key] = (G * Scalar(5)).hex()
            return True
        if isinstance(value, dict | list) and _replace_first_point(value):
            return True
    return False


def _other_ed25519_key() -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


#: (tampering, the step `tally verify` must name, words its message must hold)
CLASSES: list[tuple[Callable[[Path, Records], None], str, str]] = [
    (drop_middle_ballot, "board", "missing or was inserted"),
    (drop_last_ballot, "cards", "cards spent"),
    (drop_ballot_and_rechain, "cards", "cards spent"),
    (alter_ballot, "board", "does not verify"),
    (reorder_ballots, "board", "out of order"),
    (duplicate_ballot, "board", "duplicate"),
    (alter_count, "decryption", "counts"),
    (alter_result_count, "result", "counts"),
    (alter_decryption_share, "decryption", "decryption-share message of scrutineer 1"),
    (alter_rule_outcome, "result", "counting rules"),
    (alter_signature, "certificate", "signature"),
    (alter_certification_key, "certificate", "changed since signing: keys.json"),
    (alter_scrutineer_key, "ceremony", "key in keys.json"),
    (alter_joint_key, "election", "public_key"),
    (_swap("ballots.jsonl"), "board", "another election"),
    (_swap("tally.json"), "tally", "homomorphic sum"),
    (_swap("decryption.json"), "decryption", "decryption proof"),
    (_swap("result.json"), "result", "counting rules"),
    (_swap("vote.json"), "manifest", "vote's definition"),
    (_swap("certificate.json"), "certificate", "payload differs"),
]


def test_untouched_records_verify(records: Records) -> None:
    for d in (records.a, records.b):
        done = tally_verify(d)
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("tamper", "step", "words"), CLASSES,
                         ids=[c[0].__name__ for c in CLASSES])
def test_tamper_class_is_named(records: Records, tmp_path: Path,
                               tamper: Callable[[Path, Records], None], step: str,
                               words: str) -> None:
    doctored = tmp_path / "record"
    shutil.copytree(records.a, doctored)
    tamper(doctored, records)
    done = tally_verify(doctored)
    assert done.returncode == 1, done.stdout
    message = done.stderr.strip().splitlines()[-1]
    print(f"{tamper.__name__}: {message}")
    assert message.startswith(f"FAIL {step}: "), message
    assert words in message, message
