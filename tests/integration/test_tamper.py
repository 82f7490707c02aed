"""``tally verify`` fails for every single change of a certified election record.

Small records (a 3-option selection with 3 ballots; a rating and a motion with one ballot
each; 3 scrutineers, k = 2) are made once by ``voting simulate``'s code. Then, for every
JSON scalar of every file (``ballots.jsonl`` line by line), exactly one change is made and
``verify_record`` must raise ``RecordError``:

- a lowercase hex string: one hex digit changed (the position varies with the path);
- an int: +1; a float: +0.25; a bool: flipped; null: 0;
- any other string: one character appended.

No value is skipped. Then the structural changes: every object gets an unknown field, every
field and every list element is dropped in turn (on the board, in its first line: the others
have the same shape), board lines are dropped, reordered and
duplicated, each file is removed, swapped with the same file of another vote of the same
session, or reformatted (same values, other bytes), and an extra file is added.

Most of these break a file hash in the certificate, which proves little on its own. So the
changes are also tried as a forger holding every signing key would make them: the
certificate rebuilt and signed again. Then only a change of meaning can be refused, and
every one is, except the few labels listed in ``ATTESTED_ONLY`` (names and titles that no
check can recompute; only the signatures vouch for them).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from tally.board import BoardEntry
from tally.certificate import sign_payload
from tally.record import (
    CERTIFICATE,
    RECORD_FILES,
    SIGNED_FILES,
    RecordError,
    certificate_payload,
    dump_json,
)
from tally.rng import seeded_rng
from tally.verify import verify_record
from tally.vote_spec import CardCounts, VoteSpec
from voting.db import make_engine, migrate
from voting.session_keys import unlock_session_key
from voting.simulate import Simulation

Files = dict[str, bytes]
Path_ = tuple[str | int, ...]
JSONL = "ballots.jsonl"
_HEX = re.compile(r"[0-9a-f]{16,}")

SCENARIO: dict[str, Any] = {
    "session": {"title": "测试乡第一次会议", "deputies_total": 9, "deputies_present": 8,
                "scrutineers": {"count": 3, "threshold": 2}},
    "votes": [
        {"id": vote_id, "kind": "selection", "title": "三选二", "options": ["甲", "乙", "丙"],
         "select_min": 0, "select_max": 2, "threshold": "majority_of_all", "cards_issued": 4,
         "ballots": [{"select": [0, 1], "count": 2}, {"select": [2], "count": 1}]}
        for vote_id in ("vote-a", "vote-b")
    ] + [
        {"id": "rating", "kind": "rating", "title": "测评", "items": ["项目一", "项目二"],
         "threshold": "majority_of_cast", "cards_issued": 2,
         "ballots": [{"ratings": [1, None], "count": 1}]},
        {"id": "motion", "kind": "motion", "title": "决议", "threshold": "majority_of_all",
         "cards_issued": 2, "ballots": [{"choice": "yes", "count": 1}]},
    ],
}
KINDS = ("vote-a", "rating", "motion")  # one record of each kind


@dataclass(frozen=True)
class Built:
    """Both votes' records, and every signing key (to play a forger who holds them all)."""

    records: dict[str, Files]
    signing_keys: dict[str, Ed25519PrivateKey]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("tamper")
    engine = make_engine(f"sqlite:///{out / 'tamper.db'}")
    try:
        migrate(engine)
        simulation = Simulation(engine, SCENARIO["session"], seeded_rng(b"test_tamper"))
        for vote in SCENARIO["votes"]:
            simulation.run_vote(vote, out)
        with Session(engine) as db:
            keys = {"certification": unlock_session_key(db, simulation.session_id,
                                                        simulation.passphrase)}
    finally:
        engine.dispose()
    keys.update({f"scrutineer-{d.index}": d.signing_key for d in simulation.devices})
    records = {}
    for vote in SCENARIO["votes"]:
        directory = out / vote["id"]
        records[vote["id"]] = {p.name: p.read_bytes() for p in directory.iterdir()}
        verify_record(records[vote["id"]], workers=1)  # the untouched record is accepted
    return Built(records, keys)


@pytest.fixture(scope="module")
def records(built: Built) -> dict[str, Files]:
    return built.records


@pytest.fixture(scope="module")
def record(records: dict[str, Files]) -> Files:
    return records["vote-a"]


# --- reading and writing the files exactly as the record does -----------------------------


def _load(name: str, raw: bytes) -> Any:
    if name == JSONL:
        return [json.loads(line) for line in raw.splitlines()]
    return json.loads(raw)


def _dump(name: str, doc: Any) -> bytes:
    if name == JSONL:
        return b"".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode()
                        + b"\n" for line in doc)
    return dump_json(doc)


def _scalars(doc: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _scalars(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _scalars(value, (*path, index))
    else:
        yield path, doc


def _containers(doc: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    if isinstance(doc, dict | list):
        yield path, doc
        for key, value in (doc.items() if isinstance(doc, dict) else enumerate(doc)):
            yield from _containers(value, (*path, key))


def _at(doc: Any, path: Path_) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _changed(value: Any, path: Path_) -> Any:
    """The one change of a scalar (module docstring)."""
    if isinstance(value, bool):
        return not value
    if value is None:
        return 0
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.25
    assert isinstance(value, str), (path, value)
    if _HEX.fullmatch(value):
        where = int(hashlib.sha256(repr(path).encode()).hexdigest(), 16) % len(value)
        digit = "0123456789abcdef"[(int(value[where], 16) + 1) % 16]
        return value[:where] + digit + value[where + 1 :]
    return value + "x"


Mutation = tuple[str, Files]


def _replaced(files: Files, name: str, doc: Any) -> Files:
    return {**files, name: _dump(name, doc)}


def value_mutations(files: Files) -> Iterator[Mutation]:
    for name in RECORD_FILES:
        doc = _load(name, files[name])
        for path, value in _scalars(doc):
            changed = copy.deepcopy(doc)
            *parent, last = path
            _at(changed, tuple(parent))[last] = _changed(value, path)
            yield f"{name} {list(path)} = {value!r}", _replaced(files, name, changed)


def shape_mutations(files: Files) -> Iterator[Mutation]:
    """An unknown field in every object; every field and every list element dropped."""
    for name in RECORD_FILES:
        doc = _load(name, files[name])
        for path, container in _containers(doc):
            if isinstance(container, dict):
                grown = copy.deepcopy(doc)
                _at(grown, path)["extra"] = 0
                yield f"{name} {list(path)} + extra field", _replaced(files, name, grown)
            for key in list(container.keys() if isinstance(container, dict)
                            else range(len(container))):
                if name == JSONL and (not path or path[0] != 0):
                    continue  # whole lines: see board_mutations; the others: same shape
                smaller = copy.deepcopy(doc)
                del _at(smaller, path)[key]
                yield f"{name} {[*path, key]} dropped", _replaced(files, name, smaller)


def board_mutations(files: Files) -> Iterator[Mutation]:
    lines = files[JSONL].splitlines(keepends=True)
    assert len(lines) >= 3

    def board(*chosen: bytes) -> Files:
        return {**files, JSONL: b"".join(chosen)}

    for i in range(len(lines)):
        yield f"board line {i + 1} dropped", board(*lines[:i], *lines[i + 1 :])
        yield f"board line {i + 1} duplicated", board(*lines[: i + 1], *lines[i:])
    yield "board lines 1 and 2 swapped", board(lines[1], lines[0], *lines[2:])
    yield "board reversed", board(*reversed(lines))
    yield "board emptied", board()
    yield "board without its last newline", board(files[JSONL][:-1])
    yield "board with a blank line", board(files[JSONL], b"\n")


def file_mutations(files: Files) -> Iterator[Mutation]:
    for name in RECORD_FILES:
        yield f"{name} removed", {k: v for k, v in files.items() if k != name}
        if name == "certificate.json":
            continue  # its layout carries no meaning: see the test below
        reformatted = (files[name].replace(b'{"seq":', b'{ "seq":') if name == JSONL else
                       json.dumps(_load(name, files[name]), ensure_ascii=False).encode() + b"\n")
        yield f"{name} reformatted", {**files, name: reformatted}
    yield "extra file", {**files, "notes.txt": b"nothing\n"}


def _survivors(files: Files, mutations: Iterator[Mutation]) -> tuple[int, list[str]]:
    tried, survived = 0, []
    for description, tampered in mutations:
        assert tampered != files, description
        tried += 1
        try:
            verify_record(tampered, workers=1)
        except RecordError:
            continue
        survived.append(description)
    return tried, survived


def test_the_files_round_trip_byte_for_byte(record: Files) -> None:
    """So that every mutation below changes exactly one thing."""
    for name in RECORD_FILES:
        assert _dump(name, _load(name, record[name])) == record[name], name


def test_every_single_value_change_is_caught(record: Files) -> None:
    """The selection record here; the rating and the motion in the forger's test below."""
    kind = "vote-a"
    start = time.monotonic()
    tried, survived = _survivors(record, value_mutations(record))
    elapsed = time.monotonic() - start
    assert survived == [], f"{len(survived)} of {tried} changes were accepted: {survived}"
    assert tried > 150  # every scalar of the record; guards the enumeration itself
    print(f"\n{kind}: {tried} single-value changes, all refused, in {elapsed:.1f} s")


def test_every_shape_change_is_caught(built: Built) -> None:
    """Refused on their meaning: the signed files' changes even when re-signed by a forger
    (see below), the certificate's own as they are."""
    record = built.records["vote-a"]
    changes = ((d, m if d.startswith(CERTIFICATE) else resigned(m, built.signing_keys))
               for d, m in shape_mutations(record))
    tried, survived = _survivors(record, changes)
    assert survived == [], f"{len(survived)} of {tried} changes were accepted: {survived}"
    print(f"\n{tried} field and element changes, all refused")


def test_every_board_and_file_change_is_caught(built: Built) -> None:
    record = built.records["vote-a"]
    board = list(board_mutations(record))
    tried, survived = _survivors(record, iter(board))
    forged, also = _survivors(record, ((d, resigned(m, built.signing_keys)) for d, m in board))
    more, files = _survivors(record, file_mutations(record))
    assert survived + also + files == []
    print(f"\n{tried + forged + more} board and file changes, all refused")


def test_a_file_of_another_vote_of_the_session_is_caught(built: Built) -> None:
    a, b = built.records["vote-a"], built.records["vote-b"]
    # The session's keys and key ceremony are shared by all its votes: the same bytes.
    assert {name for name in RECORD_FILES if a[name] == b[name]} == {"keys.json",
                                                                      "ceremony.json"}
    for name in RECORD_FILES:
        if a[name] != b[name]:
            swapped = {**a, name: b[name]}
            with pytest.raises(RecordError):
                verify_record(swapped, workers=1)
            if name != CERTIFICATE:
                with pytest.raises(RecordError):
                    verify_record(resigned(swapped, built.signing_keys), workers=1)


def test_only_the_certificate_may_be_reformatted(record: Files) -> None:
    """The certificate names the SHA-256 of every other file, so their bytes are fixed. Its
    own bytes are covered by nothing (it cannot hash itself): its values are checked, and
    its layout, like any JSON reader's, is free (docs/record.md: readers depend on values)."""
    compact = json.dumps(json.loads(record["certificate.json"]), separators=(",", ":"))
    verify_record({**record, "certificate.json": compact.encode()}, workers=1)


# --- a forger who holds every signing key ---------------------------------------------------

#: Values no check can recompute: they are attested by the signatures alone, so a forger
#: holding the certification key and the scrutineers' keys can change them. Everything
#: else must be refused on its meaning, not only because a file hash or signature broke.
ATTESTED_ONLY = {
    "keys.json ['scrutineers', 0, 'name']",
    "keys.json ['scrutineers', 1, 'name']",
    "keys.json ['scrutineers', 2, 'name']",
    "vote.json ['session', 'title']",
    "vote.json ['session', 'deputies_present']",
}


def resigned(files: Files, keys: dict[str, Ed25519PrivateKey]) -> Files:
    """The record with its certificate rebuilt from ``files`` and signed again by the
    same signers (the payload as the service would make it, where the files still parse)."""
    original = json.loads(files[CERTIFICATE])
    try:
        vote = json.loads(files["vote.json"])
        payload = certificate_payload(
            files,
            VoteSpec.from_json({"session": vote["session"], "vote": vote["vote"]}),
            CardCounts.from_json(vote["cards"]),
            json.loads(files["result.json"]),
            bytes.fromhex(json.loads(files["election.json"])["election_hash"]),
            [BoardEntry.from_json(json.loads(line)) for line in files[JSONL].splitlines()],
        )
    except Exception:  # unparsable: keep the old payload, with the new file hashes
        payload = copy.deepcopy(original["payload"])
        payload["files"] = {n: hashlib.sha256(files[n]).hexdigest() for n in SIGNED_FILES}
    signatures = [sign_payload(payload, keys[s["signer"]], s["signer"], s["role"]).to_json()
                  for s in original["signatures"]]
    return {**files, CERTIFICATE: dump_json({"payload": payload, "signatures": signatures})}


@pytest.mark.parametrize("kind", KINDS)
def test_resigning_does_not_hide_a_change_of_meaning(built: Built, kind: str) -> None:
    record = built.records[kind]
    verify_record(resigned(record, built.signing_keys), workers=1)  # the forger's tool works
    forged = ((d, resigned(m, built.signing_keys)) for d, m in value_mutations(record)
              if not d.startswith(CERTIFICATE))
    tried, survived = _survivors(record, forged)
    # As made, without re-signing, those fail too (the certificate's file hashes), and so
    # does every change of the certificate itself: every single change is refused.
    by_name = dict(value_mutations(record))
    plain = [(d, m) for d, m in by_name.items() if d in survived or d.startswith(CERTIFICATE)]
    assert _survivors(record, iter(plain)) == (len(plain), [])
    expected = ATTESTED_ONLY | ({"vote.json ['session', 'deputies_total']"}
                                # under majority_of_cast the roster's size decides nothing
                                if kind == "rating" else set())
    assert {d.split(" = ")[0] for d in survived} == expected, sorted(survived)
    print(f"\n{kind}: {tried} single-value changes re-signed by a forger: "
          f"{tried - len(survived)} refused on their meaning, {len(survived)} labels "
          "attested by the signatures alone")
