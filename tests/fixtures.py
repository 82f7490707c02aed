"""Deterministic building blocks for tests: a finished ceremony with every scrutineer's
secret share, and election contexts of each manifest kind under it."""

from __future__ import annotations

from dataclasses import dataclass

from tally.election import ElectionContext, make_context
from tally.group import Scalar
from tally.key_ceremony import (
    CeremonyParams,
    CeremonyResult,
    combine_received_shares,
    finish_ceremony,
    own_share,
    shares_for_others,
    start_ceremony,
    verify_share,
)
from tally.manifest import Manifest, motion_manifest, rating_manifest, selection_manifest
from tally.rng import seeded_rng

OPTIONS = tuple(f"民生实事项目{i + 1}" for i in range(13))
ITEMS = ("农村安全饮水", "城区停车场", "乡镇卫生院")
SCALE = ("满意", "基本满意", "不满意")


@dataclass(frozen=True)
class Setup:
    """A ceremony, its scrutineers' secret shares, and one context per manifest kind."""

    ceremony: CeremonyResult
    secret_shares: dict[int, Scalar]
    selection: ElectionContext
    rating: ElectionContext
    motion: ElectionContext


def run_ceremony(seed: bytes, n: int = 5, k: int = 3) -> tuple[CeremonyResult, dict[int, Scalar]]:
    """A full honest DKG among n scrutineers with threshold k."""
    params = CeremonyParams(f"ceremony-{seed.hex()}", n, k)
    rng = seeded_rng(seed)
    started = {i: start_ceremony(params, i, rng) for i in range(1, n + 1)}
    messages = {i: msg for i, (_, msg) in started.items()}
    inbox: dict[int, list] = {i: [own_share(params, poly)] for i, (poly, _) in started.items()}
    for poly, _ in started.values():
        for share in shares_for_others(params, poly):
            verify_share(params, messages[share.sender], share)
            inbox[share.recipient].append(share)
    secrets = {i: combine_received_shares(params, i, inbox[i]) for i in inbox}
    return finish_ceremony(params, messages.values()), secrets


def contexts(ceremony: CeremonyResult) -> tuple[Manifest, Manifest, Manifest]:
    """One manifest of each kind."""
    return (
        selection_manifest("projects-2019", "2019年度民生实事项目票决", OPTIONS, 0, 10),
        rating_manifest("satisfaction-2019", "满意度测评", ITEMS, SCALE),
        motion_manifest("motion-1", "关于…的决议"),
    )


def make_setup(seed: bytes) -> Setup:
    """The ceremony plus contexts for the three manifest kinds."""
    ceremony, secrets = run_ceremony(seed)
    sel, rat, mot = contexts(ceremony)
    return Setup(
        ceremony,
        secrets,
        make_context(sel, ceremony),
        make_context(rat, ceremony),
        make_context(mot, ceremony),
    )
