"""``voting simulate`` → ``tally verify`` end to end, on SQLite and PostgreSQL.

The expected counts are computed here from the scenario's plaintext ballots, independently
of the service, and compared with what came out of encryption, the ballot box and k-of-n
decryption.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tally.rules import threshold_votes
from voting.simulate import ScenarioError, run_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT.parent / "shared" / "contract" / "example-zixing-2019.json"
SAMPLE = ROOT / "voting" / "sample" / "zixing-2019.json"


def example() -> dict[str, Any]:
    path = EXAMPLE if EXAMPLE.exists() else SAMPLE
    return json.loads(path.read_text(encoding="utf-8"))


def small_scenario() -> dict[str, Any]:
    """Every rule exercised on a few ballots: refusals, replays, a tie, a motion."""
    return {
        "session": {"title": "测试乡第一次会议", "deputies_total": 9, "deputies_present": 8,
                    "scrutineers": {"count": 3, "threshold": 2}, "seed": 7},
        "votes": [
            {"id": "projects", "kind": "selection", "title": "4选2",
             "options": ["甲", "乙", "丙", "丁"],
             "select_min": 0, "select_max": 2, "threshold": "majority_of_all", "cards_issued": 7,
             "ballots": [{"select": [0, 1], "count": 4}, {"select": [0, 2], "count": 1},
                         {"select": [0, 1, 2], "count": 1}, {"select": [4], "count": 1}],
             "replays": 2},
            {"id": "rating", "kind": "rating", "title": "测评", "items": ["项目一", "项目二"],
             "scale": ["满意", "基本满意", "不满意"], "threshold": "majority_of_all",
             "cards_issued": 8,
             "ballots": [{"ratings": [0, 1], "count": 5}, {"ratings": [1, None], "count": 2},
                         {"ratings": [3, 0], "count": 1}]},
            {"id": "motion", "kind": "motion", "title": "决议", "threshold": "majority_of_cast",
             "cards_issued": 8,
             "ballots": [{"choice": "yes", "count": 4}, {"choice": "no", "count": 2},
                         {"choice": "abstain", "count": 1}]},
        ],
    }


def expected_counts(vote: dict[str, Any]) -> tuple[Any, int, int]:
    """Counts, ballots cast and refused as the contract defines them, by hand."""
    attempts = [b for b in vote["ballots"] for _ in range(b["count"])]
    issued = vote["cards_issued"]
    kind = vote["kind"]

    def valid(b: dict[str, Any]) -> bool:
        if kind == "selection":
            s = b["select"]
            return (len(set(s)) == len(s) and all(0 <= i < len(vote["options"]) for i in s)
                    and vote.get("select_min", 0) <= len(s) <= vote["select_max"])
        if kind == "rating":
            return all(r is None or 0 <= r < 3 for r in b["ratings"])
        return b["choice"] in ("yes", "no", "abstain")

    # Cards go to the first `issued` attempts in a random order; the counts only depend on
    # which attempts got one when every attempt fits.
    assert len(attempts) <= issued, "the hand count assumes every attempt has a card"
    cast = [b for b in attempts if valid(b)]
    refused = len(attempts) - len(cast)
    if kind == "selection":
        counts: Any = [sum(i in b["select"] for b in cast) for i in range(len(vote["options"]))]
    elif kind == "rating":
        counts = [[sum(b["ratings"][item] == g for b in cast) for g in range(3)]
                  + [sum(b["ratings"][item] is None for b in cast)]
                  for item in range(len(vote["items"]))]
    else:
        counts = {c: sum(b["choice"] == c for b in cast) for c in ("yes", "no", "abstain")}
    return counts, len(cast), refused


def tally_verify(directory: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tally.cli", "verify", directory],
                          capture_output=True, text=True, check=False, cwd=ROOT)


def test_small_scenario_every_rule(db_url: str, tmp_path: Path) -> None:
    scenario = small_scenario()
    result = run_scenario(scenario, tmp_path / "out", db_url)
    by_id = {v["id"]: v for v in result["votes"]}

    projects = by_id["projects"]
    counts, cast, refused = expected_counts(scenario["votes"][0])
    assert projects["counts"] == counts == [5, 4, 1, 0]
    assert (projects["ballots_cast"], projects["ballots_refused"]) == (cast, refused) == (5, 2)
    assert projects["replays_refused"] == 2
    assert projects["threshold_votes"] == threshold_votes("majority_of_all", 9, 5) == 5
    assert projects["elected"] == [0] and projects["tie"] is None
    assert projects["shortfall"] == {"seats": 1, "runoff_options": [1, 2, 3]}
    assert projects["status"] == "valid"

    rating = by_id["rating"]
    counts, cast, refused = expected_counts(scenario["votes"][1])
    assert rating["counts"] == counts
    assert (rating["ballots_cast"], rating["ballots_refused"]) == (7, 1)
    assert rating["counts"] == [[5, 2, 0, 0], [0, 5, 0, 2]]
    assert rating["verdict"] == ["satisfied", "basically_satisfied"]

    motion = by_id["motion"]
    assert motion["counts"] == {"yes": 4, "no": 2, "abstain": 1}
    assert motion["threshold_votes"] == 4 and motion["passed"] is True

    for vote in result["votes"]:
        done = tally_verify(vote["record"])
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"OK {vote['id']}")


def test_seed_makes_runs_repeatable(tmp_path: Path) -> None:
    scenario = small_scenario()
    scenario["votes"] = scenario["votes"][2:]
    first = run_scenario(scenario, tmp_path / "a")
    second = run_scenario(scenario, tmp_path / "b")
    for a, b in zip(first["votes"], second["votes"], strict=True):
        assert a["certificate_sha256"] == b["certificate_sha256"]


@pytest.mark.slow
def test_contract_example_end_to_end(db_url: str, tmp_path: Path) -> None:
    scenario = example()
    result = run_scenario(scenario, tmp_path / "out", db_url)
    assert [v["id"] for v in result["votes"]] == [v["id"] for v in scenario["votes"]]
    for vote, outcome in zip(scenario["votes"], result["votes"], strict=True):
        counts, cast, refused = expected_counts(vote)
        assert outcome["counts"] == counts
        assert (outcome["ballots_cast"], outcome["ballots_refused"]) == (cast, refused)
        assert outcome["status"] == "valid"
        done = tally_verify(outcome["record"])
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"session": None}, "session must be an object"),
        ({"votes": [{"id": "x", "kind": "referendum", "cards_issued": 1}]}, "kind"),
        ({"votes": [{"id": "../x", "kind": "motion", "cards_issued": 1}]}, "id"),
        ({"votes": [{"id": "x", "kind": "selection", "options": ["a", "b"], "select_max": "1",
                     "cards_issued": 1}]}, "select_max"),
        ({"votes": [{"id": "x", "kind": "selection", "options": ["a", "a"], "select_max": 1,
                     "cards_issued": 1}]}, "distinct"),
        ({"votes": [{"id": "x", "kind": "motion", "title": 5, "cards_issued": 1}]}, "title"),
    ],
)
def test_malformed_scenario_is_refused(patch: dict[str, Any], message: str,
                                       tmp_path: Path) -> None:
    scenario = {**small_scenario(), **patch}
    with pytest.raises(ScenarioError, match=message):
        run_scenario(scenario, tmp_path)


def test_cli_contract(tmp_path: Path) -> None:
    """The command line: JSON on stdout and exit 0; one line on stderr and non-zero."""
    scenario = small_scenario()
    scenario["votes"] = scenario["votes"][2:]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "voting", "simulate", str(path), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["votes"][0]["passed"] is True
    path.write_text("{not json", encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "voting", "simulate", str(path), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                         check=False)
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1


def test_verify_is_type_exact(tmp_path: Path) -> None:
    """``0`` and ``0.0`` are equal to Python and to canonical JSON, not to the record."""
    scenario = small_scenario()
    scenario["votes"] = scenario["votes"][2:]
    record = Path(run_scenario(scenario, tmp_path / "out")["votes"][0]["record"])
    assert tally_verify(str(record)).returncode == 0
    certificate = record / "certificate.json"
    text = certificate.read_text(encoding="utf-8")
    assert '"void": 0' in text
    certificate.write_text(text.replace('"void": 0', '"void": 0.0', 1), encoding="utf-8")
    done = tally_verify(str(record))
    assert done.returncode != 0 and "certificate" in done.stderr
