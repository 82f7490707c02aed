"""Shared hypothesis strategies for the crypto property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from tally.group import L, Scalar
from tally.manifest import Manifest, motion_manifest, rating_manifest, selection_manifest

__all__ = [
    "choices_outside_limits",
    "choices_within_limits",
    "manifests",
    "scalars",
    "scrutineer_subsets",
]

scalars = st.integers(min_value=0, max_value=L - 1).map(Scalar)
"""Any scalar, edge values included by hypothesis' integer shrinking."""


@st.composite
def _selection_manifests(draw: st.DrawFn) -> Manifest:
    count = draw(st.integers(1, 5))
    hi = draw(st.integers(0, count))
    lo = draw(st.integers(0, hi))
    return selection_manifest("p", "t", [f"o{i}" for i in range(count)], lo, hi)


@st.composite
def _rating_manifests(draw: st.DrawFn) -> Manifest:
    items = draw(st.integers(1, 3))
    grades = draw(st.integers(1, 3))
    return rating_manifest(
        "r", "t", [f"i{i}" for i in range(items)], [f"g{g}" for g in range(grades)]
    )


manifests = st.one_of(
    _selection_manifests(), _rating_manifests(), st.just(motion_manifest("m", "t"))
)
"""Small manifests of every kind (small so that each example stays cheap)."""


@st.composite
def choices_within_limits(draw: st.DrawFn, manifest: Manifest) -> tuple[int, ...]:
    """0/1 choices keeping every constraint of ``manifest`` (constraints are disjoint for
    every kind the builders make)."""
    choices = [0] * manifest.selection_count
    for c in manifest.constraints:
        marks = draw(st.integers(c.min, c.max))
        for i in draw(st.permutations(c.selections))[:marks]:
            choices[i] = 1
    return tuple(choices)


@st.composite
def choices_outside_limits(draw: st.DrawFn, manifest: Manifest) -> tuple[int, ...]:
    """Choices breaking ``manifest``: a value other than 0/1, or a constraint's count
    outside [min, max]."""
    choices = list(draw(choices_within_limits(manifest)))
    breakable = [c for c in manifest.constraints if c.min > 0 or c.max < len(c.selections)]
    if breakable and draw(st.booleans()):
        c = draw(st.sampled_from(breakable))
        too_many = c.max < len(c.selections) and (c.min == 0 or draw(st.booleans()))
        for i in c.selections:
            choices[i] = 0
        marks = draw(st.integers(c.max + 1, len(c.selections))) if too_many else 0
        if not too_many:
            marks = draw(st.integers(0, c.min - 1))
        for i in draw(st.permutations(c.selections))[:marks]:
            choices[i] = 1
    else:
        i = draw(st.integers(0, len(choices) - 1))
        choices[i] = draw(st.integers(2, 5))
    return tuple(choices)


def scrutineer_subsets(n: int, k: int) -> st.SearchStrategy[list[int]]:
    """Between k and n distinct scrutineer indices in 1..n, in any order."""
    return st.permutations(list(range(1, n + 1))).flatmap(
        lambda order: st.integers(k, n).map(lambda size: order[:size])
    )
