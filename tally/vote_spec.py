"""A vote as the session defined it (``vote.json``), its manifest, and its result document.

The service and the verifier both derive the crypto manifest and the result from this one
description, so a record whose parameters were edited cannot keep a matching result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from tally import rules
from tally.errors import TallyError
from tally.manifest import Manifest, motion_manifest, rating_manifest, selection_manifest

__all__ = [
    "KINDS",
    "MOTION_CHOICES",
    "THRESHOLD_RULES",
    "CardCounts",
    "SpecError",
    "VoteSpec",
    "compute_result",
]

KINDS = ("selection", "rating", "motion")
THRESHOLD_RULES = ("majority_of_all", "majority_of_cast", "none")
MOTION_CHOICES = ("yes", "no", "abstain")
Kind = Literal["selection", "rating", "motion"]


class SpecError(TallyError):
    """A vote description is malformed; ``field`` names the offending field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class CardCounts:
    """Public ballot-card counts of one vote."""

    printed: int
    issued: int
    spent: int
    void: int

    def to_json(self) -> dict[str, int]:
        return {"printed": self.printed, "issued": self.issued, "spent": self.spent,
                "void": self.void}

    @classmethod
    def from_json(cls, data: Any) -> CardCounts:
        if not isinstance(data, dict) or set(data) != {"printed", "issued", "spent", "void"}:
            raise SpecError("cards", "expected printed, issued, spent, void")
        values = {k: _count(data, k, "cards.") for k in ("printed", "issued", "spent", "void")}
        return cls(**values)


@dataclass(frozen=True)
class VoteSpec:
    """Everything that decides how a vote is encrypted and counted."""

    session_title: str
    deputies_total: int
    deputies_present: int
    vote_id: str
    kind: Kind
    title: str
    threshold: rules.ThresholdRule
    options: tuple[str, ...] | None = None
    select_min: int | None = None
    select_max: int | None = None
    items: tuple[str, ...] | None = None
    scale: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise SpecError("vote.kind", f"unknown kind {self.kind!r}")
        if self.threshold not in THRESHOLD_RULES:
            raise SpecError("vote.threshold", f"unknown rule {self.threshold!r}")
        if not self.vote_id or not self.title:
            raise SpecError("vote.id", "id and title are required")
        if self.deputies_total < 1 or not 0 <= self.deputies_present <= self.deputies_total:
            raise SpecError("session.deputies_present", "must be within 0..deputies_total")
        if self.kind == "selection":
            if not self.options or self.select_min is None or self.select_max is None:
                raise SpecError("vote.options", "a selection needs options, select_min, select_max")
            if not 0 <= self.select_min <= self.select_max <= len(self.options):
                raise SpecError("vote.select_max", "need 0 <= select_min <= select_max <= options")
        elif self.kind == "rating" and (not self.items or not self.scale or len(self.scale) != 3):
            raise SpecError("vote.scale", "a rating needs items and a scale of three grades")
        # ``is not None``: an unused field is null, not 0 or [] (one spelling per vote)
        if self.kind != "selection" and any(
            v is not None for v in (self.options, self.select_min, self.select_max)
        ):
            raise SpecError("vote.options", "only a selection has options and limits")
        if self.kind != "rating" and (self.items is not None or self.scale is not None):
            raise SpecError("vote.items", "only a rating has items and a scale")

    def manifest(self) -> Manifest:
        """The crypto manifest of this vote (crypto spec §Manifest)."""
        if self.kind == "selection":
            assert self.options is not None and self.select_min is not None
            assert self.select_max is not None
            return selection_manifest(
                self.vote_id, self.title, list(self.options), self.select_min, self.select_max
            )
        if self.kind == "rating":
            assert self.items is not None and self.scale is not None
            return rating_manifest(self.vote_id, self.title, list(self.items), list(self.scale))
        return motion_manifest(self.vote_id, self.title)

    def to_json(self) -> dict[str, Any]:
        return {
            "session": {
                "title": self.session_title,
                "deputies_total": self.deputies_total,
                "deputies_present": self.deputies_present,
            },
            "vote": {
                "id": self.vote_id,
                "kind": self.kind,
                "title": self.title,
                "options": list(self.options) if self.options is not None else None,
                "select_min": self.select_min,
                "select_max": self.select_max,
                "items": list(self.items) if self.items is not None else None,
                "scale": list(self.scale) if self.scale is not None else None,
                "threshold": self.threshold,
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> VoteSpec:
        if not isinstance(data, dict):
            raise SpecError("vote.json", "not an object")
        session, vote = data.get("session"), data.get("vote")
        if not isinstance(session, dict) or not isinstance(vote, dict):
            raise SpecError("vote.json", "needs session and vote objects")
        if set(session) != {"title", "deputies_total", "deputies_present"}:
            raise SpecError("session", "unexpected or missing fields")
        expected = {"id", "kind", "title", "options", "select_min", "select_max", "items",
                    "scale", "threshold"}
        if set(vote) != expected:
            raise SpecError("vote", "unexpected or missing fields")
        return cls(
            session_title=_str(session, "title", "session."),
            deputies_total=_count(session, "deputies_total", "session."),
            deputies_present=_count(session, "deputies_present", "session."),
            vote_id=_str(vote, "id", "vote."),
            kind=cast(Kind, _str(vote, "kind", "vote.")),
            title=_str(vote, "title", "vote."),
            threshold=cast(rules.ThresholdRule, _str(vote, "threshold", "vote.")),
            options=_strings(vote, "options"),
            select_min=_opt_count(vote, "select_min"),
            select_max=_opt_count(vote, "select_max"),
            items=_strings(vote, "items"),
            scale=_strings(vote, "scale"),
        )


def compute_result(
    spec: VoteSpec, cards_issued: int, ballots_cast: int, counts: tuple[int, ...]
) -> dict[str, Any]:
    """The result document (``result.json``) from the decrypted per-selection counts."""
    threshold = rules.threshold_votes(spec.threshold, spec.deputies_total, ballots_cast)
    doc: dict[str, Any] = {
        "id": spec.vote_id,
        "kind": spec.kind,
        "status": "void" if rules.is_void(cards_issued, ballots_cast) else "valid",
        "cards_issued": cards_issued,
        "ballots_cast": ballots_cast,
    }
    if spec.kind == "selection":
        assert spec.select_max is not None
        outcome = rules.count_selection(counts, spec.select_max, threshold)
        doc.update(outcome.to_json())
    elif spec.kind == "rating":
        assert spec.items is not None and spec.scale is not None
        width = len(spec.scale)
        per_item = [tuple(counts[i * width : (i + 1) * width]) for i in range(len(spec.items))]
        doc.update(rules.count_rating(per_item, ballots_cast, threshold).to_json())
    else:
        yes, no, abstain = counts
        doc.update(rules.count_motion(yes, no, abstain, threshold).to_json())
    return doc


def _count(data: dict[str, Any], key: str, prefix: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SpecError(prefix + key, "must be a non-negative integer")
    return value


def _opt_count(data: dict[str, Any], key: str) -> int | None:
    return None if data.get(key) is None else _count(data, key, "vote.")


def _str(data: dict[str, Any], key: str, prefix: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise SpecError(prefix + key, "must be a string")
    return value


def _strings(data: dict[str, Any], key: str) -> tuple[str, ...] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError("vote." + key, "must be a list of strings")
    return tuple(value)
