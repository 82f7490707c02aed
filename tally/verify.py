"""``tally verify``: recheck one vote's election record offline (docs/record.md, last section).

Pure apart from the worker processes it starts for the board: files come in as bytes, the
first failure leaves as a :class:`RecordError` naming its step.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from tally.ballot import EncryptedBallot, verify_ballot
from tally.board import BoardEntry, BoardError, ballot_hash, verify_chain
from tally.certificate import Certificate, CertificateError, verify_certificate
from tally.decryption import (
    DecryptionShare,
    aggregate,
    combine_decryption,
    verify_decryption_share,
)
from tally.election import ElectionContext, make_context
from tally.elgamal import Ciphertext
from tally.errors import TallyError
from tally.group import IDENTITY
from tally.key_ceremony import CeremonyResult, verify_ceremony
from tally.manifest import Manifest
from tally.messages import SignedMessage, verify_message
from tally.record import (
    CERTIFICATE,
    FORMAT,
    RECORD_FILES,
    RecordError,
    RecordKeys,
    certificate_payload,
    fingerprint,
)
from tally.vote_spec import CardCounts, VoteSpec, compute_result

__all__ = ["Progress", "VerifiedRecord", "verify_record"]

Progress = Callable[[int, int], None]
_CHUNK = 100


@dataclass(frozen=True)
class VerifiedRecord:
    """What a successful verification establishes, for the one-line summary."""

    vote_id: str
    ballots: int
    counts: tuple[int, ...]
    election_hash: str
    board_head: str
    signer_fingerprints: tuple[str, ...]

    def summary(self) -> str:
        return (
            f"OK {self.vote_id}: {self.ballots} ballots, every proof, chain, share and "
            f"signature verified; head {self.board_head[:16]}…; "
            f"signers {', '.join(self.signer_fingerprints)}"
        )


def verify_record(
    files: Mapping[str, bytes], progress: Progress | None = None, workers: int | None = None
) -> VerifiedRecord:
    """Raise :class:`RecordError` at the first check that fails; return the summary otherwise."""
    missing = [name for name in RECORD_FILES if name not in files]
    if missing:
        raise RecordError("files", f"missing {', '.join(missing)}")
    extra = sorted(set(files) - set(RECORD_FILES))
    if extra:
        raise RecordError("files", f"unexpected {', '.join(extra)}")
    docs = {name: _load(name, files[name]) for name in RECORD_FILES if name != "ballots.jsonl"}

    spec, cards = _step("vote", lambda: _vote(docs["vote.json"]))
    keys = _step("keys", lambda: RecordKeys.from_json(docs["keys.json"]))
    manifest = _step("manifest", lambda: Manifest.from_json(docs["manifest.json"]))
    if manifest != spec.manifest() or not _same(manifest.to_json(), docs["manifest.json"]):
        raise RecordError("manifest", "does not match the vote's definition")

    ceremony = _step("ceremony", lambda: _ceremony(docs["ceremony.json"], keys))
    ctx = _step("election", lambda: make_context(manifest, ceremony))
    _check_election(docs["election.json"], manifest, ceremony, ctx)

    board = _step("board", lambda: _parse_board(files["ballots.jsonl"]))
    _check_numbering(board, ctx.election_hash)
    hashes, total = _step("board", lambda: _verify_ballots(ctx, ceremony, board, progress,
                                                          workers))
    head = _step("board", lambda: verify_chain(ctx.election_hash, board, hashes))
    if len(board) != cards.spent:
        raise RecordError("cards",
                          f"{len(board)} ballots on the board but {cards.spent} cards spent: "
                          "a ballot was dropped or added, or the card counts altered")
    if cards.spent > cards.issued or cards.issued + cards.void != cards.printed:
        raise RecordError("cards", "card counts are inconsistent")

    tally_doc = docs["tally.json"]
    expected_tally = {"ballots": len(board), "aggregate": [c.to_json() for c in total]}
    if not _same(tally_doc, expected_tally):
        raise RecordError("tally", "does not equal the homomorphic sum of the board")

    counts, signers = _step("decryption", lambda: _decryption(docs["decryption.json"], ctx,
                                                               ceremony, keys, total, len(board)))
    result = compute_result(spec, cards.issued, len(board), counts)
    if not _same(docs["result.json"], result):
        raise RecordError("result", "does not follow from the counts under the counting rules")

    payload = certificate_payload(files, spec, cards, result, ctx.election_hash, board)
    fingerprints = _step("certificate",
                         lambda: _certificate(docs[CERTIFICATE], payload, keys, signers))
    return VerifiedRecord(spec.vote_id, len(board), counts, ctx.election_hash.hex(), head.hex(),
                          fingerprints)


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal JSON types: ``0`` is not ``0.0`` and ``1`` is not ``true`` here,
    though Python's ``==`` would say they are; every value of the record must be as written."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _step(step: str, action: Callable[[], Any]) -> Any:
    """Run one check, reporting any core error as a failure of ``step``."""
    try:
        return action()
    except RecordError:
        raise
    except (TallyError, KeyError, TypeError, ValueError) as exc:
        raise RecordError(step, f"{type(exc).__name__}: {exc}") from exc


def _load(name: str, raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError("files", f"{name} is not UTF-8 JSON: {exc}") from exc


def _vote(doc: Any) -> tuple[VoteSpec, CardCounts]:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise RecordError("vote", f"format is not {FORMAT}")
    if set(doc) != {"format", "session", "vote", "cards"}:
        raise RecordError("vote", "unexpected or missing fields")
    spec = VoteSpec.from_json({"session": doc["session"], "vote": doc["vote"]})
    if not _same(spec.to_json(), {"session": doc["session"], "vote": doc["vote"]}):
        raise RecordError("vote", "does not round-trip")
    return spec, CardCounts.from_json(doc["cards"])


def _ceremony(doc: Any, keys: RecordKeys) -> CeremonyResult:
    if not isinstance(doc, dict) or set(doc) != {"ceremony", "messages"}:
        raise RecordError("ceremony", "expected ceremony and messages")
    ceremony = CeremonyResult.from_json(doc["ceremony"])
    verify_ceremony(ceremony)
    if not _same(ceremony.to_json(), doc["ceremony"]):
        raise RecordError("ceremony", "does not round-trip")
    if set(keys.scrutineers) != set(range(1, ceremony.params.n + 1)):
        raise RecordError("keys", "scrutineer keys do not match the ceremony's n")
    messages = doc["messages"]
    expected = [m.to_json() for m in ceremony.commitment_messages]
    if not isinstance(messages, list) or len(messages) != len(expected):
        raise RecordError("ceremony", "one signed message per scrutineer is required")
    for raw, body in zip(messages, expected, strict=True):
        signed = SignedMessage.from_json(raw)
        if not _same(signed.body, body) or signed.signer != body["index"]:
            raise RecordError("ceremony", f"signed message of {signed.signer} differs")
        try:
            verify_message("commitment", signed, keys.scrutineers[signed.signer][1])
        except TallyError as exc:
            raise RecordError("ceremony", f"the commitment of scrutineer {signed.signer} is "
                                          "not signed by that scrutineer's key in keys.json "
                                          f"({exc})") from exc
    return ceremony


def _check_election(doc: Any, manifest: Manifest, ceremony: CeremonyResult,
                    ctx: ElectionContext) -> None:
    expected = {
        "manifest_hash": manifest.manifest_hash().hex(),
        "ceremony_hash": ceremony.ceremony_hash.hex(),
        "public_key": ceremony.public_key.hex(),
        "election_hash": ctx.election_hash.hex(),
    }
    if not _same(doc, expected):
        differing = sorted(k for k in set(expected) | set(doc if isinstance(doc, dict) else {})
                           if not isinstance(doc, dict) or doc.get(k) != expected.get(k))
        raise RecordError("election", f"election.json does not match the recomputed values "
                                      f"of {', '.join(differing)}")


def _check_numbering(board: Sequence[BoardEntry], election_hash: bytes) -> None:
    """Name a dropped, added, moved or foreign board entry before any proof is checked.

    The chain check would catch each of these too, but only as "expected seq 2"; an
    auditor needs to read which kind of tampering it is.
    """
    seqs = [entry.seq for entry in board]
    if board and board[0].prev != election_hash and seqs[0] == 1:
        raise RecordError("board", "entry 1 does not start from this vote's election hash: "
                                   "a board of another election")
    for line, seq in enumerate(seqs, 1):
        if seq == line:
            continue
        if seqs.count(seq) > 1:
            raise RecordError("board", f"entry {seq} appears twice (line {line}): "
                                       "a copied entry")
        if sorted(seqs) == list(range(1, len(seqs) + 1)):
            raise RecordError("board", f"entries out of order: line {line} holds entry {seq}")
        raise RecordError("board", f"entry {line} is missing or was inserted: line {line} "
                                   f"holds entry {seq}")


def _parse_board(raw: bytes) -> list[BoardEntry]:
    if raw and not raw.endswith(b"\n"):
        raise RecordError("board", "ballots.jsonl must end with a newline")
    entries = []
    for number, line in enumerate(raw.split(b"\n")[:-1] if raw else [], start=1):
        try:
            entries.append(BoardEntry.from_json(json.loads(line)))
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
            raise RecordError("board", f"line {number}: {exc}") from exc
        except TallyError as exc:
            raise RecordError("board", f"line {number}: {exc}") from exc
    return entries


# --- the board's ballots, verified in worker processes --------------------------------------

_worker_ctx: ElectionContext | None = None


def _init_worker(manifest_json: dict[str, Any], ceremony_json: dict[str, Any]) -> None:
    global _worker_ctx
    _worker_ctx = make_context(Manifest.from_json(manifest_json),
                               CeremonyResult.from_json(ceremony_json))


def _verify_chunk(start_seq: int, ballots: list[dict[str, Any]]) -> tuple[list[bytes], list[Any]]:
    assert _worker_ctx is not None
    return _verify_in(_worker_ctx, start_seq, ballots)


def _verify_in(ctx: ElectionContext, start_seq: int,
               raw_ballots: Sequence[dict[str, Any]]) -> tuple[list[bytes], list[Any]]:
    """Parse, verify and hash a chunk of ballots; return their hashes and partial sum."""
    ballots = []
    for offset, raw in enumerate(raw_ballots):
        try:
            ballot = EncryptedBallot.from_json(raw)
            if not _same(ballot.to_json(), raw):
                raise BoardError(start_seq + offset, "ballot is not in canonical form")
            verify_ballot(ctx, ballot)
        except TallyError as exc:
            raise BoardError(start_seq + offset, f"ballot does not verify: {exc}") from exc
        ballots.append(ballot)
    return [ballot_hash(raw) for raw in raw_ballots], [c.to_json() for c in aggregate(ballots)]


def _verify_ballots(
    ctx: ElectionContext, ceremony: CeremonyResult, board: Sequence[BoardEntry],
    progress: Progress | None, workers: int | None,
) -> tuple[list[bytes], tuple[Ciphertext, ...]]:
    """Verify every board ballot, on every core; return their hashes and the homomorphic sum."""
    n = len(board)
    zero = Ciphertext(IDENTITY, IDENTITY)
    total = tuple(zero for _ in ctx.manifest.labels)
    hashes: list[bytes] = []
    chunks = [(start + 1, [e.ballot for e in board[start : start + _CHUNK]])
              for start in range(0, n, _CHUNK)]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if progress:
        progress(0, n)

    def take(part: tuple[list[bytes], list[Any]]) -> None:
        nonlocal total
        hashes.extend(part[0])
        if part[0]:
            total = tuple(a + Ciphertext.from_json(b, allow_identity=True)
                          for a, b in zip(total, part[1], strict=True))
        if progress:
            progress(len(hashes), n)

    if workers <= 1 or n <= _CHUNK:
        for start, chunk in chunks:
            take(_verify_in(ctx, start, chunk))
        return hashes, total
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                             initargs=(ctx.manifest.to_json(), ceremony.to_json())) as pool:
        for future in [pool.submit(_verify_chunk, start, chunk) for start, chunk in chunks]:
            take(future.result())
    return hashes, total


# --- decryption and certificate --------------------------------------------------------------


def _decryption(doc: Any, ctx: ElectionContext, ceremony: CeremonyResult, keys: RecordKeys,
                total: tuple[Ciphertext, ...], ballots: int) -> tuple[tuple[int, ...], list[int]]:
    """Check every signed share and its proofs, then that any k of them give ``counts``."""
    if not isinstance(doc, dict) or set(doc) != {"shares", "counts"}:
        raise RecordError("decryption", "expected shares and counts")
    if not isinstance(doc["shares"], list):
        raise RecordError("decryption", "shares is not a list")
    shares: list[DecryptionShare] = []
    for raw in doc["shares"]:
        signed = SignedMessage.from_json(raw)
        share = DecryptionShare.from_json(signed.body)
        if not _same(share.to_json(), signed.body) or share.scrutineer != signed.signer:
            raise RecordError("decryption", f"share of scrutineer {signed.signer} is malformed")
        if signed.signer not in keys.scrutineers:
            raise RecordError("decryption", f"unknown scrutineer {signed.signer}")
        if any(s.scrutineer == share.scrutineer for s in shares):
            raise RecordError("decryption", f"two shares from scrutineer {share.scrutineer}")
        verify_message("decryption-share", signed, keys.scrutineers[signed.signer][1])
        verify_decryption_share(ctx, ceremony, total, share)
        shares.append(share)
    if len(shares) < ceremony.params.k:
        raise RecordError("decryption", f"{len(shares)} shares, {ceremony.params.k} needed")
    counts = combine_decryption(ctx, ceremony, total, shares, ballots)
    if not _same(doc["counts"], list(counts)):
        raise RecordError("decryption", "counts do not match the decrypted tally")
    return tuple(counts), [s.scrutineer for s in shares]


def _certificate(doc: Any, payload: dict[str, Any], keys: RecordKeys,
                 scrutineers: list[int]) -> tuple[str, ...]:
    cert = Certificate.from_json(doc)
    if not _same(cert.to_json(), doc):
        raise RecordError("certificate", "does not round-trip")
    if not _same(cert.payload, payload):
        differing = sorted(k for k in payload if cert.payload.get(k) != payload[k])
        signed_files = cert.payload.get("files")
        if "files" in differing and isinstance(signed_files, dict):
            changed = sorted(name for name, digest in payload["files"].items()
                             if signed_files.get(name) != digest)
            raise RecordError("certificate", f"payload differs from the record in {differing}:"
                                             f" changed since signing: {', '.join(changed)}")
        raise RecordError("certificate", f"payload differs from the record in {differing}")
    signers = {"certification": keys.certification.hex()}
    signers.update({f"scrutineer-{i}": keys.scrutineers[i][1].hex() for i in scrutineers})
    try:
        verify_certificate(cert, signers, required_signers=signers.keys())
    except CertificateError as exc:
        raise RecordError("certificate", str(exc)) from exc
    return tuple(fingerprint(bytes.fromhex(key)) for key in signers.values())
