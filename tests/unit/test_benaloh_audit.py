"""The Benaloh audit document (tally/audit.py) and `tally audit FILE`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tally.audit import AUDIT_FORMAT, AuditError, check_audit
from tally.ballot import (
    MarkedBallot,
    encrypt_ballot,
    mark_motion,
    mark_rating,
    mark_selection,
)
from tally.cli import main as tally_main
from tally.election import ElectionContext
from tally.group import Scalar
from tally.rng import seeded_rng
from tests.fixtures import Setup


def audit_document(ctx: ElectionContext, choices: tuple[int, ...], seed: bytes) -> dict[str, Any]:
    """What the kiosk downloads for an audited ballot."""
    ballot, opening = encrypt_ballot(ctx, MarkedBallot(choices), seeded_rng(seed))
    return {
        "format": AUDIT_FORMAT,
        "election": {"manifest": ctx.manifest.to_json(), "public_key": ctx.public_key.hex(),
                     "election_hash": ctx.election_hash.hex()},
        "ballot": ballot.to_json(),
        "opening": opening.to_json(),
        "choices": list(choices),
    }


@pytest.fixture
def selection_doc(setup: Setup) -> dict[str, Any]:
    marked = mark_selection(setup.selection.manifest, [0, 2, 12])
    return audit_document(setup.selection, marked.choices, b"audit-selection")


def test_each_kind_opens_to_its_choices(setup: Setup, selection_doc: dict[str, Any]) -> None:
    assert check_audit(selection_doc) == [1, 0, 1] + [0] * 9 + [1]
    rating = mark_rating(setup.rating.manifest, [0, None, 2])
    assert check_audit(audit_document(setup.rating, rating.choices, b"r")) == list(rating.choices)
    motion = mark_motion(setup.motion.manifest, "no")
    assert check_audit(audit_document(setup.motion, motion.choices, b"m")) == [0, 1, 0]


def test_stated_choices_must_be_the_opened_ones(selection_doc: dict[str, Any]) -> None:
    lie = copy.deepcopy(selection_doc)
    lie["choices"][1] = 1
    with pytest.raises(AuditError, match="opens to"):
        check_audit(lie)


def test_a_wrong_nonce_is_caught(selection_doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(selection_doc)
    bad["opening"]["nonces"][3] = Scalar(12345).hex()
    with pytest.raises(AuditError, match="selection 3: alpha does not match"):
        check_audit(bad)


def test_a_swapped_ciphertext_fails_its_proof(selection_doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(selection_doc)
    sel = bad["ballot"]["selections"]
    sel[0]["ciphertext"], sel[1]["ciphertext"] = sel[1]["ciphertext"], sel[0]["ciphertext"]
    with pytest.raises(AuditError, match="selection 0"):
        check_audit(bad)


def test_another_election_is_refused(setup: Setup, selection_doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(selection_doc)
    bad["election"]["election_hash"] = setup.motion.election_hash.hex()
    with pytest.raises(AuditError, match="another election hash"):
        check_audit(bad)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(format="rendavote/audit/v0"),
        lambda d: d.pop("opening"),
        lambda d: d.update(extra=1),
        lambda d: d["election"].update(public_key="00" * 32),
        lambda d: d["opening"]["nonces"].pop(),
        lambda d: d.update(choices=[True] * 13),
        lambda d: d["election"]["manifest"].update(kind="poll"),
    ],
    ids=["format", "missing", "extra", "key", "short-opening", "bool-choices", "manifest"],
)
def test_malformed_documents_raise_audit_error(selection_doc: dict[str, Any], mutate: Any) -> None:
    bad = copy.deepcopy(selection_doc)
    mutate(bad)
    with pytest.raises(AuditError):
        check_audit(bad)
    with pytest.raises(AuditError):
        check_audit([bad])


def test_cli(tmp_path: Path, selection_doc: dict[str, Any],
             capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "audit.json"
    good.write_text(json.dumps(selection_doc), encoding="utf-8")
    assert tally_main(["audit", str(good)]) == 0
    assert "OK" in capsys.readouterr().out
    selection_doc["choices"][0] = 0
    good.write_text(json.dumps(selection_doc), encoding="utf-8")
    assert tally_main(["audit", str(good)]) == 1
    assert capsys.readouterr().err.startswith("FAIL")
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    assert tally_main(["audit", str(tmp_path / "junk.json")]) == 1
