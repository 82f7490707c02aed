"""The manifest of one vote: what is encrypted and which limits a ballot must keep
(spec §6, docs/spec/crypto.md).

A manifest lists one label per *encrypted selection* (each ciphertext encrypts 0 or 1) and
the *constraints*: groups of selections whose sum must lie in [min, max]. Three kinds:

- ``selection``: one selection per option, one constraint over all ("13选10": [0, 10]).
- ``rating``: selections item-major, index ``i * len(scale) + s``; one constraint per item,
  [0, 1] (no mark = abstain).
- ``motion``: selections yes / no / abstain, one constraint [0, 1] (no mark = not voted).

``manifest_hash()`` = SHA-256 of the RFC 8785 canonical JSON of ``to_json()``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import rfc8785

from tally.errors import InvalidManifest
from tally.json_fields import JsonObject, get_int, get_list, get_object, get_str

__all__ = [
    "KINDS",
    "MAX_SELECTIONS",
    "MOTION_LABELS",
    "Constraint",
    "Manifest",
    "motion_manifest",
    "rating_label",
    "rating_manifest",
    "selection_manifest",
]

KINDS = ("selection", "rating", "motion")
MOTION_LABELS = ("yes", "no", "abstain")
MAX_SELECTIONS = 1024
"""Most encrypted selections one ballot may have (bounds the work per ballot)."""

_BASE_KEYS = ("vote_id", "kind", "title", "labels", "constraints")
_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "selection": ("options",),
    "rating": ("items", "scale"),
    "motion": (),
}


def rating_label(item: str, grade: str) -> str:
    """The label of the selection "``item`` rated ``grade``" in a rating manifest."""
    return f"{item} / {grade}"


@dataclass(frozen=True, slots=True)
class Constraint:
    """Selections (distinct, ascending indices) whose sum must lie in [min, max]."""

    selections: tuple[int, ...]
    min: int
    max: int

    def __post_init__(self) -> None:
        s = self.selections
        if not s or any(type(i) is not int for i in s) or list(s) != sorted(set(s)) or s[0] < 0:
            raise InvalidManifest("constraint selections must be distinct ascending indices")
        if type(self.min) is not int or type(self.max) is not int:
            raise InvalidManifest("constraint bounds must be integers")
        if not 0 <= self.min <= self.max <= len(s):
            raise InvalidManifest("constraint needs 0 <= min <= max <= len(selections)")

    def to_json(self) -> JsonObject:
        """``{"selections": [int…], "min": int, "max": int}``."""
        return {"selections": list(self.selections), "min": self.min, "max": self.max}

    @classmethod
    def from_json(cls, obj: object) -> Constraint:
        """Parse and validate."""
        fields = get_object(obj, ("selections", "min", "max"), "constraint")
        selections = tuple(
            get_int(i, "constraint.selections", 0, MAX_SELECTIONS - 1)
            for i in get_list(fields["selections"], "constraint.selections")
        )
        return cls(
            selections,
            get_int(fields["min"], "constraint.min", 0, MAX_SELECTIONS),
            get_int(fields["max"], "constraint.max", 0, MAX_SELECTIONS),
        )


@dataclass(frozen=True, slots=True)
class Manifest:
    """One vote's ballot layout. Build with the ``*_manifest`` functions."""

    vote_id: str
    kind: str
    title: str
    labels: tuple[str, ...]
    """One label per encrypted selection."""
    constraints: tuple[Constraint, ...]
    options: tuple[str, ...] | None = None
    """``selection`` kind: the options, in ballot order (= labels)."""
    items: tuple[str, ...] | None = None
    """``rating`` kind: the rated items."""
    scale: tuple[str, ...] | None = None
    """``rating`` kind: the grades, best first (e.g. 满意, 基本满意, 不满意)."""

    def __post_init__(self) -> None:
        if not self.vote_id or not self.title:
            raise InvalidManifest("vote_id and title must be non-empty")
        if self.kind not in KINDS:
            raise InvalidManifest(f"unknown kind {self.kind!r}")
        if not 1 <= len(self.labels) <= MAX_SELECTIONS:
            raise InvalidManifest(f"a ballot has 1 to {MAX_SELECTIONS} selections")
        for constraint in self.constraints:
            if constraint.selections[-1] >= len(self.labels):
                raise InvalidManifest("constraint refers to a selection that does not exist")
        if self != _rebuild(self):
            raise InvalidManifest(f"fields are inconsistent with kind {self.kind!r}")

    @property
    def selection_count(self) -> int:
        """Number of encrypted selections per ballot."""
        return len(self.labels)

    def to_json(self) -> JsonObject:
        """The JSON form; kind-specific keys appear only for their kind."""
        obj: JsonObject = {
            "vote_id": self.vote_id,
            "kind": self.kind,
            "title": self.title,
            "labels": list(self.labels),
            "constraints": [c.to_json() for c in self.constraints],
        }
        for key in _KIND_KEYS[self.kind]:
            value = getattr(self, key)
            obj[key] = list(value)
        return obj

    @classmethod
    def from_json(cls, obj: object) -> Manifest:
        """Parse and validate (raises InvalidManifest / InvalidEncoding)."""
        if not isinstance(obj, dict):
            raise InvalidManifest("manifest: expected a JSON object")
        kind = obj.get("kind")
        if kind not in _KIND_KEYS:
            raise InvalidManifest(f"unknown kind {kind!r}")
        fields = get_object(obj, _BASE_KEYS + _KIND_KEYS[kind], "manifest")
        extra = {key: _strings(fields[key], f"manifest.{key}") for key in _KIND_KEYS[kind]}
        return cls(
            vote_id=get_str(fields["vote_id"], "manifest.vote_id"),
            kind=kind,
            title=get_str(fields["title"], "manifest.title"),
            labels=_strings(fields["labels"], "manifest.labels"),
            constraints=tuple(
                Constraint.from_json(c) for c in get_list(fields["constraints"], "constraints")
            ),
            **extra,
        )

    def manifest_hash(self) -> bytes:
        """SHA-256 of the RFC 8785 canonical JSON of ``to_json()`` (spec symbol h_M)."""
        return hashlib.sha256(rfc8785.dumps(self.to_json())).digest()


def _strings(value: object, what: str) -> tuple[str, ...]:
    return tuple(get_str(item, what) for item in get_list(value, what))


def _rebuild(m: Manifest) -> Manifest:
    """The manifest the builder of ``m.kind`` makes from m's own parameters."""
    if m.kind == "selection":
        if m.options is None or m.items is not None or m.scale is not None:
            raise InvalidManifest("a selection manifest has options only")
        if len(m.constraints) != 1:
            raise InvalidManifest("a selection manifest has exactly one constraint")
        c = m.constraints[0]
        return _selection(m.vote_id, m.title, m.options, c.min, c.max)
    if m.kind == "rating":
        if m.items is None or m.scale is None or m.options is not None:
            raise InvalidManifest("a rating manifest has items and scale only")
        return _rating(m.vote_id, m.title, m.items, m.scale)
    if m.options is not None or m.items is not None or m.scale is not None:
        raise InvalidManifest("a motion manifest has no options, items or scale")
    return _motion(m.vote_id, m.title)


def _raw(
    vote_id: str,
    kind: str,
    title: str,
    labels: tuple[str, ...],
    constraints: tuple[Constraint, ...],
    **extra: tuple[str, ...],
) -> Manifest:
    # Built without __post_init__ so that validation can compare against it.
    m = object.__new__(Manifest)
    values = {
        "vote_id": vote_id,
        "kind": kind,
        "title": title,
        "labels": labels,
        "constraints": constraints,
        "options": None,
        "items": None,
        "scale": None,
        **extra,
    }
    for key, value in values.items():
        object.__setattr__(m, key, value)
    return m


def _nonempty_distinct(values: Sequence[str], what: str) -> tuple[str, ...]:
    values = tuple(values)
    if not values or any(not isinstance(v, str) or not v for v in values):
        raise InvalidManifest(f"{what} must be non-empty strings")
    if len(set(values)) != len(values):
        raise InvalidManifest(f"{what} must be distinct")
    return values


def _selection(
    vote_id: str, title: str, options: Sequence[str], select_min: int, select_max: int
) -> Manifest:
    opts = _nonempty_distinct(options, "options")
    constraint = Constraint(tuple(range(len(opts))), select_min, select_max)
    return _raw(vote_id, "selection", title, opts, (constraint,), options=opts)


def _rating(vote_id: str, title: str, items: Sequence[str], scale: Sequence[str]) -> Manifest:
    its = _nonempty_distinct(items, "items")
    grades = _nonempty_distinct(scale, "scale")
    width = len(grades)
    labels = tuple(rating_label(item, grade) for item in its for grade in grades)
    constraints = tuple(
        Constraint(tuple(range(i * width, (i + 1) * width)), 0, 1) for i in range(len(its))
    )
    return _raw(vote_id, "rating", title, labels, constraints, items=its, scale=grades)


def _motion(vote_id: str, title: str) -> Manifest:
    return _raw(vote_id, "motion", title, MOTION_LABELS, (Constraint((0, 1, 2), 0, 1),))


def _validated(m: Manifest) -> Manifest:
    Manifest.__post_init__(m)
    return m


def selection_manifest(
    vote_id: str, title: str, options: Sequence[str], select_min: int, select_max: int
) -> Manifest:
    """Choose between ``select_min`` and ``select_max`` of ``options`` (e.g. 13选10)."""
    return _validated(_selection(vote_id, title, options, select_min, select_max))


def rating_manifest(
    vote_id: str, title: str, items: Sequence[str], scale: Sequence[str]
) -> Manifest:
    """Rate each of ``items`` with at most one grade of ``scale`` (no mark = abstain)."""
    return _validated(_rating(vote_id, title, items, scale))


def motion_manifest(vote_id: str, title: str) -> Manifest:
    """Yes / no / abstain on one motion; at most one mark (none = not voted)."""
    return _validated(_motion(vote_id, title))
