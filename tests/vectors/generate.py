"""Generate the JSON test vectors in this directory, deterministically.

    python -m tests.vectors.generate          # rewrite the files
    python -m tests.vectors.generate --check  # exit 1 if a file would change

All randomness comes from ``tally.rng.seeded_rng`` with the seeds written into each case,
so another implementation can replay the provers too. Every negative case is checked here
to raise exactly the error class it records.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.vectors.cases_election import (
    ballot_cases,
    ceremony_cases,
    decryption_cases,
    manifest_cases,
)
from tests.vectors.cases_primitives import (
    decryption_proof_cases,
    elgamal_cases,
    group_cases,
    hash_cases,
    range_cases,
    rng_cases,
    schnorr_cases,
)
from tests.vectors.operations import Json
from tests.vectors.vector_helpers import document

__all__ = ["FILES", "build_all", "main", "render"]

HERE = Path(__file__).resolve().parent


FILES = (
    "group.json",
    "hash.json",
    "rng.json",
    "elgamal.json",
    "schnorr.json",
    "range_proof.json",
    "decryption_proof.json",
    "manifest.json",
    "ceremony.json",
    "ballot.json",
    "decryption.json",
)


def build_all() -> dict[str, Json]:
    """Every vector file's content, by file name."""
    ceremony_list, ceremony, secrets = ceremony_cases()
    return {
        "group.json": document("Scalar and point decoding; point arithmetic.", "§2", group_cases()),
        "hash.json": document("hash_to_scalar: encoding and reduction.", "§3", hash_cases()),
        "rng.json": document("seeded_rng stream and random_scalar.", "§9", rng_cases()),
        "elgamal.json": document(
            "Exponential ElGamal encryption and addition.", "§4", elgamal_cases()
        ),
        "schnorr.json": document("Schnorr proofs of knowledge.", "§5.1", schnorr_cases()),
        "range_proof.json": document(
            "Disjunctive Chaum–Pedersen range proofs.", "§5.2", range_cases()
        ),
        "decryption_proof.json": document(
            "Chaum–Pedersen decryption proofs.", "§5.3", decryption_proof_cases()
        ),
        "manifest.json": document(
            "Manifest hash and election hash.", "§6", manifest_cases(ceremony)
        ),
        "ceremony.json": document("Key ceremony, 3 of 5 scrutineers.", "§7", ceremony_list),
        "ballot.json": document(
            "Ballot encryption, verification and audit.", "§8", ballot_cases(ceremony)
        ),
        "decryption.json": document(
            "Aggregation and threshold decryption.", "§8.4", decryption_cases(ceremony, secrets)
        ),
    }


def render(content: Json) -> str:
    """The exact file text: 1-space indented JSON, UTF-8, trailing newline."""
    return json.dumps(content, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, content in build_all().items():
        path = HERE / name
        text = render(content)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale vector files: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
