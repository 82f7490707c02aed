"""tally.manifest: builders, validation, JSON, hash."""

from __future__ import annotations

import hashlib

import pytest
import rfc8785

from tally.errors import InvalidEncoding, InvalidManifest
from tally.manifest import (
    Constraint,
    Manifest,
    motion_manifest,
    rating_label,
    rating_manifest,
    selection_manifest,
)

OPTIONS = [f"项目{i}" for i in range(13)]


def test_selection_manifest_layout() -> None:
    m = selection_manifest("v1", "票决", OPTIONS, 0, 10)
    assert m.labels == tuple(OPTIONS)
    assert m.options == tuple(OPTIONS)
    assert m.constraints == (Constraint(tuple(range(13)), 0, 10),)
    assert m.selection_count == 13


def test_rating_manifest_is_item_major() -> None:
    m = rating_manifest("r1", "测评", ["A", "B"], ["满意", "基本满意", "不满意"])
    assert m.labels[4] == rating_label("B", "基本满意")  # item 1, grade 1 -> 1*3+1
    assert m.constraints == (Constraint((0, 1, 2), 0, 1), Constraint((3, 4, 5), 0, 1))


def test_motion_manifest() -> None:
    m = motion_manifest("m1", "决议")
    assert m.labels == ("yes", "no", "abstain")
    assert m.constraints == (Constraint((0, 1, 2), 0, 1),)


@pytest.mark.parametrize(
    "manifest",
    [
        selection_manifest("v1", "票决", OPTIONS, 1, 10),
        rating_manifest("r1", "测评", ["A", "B"], ["满意", "基本满意", "不满意"]),
        motion_manifest("m1", "决议"),
    ],
)
def test_json_round_trip_and_hash(manifest: Manifest) -> None:
    obj = manifest.to_json()
    assert Manifest.from_json(obj) == manifest
    assert manifest.manifest_hash() == hashlib.sha256(rfc8785.dumps(obj)).digest()


def test_hash_changes_with_any_field() -> None:
    base = selection_manifest("v1", "票决", OPTIONS, 0, 10)
    others = [
        selection_manifest("v2", "票决", OPTIONS, 0, 10),
        selection_manifest("v1", "票决2", OPTIONS, 0, 10),
        selection_manifest("v1", "票决", OPTIONS, 0, 9),
        selection_manifest("v1", "票决", OPTIONS[:12], 0, 10),
    ]
    assert len({m.manifest_hash() for m in [base, *others]}) == 5


@pytest.mark.parametrize(
    "args",
    [
        (OPTIONS, 0, 14),
        (OPTIONS, 5, 4),
        (OPTIONS, -1, 3),
        ([], 0, 0),
        (["a", "a"], 0, 1),
        (["a", ""], 0, 1),
    ],
)
def test_selection_manifest_rejects(args: tuple[list[str], int, int]) -> None:
    with pytest.raises(InvalidManifest):
        selection_manifest("v", "t", *args)


def test_from_json_rejects_inconsistent_or_malformed() -> None:
    good = selection_manifest("v1", "票决", OPTIONS, 0, 10).to_json()
    for bad in [
        {**good, "labels": OPTIONS[::-1]},
        {**good, "constraints": [{"selections": list(range(13)), "min": 0, "max": 14}]},
        {**good, "constraints": []},
        {**good, "kind": "motion"},
        {**good, "kind": "other"},
        {**good, "extra": 1},
        {**good, "title": 5},
        {**good, "constraints": [{"selections": [0, 0], "min": 0, "max": 1}]},
        [],
    ]:
        with pytest.raises(InvalidEncoding):
            Manifest.from_json(bad)


def test_direct_construction_is_validated() -> None:
    with pytest.raises(InvalidManifest):
        Manifest("v", "selection", "t", ("a", "b"), (Constraint((0, 1), 0, 1),), options=("a",))
    with pytest.raises(InvalidManifest):
        Manifest("v", "motion", "t", ("a",), (Constraint((0, 5), 0, 1),))
