"""Properties of the counting rules over bounded random inputs (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tally.rules import (
    count_motion,
    count_rating,
    count_selection,
    runoff_candidates,
    threshold_votes,
)

_SETTINGS = settings(max_examples=50, deadline=None)

counts_st = st.lists(st.integers(min_value=0, max_value=30), min_size=0, max_size=14)
select_max_st = st.integers(min_value=1, max_value=15)
threshold_st = st.integers(min_value=0, max_value=32)


def _key(counts: list[int], i: int) -> tuple[int, int]:
    return (-counts[i], i)


@_SETTINGS
@given(counts_st, select_max_st, threshold_st)
def test_selection_invariants(counts: list[int], select_max: int, threshold: int) -> None:
    out = count_selection(counts, select_max, threshold)
    qualified = {i for i, c in enumerate(counts) if c >= threshold}

    assert set(out.elected) <= qualified
    assert len(out.elected) == len(set(out.elected)) <= select_max
    assert list(out.elected) == sorted(out.elected, key=lambda i: _key(counts, i))
    assert out.tie is None or out.shortfall is None
    if out.tie is None and out.shortfall is None:
        assert len(out.elected) == select_max
    # nobody outside is better than somebody elected
    for i in out.elected:
        for j in range(len(counts)):
            if j not in out.elected:
                assert counts[j] <= counts[i]


@_SETTINGS
@given(counts_st, select_max_st, threshold_st)
def test_selection_matches_seat_count_definition(
    counts: list[int], select_max: int, threshold: int
) -> None:
    # Independent statement of the rule: a qualified option is elected iff the qualified
    # options with at least its votes (itself included) fit in the seats.
    out = count_selection(counts, select_max, threshold)
    q = [i for i, c in enumerate(counts) if c >= threshold]
    at_least = {i: sum(1 for j in q if counts[j] >= counts[i]) for i in q}
    above = {i: sum(1 for j in q if counts[j] > counts[i]) for i in q}
    assert set(out.elected) == {i for i in q if at_least[i] <= select_max}
    tied = {i for i in q if at_least[i] > select_max and above[i] < select_max}
    if tied:
        assert out.tie is not None
        assert set(out.tie.options) == tied
        assert list(out.tie.options) == sorted(tied)
        assert out.tie.seats == select_max - len(out.elected) >= 1
        assert len(out.tie.options) > out.tie.seats
        assert len({counts[i] for i in tied}) == 1
    else:
        assert out.tie is None


@_SETTINGS
@given(counts_st, select_max_st, threshold_st)
def test_shortfall_shape(counts: list[int], select_max: int, threshold: int) -> None:
    out = count_selection(counts, select_max, threshold)
    if out.shortfall is None:
        return
    others = [i for i in range(len(counts)) if i not in out.elected]
    assert out.shortfall.seats == select_max - len(out.elected) >= 1
    assert list(out.shortfall.runoff_options) == sorted(others, key=lambda i: _key(counts, i))
    assert runoff_candidates(out) == (out.shortfall.runoff_options, out.shortfall.seats)


@_SETTINGS
@given(counts_st, select_max_st, threshold_st, st.randoms(use_true_random=False))
def test_elected_set_does_not_depend_on_ballot_order(
    counts: list[int], select_max: int, threshold: int, rnd: random.Random
) -> None:
    # Listing the options in another order elects the same options and ties the same ones:
    # the index only orders equals in the output, it never decides a seat.
    perm = list(range(len(counts)))
    rnd.shuffle(perm)
    permuted = [counts[p] for p in perm]  # new index k holds old option perm[k]
    a = count_selection(counts, select_max, threshold)
    b = count_selection(permuted, select_max, threshold)
    assert {perm[k] for k in b.elected} == set(a.elected)
    assert (a.tie is None) == (b.tie is None)
    if a.tie is not None and b.tie is not None:
        assert {perm[k] for k in b.tie.options} == set(a.tie.options)
        assert a.tie.seats == b.tie.seats


@_SETTINGS
@given(
    st.sampled_from(["majority_of_all", "majority_of_cast"]),
    st.integers(min_value=0, max_value=5000),
    st.integers(min_value=0, max_value=5000),
)
def test_majority_is_the_smallest_strict_majority(rule: str, total: int, cast: int) -> None:
    t = threshold_votes(rule, total, cast)  # type: ignore[arg-type]
    base = total if rule == "majority_of_all" else cast
    assert 2 * t > base >= 2 * (t - 1)


@st.composite
def rating_case(draw: st.DrawFn) -> tuple[list[tuple[int, int, int]], int, int]:
    cast = draw(st.integers(min_value=0, max_value=60))
    items = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        s = draw(st.integers(min_value=0, max_value=cast))
        b = draw(st.integers(min_value=0, max_value=cast - s))
        u = draw(st.integers(min_value=0, max_value=cast - s - b))
        items.append((s, b, u))
    return items, cast, draw(st.integers(min_value=0, max_value=40))


@_SETTINGS
@given(rating_case())
def test_rating_invariants(case: tuple[list[tuple[int, int, int]], int, int]) -> None:
    items, cast, threshold = case
    out = count_rating(items, cast, threshold)
    assert len(out.counts) == len(out.satisfaction_rate) == len(out.verdict) == len(items)
    for (s, b, u, a), rate, verdict in zip(
        out.counts, out.satisfaction_rate, out.verdict, strict=True
    ):
        assert a >= 0 and s + b + u + a == cast
        assert 0.0 <= rate <= 1.0
        if verdict == "satisfied":
            assert s >= threshold
        elif verdict == "basically_satisfied":
            assert s < threshold <= s + b
        else:
            assert s + b < threshold


@_SETTINGS
@given(
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=500),
)
def test_motion_passes_iff_yes_reaches_threshold(yes: int, no: int, ab: int, t: int) -> None:
    out = count_motion(yes, no, ab, t)
    assert out.passed == (yes >= t)
