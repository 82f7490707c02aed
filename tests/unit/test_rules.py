"""Each clause of the counting rules (contract: simulate.md) against hand-computed cases."""

from __future__ import annotations

import json

import pytest

from tally.rules import (
    MotionCounts,
    Runoff,
    Shortfall,
    Tie,
    count_motion,
    count_rating,
    count_selection,
    is_void,
    rank_options,
    runoff_candidates,
    threshold_votes,
)

# --------------------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("total", "expected"), [(230, 116), (229, 115), (1, 1), (2, 2), (3, 2), (0, 1)]
)
def test_majority_of_all_is_strict_majority_of_deputies(total: int, expected: int) -> None:
    # the ballots cast do not matter for this rule
    assert threshold_votes("majority_of_all", total, 7) == expected


@pytest.mark.parametrize(("cast", "expected"), [(121, 61), (120, 61), (0, 1), (1, 1)])
def test_majority_of_cast(cast: int, expected: int) -> None:
    assert threshold_votes("majority_of_cast", 230, cast) == expected


def test_none_needs_no_votes() -> None:
    assert threshold_votes("none", 230, 121) == 0


def test_unknown_rule_and_bad_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown threshold rule"):
        threshold_votes("two_thirds", 230, 121)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        threshold_votes("majority_of_all", -1, 0)
    with pytest.raises(ValueError):
        threshold_votes("majority_of_all", True, 0)


def test_void_only_when_more_cast_than_issued() -> None:
    assert not is_void(214, 214)
    assert not is_void(214, 0)
    assert is_void(214, 215)


# --------------------------------------------------------------------------- selection


def test_contract_example_projects_2019() -> None:
    counts = [121, 120, 121, 120, 121, 120, 120, 120, 120, 120, 0, 0, 0]
    outcome = count_selection(counts, select_max=10, threshold_votes=116)
    assert outcome.elected == (0, 2, 4, 1, 3, 5, 6, 7, 8, 9)
    assert outcome.tie is None
    assert outcome.shortfall is None
    assert outcome.to_json() == {
        "counts": counts,
        "threshold_votes": 116,
        "elected": [0, 2, 4, 1, 3, 5, 6, 7, 8, 9],
        "tie": None,
        "shortfall": None,
    }


def test_rank_orders_equal_votes_by_index() -> None:
    assert rank_options([5, 7, 5, 7, 0]) == (1, 3, 0, 2, 4)


def test_all_qualified_elected_when_they_fit() -> None:
    outcome = count_selection([10, 30, 20, 40], select_max=4, threshold_votes=5)
    assert outcome.elected == (3, 1, 2, 0)
    assert outcome.tie is None and outcome.shortfall is None


def test_qualified_equal_to_select_max_elects_all_even_with_equal_votes() -> None:
    # |Q| <= select_max: equal votes among the qualified never matter
    outcome = count_selection([9, 9, 9, 1], select_max=3, threshold_votes=5)
    assert outcome.elected == (0, 1, 2)
    assert outcome.tie is None and outcome.shortfall is None


def test_options_below_threshold_never_elected() -> None:
    outcome = count_selection([50, 3, 49], select_max=2, threshold_votes=50)
    assert outcome.elected == (0,)
    assert outcome.shortfall == Shortfall(seats=1, runoff_options=(2, 1))
    assert outcome.tie is None


def test_tie_that_fits_is_elected() -> None:
    # select_max 3; Q = 0:10, 1:8, 2:8, 3:5 → v = 8, two equals for two seats
    outcome = count_selection([10, 8, 8, 5], select_max=3, threshold_votes=5)
    assert outcome.elected == (0, 1, 2)
    assert outcome.tie is None and outcome.shortfall is None


def test_tie_beyond_the_last_seat_does_not_matter_when_v_is_higher() -> None:
    # the select_max-th option has 8; the equals at 5 are below v and simply not elected
    outcome = count_selection([10, 8, 5, 5], select_max=2, threshold_votes=5)
    assert outcome.elected == (0, 1)
    assert outcome.tie is None and outcome.shortfall is None


def test_tie_that_does_not_fit_elects_none_of_the_equals() -> None:
    # select_max 3; Q by votes: 3:10, 0:8, 2:8, 4:8, 1:6 → v = 8, three equals for two seats
    outcome = count_selection([8, 6, 8, 10, 8], select_max=3, threshold_votes=6)
    assert outcome.elected == (3,)
    assert outcome.tie == Tie(options=(0, 2, 4), seats=2)
    assert outcome.shortfall is None
    assert outcome.to_json()["tie"] == {"options": [0, 2, 4], "seats": 2}
    assert outcome.to_json()["shortfall"] is None


def test_tie_for_every_seat() -> None:
    outcome = count_selection([7, 7, 7], select_max=2, threshold_votes=4)
    assert outcome.elected == ()
    assert outcome.tie == Tie(options=(0, 1, 2), seats=2)
    assert outcome.shortfall is None


def test_tie_only_counts_qualified_equals() -> None:
    # threshold 0 under rule "none": everything qualifies, even 0 votes
    outcome = count_selection([3, 0, 0], select_max=2, threshold_votes=0)
    assert outcome.elected == (0,)
    assert outcome.tie == Tie(options=(1, 2), seats=1)


def test_shortfall_lists_all_other_options_most_votes_first() -> None:
    outcome = count_selection([100, 40, 120, 40, 90, 0], select_max=4, threshold_votes=95)
    assert outcome.elected == (2, 0)
    assert outcome.tie is None
    assert outcome.shortfall == Shortfall(seats=2, runoff_options=(4, 1, 3, 5))
    assert outcome.to_json()["shortfall"] == {"seats": 2, "runoff_options": [4, 1, 3, 5]}


def test_shortfall_when_nobody_qualifies() -> None:
    outcome = count_selection([1, 2, 3], select_max=1, threshold_votes=116)
    assert outcome.elected == ()
    assert outcome.shortfall == Shortfall(seats=1, runoff_options=(2, 1, 0))


def test_shortfall_when_fewer_options_than_seats() -> None:
    # taken literally: two seats stay empty and there is nobody left to run
    outcome = count_selection([5, 6], select_max=4, threshold_votes=1)
    assert outcome.elected == (1, 0)
    assert outcome.shortfall == Shortfall(seats=2, runoff_options=())


def test_no_options_at_all() -> None:
    outcome = count_selection([], select_max=1, threshold_votes=0)
    assert outcome.elected == ()
    assert outcome.shortfall == Shortfall(seats=1, runoff_options=())


def test_majority_of_cast_threshold_in_a_selection() -> None:
    cast = 121
    t = threshold_votes("majority_of_cast", 230, cast)
    assert t == 61
    outcome = count_selection([61, 60, 121], select_max=2, threshold_votes=t)
    assert outcome.elected == (2, 0)
    assert outcome.shortfall is None


def test_selection_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        count_selection([1, -1], select_max=1, threshold_votes=0)
    with pytest.raises(ValueError):
        count_selection([1, 2], select_max=0, threshold_votes=0)
    with pytest.raises(ValueError):
        count_selection([1, 2], select_max=1, threshold_votes=-1)


def test_to_json_is_plain_json() -> None:
    outcome = count_selection([8, 6, 8, 10, 8], select_max=3, threshold_votes=6)
    assert json.loads(json.dumps(outcome.to_json())) == outcome.to_json()


def test_runoff_candidates() -> None:
    tie = count_selection([8, 6, 8, 10, 8], select_max=3, threshold_votes=6)
    assert runoff_candidates(tie) == Runoff(options=(0, 2, 4), seats=2)
    options, seats = runoff_candidates(tie)
    assert (options, seats) == ((0, 2, 4), 2)

    short = count_selection([100, 40, 120, 40, 90], select_max=4, threshold_votes=95)
    assert runoff_candidates(short) == Runoff(options=(4, 1, 3), seats=2)

    done = count_selection([10, 9], select_max=2, threshold_votes=5)
    with pytest.raises(ValueError, match="no further vote"):
        runoff_candidates(done)


# --------------------------------------------------------------------------- rating


def test_contract_example_satisfaction_2019() -> None:
    outcome = count_rating(
        [[200, 0, 0], [200, 0, 0], [0, 200, 0], [0, 0, 0], [0, 0, 200]],
        ballots_cast=200,
        threshold_votes=116,
    )
    assert outcome.to_json() == {
        "counts": [[200, 0, 0, 0], [200, 0, 0, 0], [0, 200, 0, 0], [0, 0, 0, 200], [0, 0, 200, 0]],
        "satisfaction_rate": [1.0, 1.0, 1.0, 0.0, 0.0],
        "verdict": ["satisfied", "satisfied", "basically_satisfied", "unsatisfied", "unsatisfied"],
    }


@pytest.mark.parametrize(
    ("marks", "verdict"),
    [
        ((116, 0, 0), "satisfied"),  # exactly the threshold
        ((115, 0, 0), "unsatisfied"),  # one short, nothing else
        ((115, 1, 0), "basically_satisfied"),  # together exactly at the threshold
        ((100, 15, 50), "unsatisfied"),  # together one short
        ((0, 116, 0), "basically_satisfied"),
        ((0, 0, 200), "unsatisfied"),
    ],
)
def test_rating_verdict_boundaries(marks: tuple[int, int, int], verdict: str) -> None:
    outcome = count_rating([marks], ballots_cast=200, threshold_votes=116)
    assert outcome.verdict == (verdict,)


def test_rating_abstain_and_rate() -> None:
    outcome = count_rating([[50, 30, 20]], ballots_cast=160, threshold_votes=116)
    assert outcome.counts == ((50, 30, 20, 60),)
    assert outcome.satisfaction_rate == (0.5,)


def test_rating_rate_is_zero_without_ballots() -> None:
    outcome = count_rating([[0, 0, 0]], ballots_cast=0, threshold_votes=0)
    assert outcome.satisfaction_rate == (0.0,)
    # threshold 0 (rule "none"): 0 >= 0, satisfied
    assert outcome.verdict == ("satisfied",)


def test_rating_refuses_more_marks_than_ballots_and_bad_shapes() -> None:
    with pytest.raises(ValueError, match="more marks"):
        count_rating([[100, 100, 1]], ballots_cast=200, threshold_votes=116)
    with pytest.raises(ValueError, match="expected 3"):
        count_rating([[1, 2]], ballots_cast=200, threshold_votes=116)
    with pytest.raises(ValueError):
        count_rating([[1, -2, 0]], ballots_cast=200, threshold_votes=116)


# --------------------------------------------------------------------------- motion


def test_contract_example_motion() -> None:
    outcome = count_motion(150, 10, 5, threshold_votes=116)
    assert outcome.passed
    assert outcome.counts == MotionCounts(yes=150, no=10, abstain=5)
    assert outcome.to_json() == {
        "counts": {"yes": 150, "no": 10, "abstain": 5},
        "threshold_votes": 116,
        "passed": True,
    }


def test_motion_at_exactly_the_threshold_passes() -> None:
    assert count_motion(116, 0, 0, threshold_votes=116).passed
    assert not count_motion(115, 0, 99, threshold_votes=116).passed


def test_motion_needs_majority_of_all_not_of_those_voting() -> None:
    # 100 yes of 110 voting is a landslide among them, but not a majority of 230 deputies
    t = threshold_votes("majority_of_all", 230, 110)
    assert not count_motion(100, 5, 5, threshold_votes=t).passed
    t_cast = threshold_votes("majority_of_cast", 230, 110)
    assert count_motion(100, 5, 5, threshold_votes=t_cast).passed


def test_motion_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        count_motion(-1, 0, 0, threshold_votes=1)
