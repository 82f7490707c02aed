"""The counting rules: who is elected, how an item is rated, whether a motion passes.

These are the rules of the fixed contract (docs/rules.md), written once and used by the
service, the simulator and the offline verifier alike. Everything here is a pure function
of public numbers: vote counts, the number of deputies, the number of ballots cast.

Legal basis (see docs/rules.md): Election Law art. 44 (a vote with more ballots than were
issued is void), art. 45 and Local Organic Law art. 25 (a majority of *all* deputies unless
the vote's own rules say otherwise), ties on the last seat go to a new vote among the tied
(再次投票), seats left over go to a further vote (另行选举).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, get_args

__all__ = [
    "RATING_LEVELS",
    "MotionCounts",
    "MotionOutcome",
    "RatingOutcome",
    "Runoff",
    "SelectionOutcome",
    "Shortfall",
    "ThresholdRule",
    "Tie",
    "Verdict",
    "count_motion",
    "count_rating",
    "count_selection",
    "is_void",
    "rank_options",
    "runoff_candidates",
    "threshold_votes",
]

ThresholdRule = Literal["majority_of_all", "majority_of_cast", "none"]
Verdict = Literal["satisfied", "basically_satisfied", "unsatisfied"]

# The rating scale is fixed by the contract: 满意 / 基本满意 / 不满意, in that order.
RATING_LEVELS = 3


def _check_count(name: str, value: int) -> None:
    # bool is an int subclass; a True slipping in as "1 vote" would be a silent bug.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def threshold_votes(rule: ThresholdRule, deputies_total: int, ballots_cast: int) -> int:
    """Votes needed to pass under ``rule``: a strict majority of all deputies, a strict
    majority of the ballots cast, or nothing (0) for ``none``."""
    _check_count("deputies_total", deputies_total)
    _check_count("ballots_cast", ballots_cast)
    if rule == "majority_of_all":
        return deputies_total // 2 + 1
    if rule == "majority_of_cast":
        return ballots_cast // 2 + 1
    if rule == "none":
        return 0
    raise ValueError(f"unknown threshold rule {rule!r}; expected one of {get_args(ThresholdRule)}")


def is_void(cards_issued: int, ballots_cast: int) -> bool:
    """Election Law art. 44: more ballots cast than issued voids the whole vote."""
    _check_count("cards_issued", cards_issued)
    _check_count("ballots_cast", ballots_cast)
    return ballots_cast > cards_issued


# --------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Tie:
    """Options with equal votes competing for the last seats that do not all fit:
    none of them is elected; they go to a new vote (再次投票) for ``seats`` seats."""

    options: tuple[int, ...]
    seats: int

    def to_json(self) -> dict[str, Any]:
        return {"options": list(self.options), "seats": self.seats}


@dataclass(frozen=True)
class Shortfall:
    """Fewer options than seats reached the threshold: ``seats`` remain for a further
    vote (另行选举) among ``runoff_options``, most first-round votes first."""

    seats: int
    runoff_options: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"seats": self.seats, "runoff_options": list(self.runoff_options)}


@dataclass(frozen=True)
class SelectionOutcome:
    counts: tuple[int, ...]
    threshold_votes: int
    elected: tuple[int, ...]
    tie: Tie | None
    shortfall: Shortfall | None

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": list(self.counts),
            "threshold_votes": self.threshold_votes,
            "elected": list(self.elected),
            "tie": None if self.tie is None else self.tie.to_json(),
            "shortfall": None if self.shortfall is None else self.shortfall.to_json(),
        }


def rank_options(counts: Sequence[int]) -> tuple[int, ...]:
    """Option indices ordered by votes received, most first; equal votes by index."""
    return tuple(sorted(range(len(counts)), key=lambda i: (-counts[i], i)))


def count_selection(
    counts: Sequence[int], select_max: int, threshold_votes: int
) -> SelectionOutcome:
    """Apply the selection rule of the contract to per-option vote counts."""
    for i, c in enumerate(counts):
        _check_count(f"counts[{i}]", c)
    _check_count("threshold_votes", threshold_votes)
    _check_count("select_max", select_max)
    if select_max == 0:
        raise ValueError("select_max must be at least 1")
    counts_t = tuple(counts)

    ranked = rank_options(counts_t)
    qualified = [i for i in ranked if counts_t[i] >= threshold_votes]

    tie: Tie | None = None
    if len(qualified) <= select_max:
        elected = qualified
    else:
        last_seat_votes = counts_t[qualified[select_max - 1]]
        above = [i for i in qualified if counts_t[i] > last_seat_votes]
        level = [i for i in qualified if counts_t[i] == last_seat_votes]
        seats_left = select_max - len(above)
        if len(level) <= seats_left:
            elected = above + level
        else:
            # Electing some of the equals would pick by index, not by votes: none of
            # them is elected and the seats go to a new vote among them.
            elected = above
            tie = Tie(options=tuple(sorted(level)), seats=seats_left)

    shortfall: Shortfall | None = None
    if tie is None and len(elected) < select_max:
        chosen = set(elected)
        shortfall = Shortfall(
            seats=select_max - len(elected),
            runoff_options=tuple(i for i in ranked if i not in chosen),
        )

    return SelectionOutcome(
        counts=counts_t,
        threshold_votes=threshold_votes,
        elected=tuple(elected),
        tie=tie,
        shortfall=shortfall,
    )


class Runoff(NamedTuple):
    """Candidates and seats for the further vote that a selection outcome calls for."""

    options: tuple[int, ...]
    seats: int


def runoff_candidates(outcome: SelectionOutcome) -> Runoff:
    """What the next vote is about: the tied options and their seats (再次投票), or the
    remaining options and seats after a shortfall (另行选举).

    Raises ValueError when the outcome needs no further vote.
    """
    if outcome.tie is not None:
        return Runoff(options=outcome.tie.options, seats=outcome.tie.seats)
    if outcome.shortfall is not None:
        return Runoff(options=outcome.shortfall.runoff_options, seats=outcome.shortfall.seats)
    raise ValueError("every seat is filled; no further vote is needed")


# --------------------------------------------------------------------------- rating


@dataclass(frozen=True)
class RatingOutcome:
    """Per item: ``counts`` is (satisfied, basically, unsatisfied, abstain)."""

    counts: tuple[tuple[int, int, int, int], ...]
    satisfaction_rate: tuple[float, ...]
    verdict: tuple[Verdict, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": [list(c) for c in self.counts],
            "satisfaction_rate": list(self.satisfaction_rate),
            "verdict": list(self.verdict),
        }


def _verdict(satisfied: int, basically: int, threshold_votes: int) -> Verdict:
    if satisfied >= threshold_votes:
        return "satisfied"
    if satisfied + basically >= threshold_votes:
        return "basically_satisfied"
    return "unsatisfied"


def count_rating(
    per_item_scale_counts: Sequence[Sequence[int]], ballots_cast: int, threshold_votes: int
) -> RatingOutcome:
    """Rate each item from its (satisfied, basically, unsatisfied) counts; a ballot that
    leaves an item unrated abstains on it."""
    _check_count("ballots_cast", ballots_cast)
    _check_count("threshold_votes", threshold_votes)
    counts: list[tuple[int, int, int, int]] = []
    rates: list[float] = []
    verdicts: list[Verdict] = []
    for n, item in enumerate(per_item_scale_counts):
        if len(item) != RATING_LEVELS:
            raise ValueError(f"item {n}: expected {RATING_LEVELS} scale counts, got {len(item)}")
        for level, c in enumerate(item):
            _check_count(f"item {n} level {level}", c)
        satisfied, basically, unsatisfied = item
        abstain = ballots_cast - (satisfied + basically + unsatisfied)
        if abstain < 0:
            raise ValueError(f"item {n}: more marks ({ballots_cast - abstain}) than ballots cast")
        counts.append((satisfied, basically, unsatisfied, abstain))
        rates.append((satisfied + basically) / ballots_cast if ballots_cast else 0.0)
        verdicts.append(_verdict(satisfied, basically, threshold_votes))
    return RatingOutcome(
        counts=tuple(counts), satisfaction_rate=tuple(rates), verdict=tuple(verdicts)
    )


# --------------------------------------------------------------------------- motion


@dataclass(frozen=True)
class MotionCounts:
    yes: int
    no: int
    abstain: int

    def to_json(self) -> dict[str, Any]:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain}


@dataclass(frozen=True)
class MotionOutcome:
    counts: MotionCounts
    threshold_votes: int
    passed: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts.to_json(),
            "threshold_votes": self.threshold_votes,
            "passed": self.passed,
        }


def count_motion(yes: int, no: int, abstain: int, threshold_votes: int) -> MotionOutcome:
    """A motion passes when its yes votes reach the threshold."""
    for name, value in (("yes", yes), ("no", no), ("abstain", abstain)):
        _check_count(name, value)
    _check_count("threshold_votes", threshold_votes)
    return MotionOutcome(
        counts=MotionCounts(yes=yes, no=no, abstain=abstain),
        threshold_votes=threshold_votes,
        passed=yes >= threshold_votes,
    )
