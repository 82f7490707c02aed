"""Replay every JSON test vector against the Python implementation."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tally.errors import TallyError
from tests.vectors.generate import FILES, build_all, render
from tests.vectors.operations import OPERATIONS

HERE = Path(__file__).resolve().parent


def _cases() -> list[Any]:
    params = []
    for name in FILES:
        doc = json.loads((HERE / name).read_text(encoding="utf-8"))
        for case in doc["cases"]:
            params.append(pytest.param(case, id=f"{name}:{case['name']}"))
    return params


@pytest.mark.parametrize("case", _cases())
def test_vector(case: dict[str, Any]) -> None:
    operation = OPERATIONS[case["operation"]]
    inp = copy.deepcopy(case["input"])
    if "expected" in case:
        assert operation(inp) == case["expected"]
        return
    expected = case["expected_error"]
    with pytest.raises(TallyError) as info:
        operation(inp)
    assert type(info.value).__name__ == expected["class"]
    for key, value in expected.items():
        if key != "class":
            assert getattr(info.value, key) == value, key


def test_every_file_is_self_describing() -> None:
    for name in FILES:
        doc = json.loads((HERE / name).read_text(encoding="utf-8"))
        assert {"description", "spec", "generator", "cases"} <= set(doc), name
        for case in doc["cases"]:
            assert case["operation"] in OPERATIONS
            assert ("expected" in case) != ("expected_error" in case), case["name"]


def test_negative_vectors_cover_the_required_kinds() -> None:
    names = " ".join(
        case["name"]
        for name in FILES
        for case in json.loads((HERE / name).read_text(encoding="utf-8"))["cases"]
        if "expected_error" in case
    )
    for needle in ["tampered", "small-order", "non-canonical", ">= L", "another election"]:
        assert needle in names, needle


def test_files_match_the_generator() -> None:
    for name, content in build_all().items():
        assert (HERE / name).read_text(encoding="utf-8") == render(content), (
            f"{name} is stale: run python -m tests.vectors.generate"
        )
