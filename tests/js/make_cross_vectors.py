"""Write tests/js/fixtures/cross.json: ballots encrypted by the Python core from seeded
randomness, and RFC 8785 serialisations, for the JavaScript tests to reproduce byte for byte.

They add to tests/vectors/ what the tablet meets and the shared vectors do not cover:
every manifest kind with several markings (none, the maximum, a lower bound above 0,
abstentions), Chinese text, and canonical JSON of awkward strings, keys and numbers.

    /work/venv/bin/python tests/js/make_cross_vectors.py          # rewrite the fixture
    /work/venv/bin/python tests/js/make_cross_vectors.py --check  # exit 1 if it is stale
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import rfc8785  # noqa: E402

from tally.ballot import MarkedBallot, encrypt_ballot  # noqa: E402
from tally.election import ElectionContext, compute_election_hash  # noqa: E402
from tally.group import G, random_scalar  # noqa: E402
from tally.manifest import (  # noqa: E402
    Manifest,
    motion_manifest,
    rating_manifest,
    selection_manifest,
)
from tally.rng import seeded_rng  # noqa: E402

__all__ = ["FIXTURE", "build", "main", "render"]

FIXTURE = ROOT / "tests" / "js" / "fixtures" / "cross.json"

PROJECTS = [f"民生项目{i + 1:02d}" for i in range(13)]
GRADES = ["满意", "基本满意", "不满意"]

CANONICAL_VALUES: list[Any] = [
    {"b": [1, 2.5, -0.0, 1e21, 1e-7, 0.1, 123456789012345, True, None], "a": "x"},
    {"\ue000": 1, "\U0001f600": 2, "z": 3, "A": 4, "é": 5, "": 6},
    ["\u0000\u0007\u001f\"\\/\u007f\u2028\u2029", "民生实事项目人大代表票决制", "tab\tnl\n"],
    {"nested": {"list": [[], {}], "empty": ""}, "neg": -12, "big": 9007199254740991},
]


def _context(manifest: Manifest) -> tuple[dict[str, Any], ElectionContext]:
    key = random_scalar(seeded_rng(b"cross key")) * G
    ceremony_hash = hashlib.sha256(b"cross ceremony").digest()
    h_e = compute_election_hash(manifest.manifest_hash(), ceremony_hash, key)
    obj = {"manifest": manifest.to_json(), "ceremony_hash": ceremony_hash.hex(),
           "public_key": key.hex()}
    return obj, ElectionContext(manifest, key, h_e)


def _ballot_case(name: str, manifest: Manifest, choices: list[int]) -> dict[str, Any]:
    obj, ctx = _context(manifest)
    seed = name.encode()
    ballot, opening = encrypt_ballot(ctx, MarkedBallot(tuple(choices)), seeded_rng(seed))
    return {
        "name": name,
        "context": obj,
        "choices": choices,
        "rng_seed": seed.hex(),
        "expected": {
            "election_hash": ctx.election_hash.hex(),
            "ballot": ballot.to_json(),
            "opening": opening.to_json(),
            "ballot_hash": ballot.ballot_hash().hex(),
        },
    }


def build() -> dict[str, Any]:
    """The fixture's content."""
    s13 = selection_manifest("v-13-10", "2025年民生实事项目票决（13选10）", PROJECTS, 0, 10)
    s13_min = selection_manifest("v-13-3-10", "至少3项、至多10项", PROJECTS, 3, 10)
    rating = rating_manifest("v-rating", "2024年民生实事项目满意度测评", PROJECTS[:4], GRADES)
    motion = motion_manifest("v-motion", "关于2025年民生实事项目的决定（草案）")
    ten = [1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1]
    ballots = [
        _ballot_case("13选10 blank", s13, [0] * 13),
        _ballot_case("13选10 ten marks", s13, ten),
        _ballot_case("13选10 one mark", s13, [0] * 12 + [1]),
        _ballot_case("13 choose 3..10 three marks", s13_min, [0, 0, 1, 0, 0, 1] + [0] * 6 + [1]),
        _ballot_case("rating with an abstention", rating, [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]),
        _ballot_case("motion yes", motion, [1, 0, 0]),
        _ballot_case("motion blank", motion, [0, 0, 0]),
    ]
    canonical = [
        {"value": value, "canonical": rfc8785.dumps(value).decode("utf-8")}
        for value in CANONICAL_VALUES
    ]
    return {
        "description": "Python-made ballots and RFC 8785 texts the JavaScript must reproduce.",
        "generator": "python tests/js/make_cross_vectors.py",
        "ballots": ballots,
        "canonical": canonical,
    }


def render(content: dict[str, Any]) -> str:
    """The exact file text: 1-space indented JSON, UTF-8, trailing newline."""
    return json.dumps(content, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    text = render(build())
    if "--check" in argv:
        if not FIXTURE.exists() or FIXTURE.read_text(encoding="utf-8") != text:
            print(f"{FIXTURE} is stale: run python tests/js/make_cross_vectors.py", file=sys.stderr)
            return 1
        return 0
    FIXTURE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
