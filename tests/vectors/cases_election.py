"""Vector cases for manifests, the key ceremony, ballots and the tally."""

from __future__ import annotations

import copy
from typing import Any

from tally.group import IDENTITY, P_FIELD, L, g_pow
from tally.manifest import motion_manifest, rating_manifest, selection_manifest
from tally.rng import seeded_rng
from tests import edwards_ref as ref
from tests.forge import forge_ballot
from tests.vectors.operations import OPERATIONS, Json, _context
from tests.vectors.vector_helpers import bump_scalar, err, flip, ok, scalar_hex, seed

__all__ = [
    "PARAMS",
    "ballot_cases",
    "ceremony_cases",
    "decryption_cases",
    "manifest_cases",
    "manifests",
]

OPTIONS = [f"民生实事项目{i + 1}" for i in range(13)]
SCALE = ["满意", "基本满意", "不满意"]


# --- manifest.json -----------------------------------------------------------------------


def manifests() -> dict[str, Json]:
    return {
        "selection": selection_manifest(
            "projects-2019", "2019年度民生实事项目票决", OPTIONS, 0, 10
        ).to_json(),
        "rating": rating_manifest(
            "satisfaction-2019", "2019年度民生实事项目满意度测评", OPTIONS[:2], SCALE
        ).to_json(),
        "motion": motion_manifest("motion-1", "关于2019年度民生实事项目的决议").to_json(),
    }


def manifest_cases(ceremony: Json) -> list[Json]:
    mans = manifests()
    cases = [ok(f"{kind} manifest", "manifest_hash", {"manifest": m}) for kind, m in mans.items()]
    cases += [
        ok(
            f"{kind} election hash",
            "election_hash",
            {
                "manifest": m,
                "ceremony_hash": ceremony["ceremony_hash"],
                "public_key": ceremony["public_key"],
            },
        )
        for kind, m in mans.items()
    ]
    sel = mans["selection"]
    cases += [
        err(
            "labels differ from options",
            "manifest_hash",
            {"manifest": {**sel, "labels": sel["labels"][::-1]}},
            "InvalidManifest",
        ),
        err(
            "max above option count",
            "manifest_hash",
            {
                "manifest": {
                    **sel,
                    "constraints": [{"selections": list(range(13)), "min": 0, "max": 14}],
                }
            },
            "InvalidManifest",
        ),
        err("unknown field", "manifest_hash", {"manifest": {**sel, "extra": 1}}, "InvalidEncoding"),
    ]
    return cases


# --- ceremony.json -----------------------------------------------------------------------

PARAMS = {"ceremony_id": "zixing-17-4", "n": 5, "k": 3}


def ceremony_cases() -> tuple[list[Json], Json, dict[int, str]]:
    started = [
        ok(
            f"scrutineer {i} starts",
            "ceremony_start",
            {"params": PARAMS, "index": i, "rng_seed": seed(f"vectors/ceremony/{i}")},
        )
        for i in range(1, 6)
    ]
    messages = [c["expected"]["commitment_message"] for c in started]
    shares = {i: [c["expected"]["shares"][i - 1] for c in started] for i in range(1, 6)}
    cases = list(started)
    cases.append(
        ok(
            "share 2 -> 4 verifies",
            "share_verify",
            {"params": PARAMS, "commitment_message": messages[1], "share": shares[4][1]},
        )
    )
    bad_share = {**shares[4][1], "share": bump_scalar(shares[4][1]["share"])}
    cases.append(
        err(
            "bad share from 2 is attributed",
            "share_verify",
            {"params": PARAMS, "commitment_message": messages[1], "share": bad_share},
            "InvalidShare",
            scrutineer=2,
        )
    )
    secrets: dict[int, str] = {}
    for i in range(1, 6):
        combined = ok(
            f"scrutineer {i} combines",
            "shares_combine",
            {"params": PARAMS, "index": i, "shares": shares[i]},
        )
        secrets[i] = combined["expected"]["secret_share"]
        cases.append(combined)
    finished = ok("finish", "ceremony_finish", {"params": PARAMS, "commitment_messages": messages})
    result = finished["expected"]["result"]
    for i in range(1, 6):
        computed = next(c for c in cases if c["name"] == f"scrutineer {i} combines")
        assert computed["expected"]["verification_key"] == result["verification_keys"][str(i)]
    bad_proof = copy.deepcopy(messages)
    bad_proof[2]["proofs"][1]["v"] = bump_scalar(bad_proof[2]["proofs"][1]["v"])
    small = copy.deepcopy(messages)
    small[0]["commitments"][0] = ref.encode(ref.torsion_points()[2]).hex()
    cases += [
        finished,
        ok("verify result", "ceremony_verify", {"result": result}),
        err(
            "bad proof of knowledge is attributed",
            "ceremony_finish",
            {"params": PARAMS, "commitment_messages": bad_proof},
            "InvalidShare",
            scrutineer=3,
        ),
        err(
            "missing scrutineer",
            "ceremony_finish",
            {"params": PARAMS, "commitment_messages": messages[:4]},
            "InvalidShare",
            scrutineer=5,
        ),
        err(
            "small-order commitment",
            "ceremony_finish",
            {"params": PARAMS, "commitment_messages": small},
            "InvalidEncoding",
        ),
        err(
            "tampered public key",
            "ceremony_verify",
            {"result": {**result, "public_key": g_pow(1).hex()}},
            "InvalidCeremony",
        ),
        err(
            "tampered verification key",
            "ceremony_verify",
            {
                "result": {
                    **result,
                    "verification_keys": {**result["verification_keys"], "3": g_pow(2).hex()},
                }
            },
            "InvalidCeremony",
        ),
        err(
            "tampered ceremony hash",
            "ceremony_verify",
            {"result": {**result, "ceremony_hash": flip(result["ceremony_hash"])}},
            "InvalidCeremony",
        ),
    ]
    return cases, result, secrets


# --- ballot.json -------------------------------------------------------------------------


def ballot_cases(ceremony: Json) -> list[Json]:
    mans = manifests()

    def context(kind: str) -> Json:
        return {
            "manifest": mans[kind],
            "ceremony_hash": ceremony["ceremony_hash"],
            "public_key": ceremony["public_key"],
        }

    sel_ctx = context("selection")
    choices = [1] * 10 + [0] * 3
    enc = ok(
        "encrypt 13选10 ballot",
        "ballot_encrypt",
        {"context": sel_ctx, "choices": choices, "rng_seed": seed("vectors/ballot/selection")},
    )
    ballot, opening = enc["expected"]["ballot"], enc["expected"]["opening"]
    cases = [
        enc,
        ok("verify 13选10 ballot", "ballot_verify", {"context": sel_ctx, "ballot": ballot}),
        ok(
            "audit 13选10 ballot",
            "ballot_open",
            {"context": sel_ctx, "ballot": ballot, "opening": opening},
        ),
    ]
    for kind, marks in [("rating", [0, 0, 1, 0, 0, 0]), ("motion", [1, 0, 0])]:
        e = ok(
            f"encrypt {kind} ballot",
            "ballot_encrypt",
            {
                "context": context(kind),
                "choices": marks,
                "rng_seed": seed(f"vectors/ballot/{kind}"),
            },
        )
        cases += [
            e,
            ok(
                f"verify {kind} ballot",
                "ballot_verify",
                {"context": context(kind), "ballot": e["expected"]["ballot"]},
            ),
        ]

    def mutate(path: list[Any], value: Any) -> Json:
        obj = copy.deepcopy(ballot)
        target = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value(target[path[-1]]) if callable(value) else value
        return {"context": sel_ctx, "ballot": obj}

    other_ctx = {**sel_ctx, "manifest": {**mans["selection"], "vote_id": "projects-2020"}}
    short = copy.deepcopy(ballot)
    short["selections"].pop()
    forged_11 = forge_ballot(
        _context(sel_ctx), [1] * 11 + [0] * 2, seeded_rng(b"vectors/ballot/forged-11")
    ).to_json()
    forged_2 = forge_ballot(
        _context(sel_ctx), [0, 0, 0, 0, 2] + [0] * 8, seeded_rng(b"vectors/ballot/forged-2")
    ).to_json()
    wrong_nonce = {
        "nonces": [
            *opening["nonces"][:6],
            bump_scalar(opening["nonces"][6]),
            *opening["nonces"][7:],
        ]
    }
    cases += [
        err(
            "honest encryptor refuses 11 of 13",
            "ballot_encrypt",
            {"context": sel_ctx, "choices": [1] * 11 + [0] * 2, "rng_seed": seed("x")},
            "InvalidChoices",
        ),
        err(
            "another election hash",
            "ballot_verify",
            {"context": other_ctx, "ballot": ballot},
            "InvalidBallot",
            selection=None,
            constraint=None,
        ),
        err(
            "ballot relabelled with another election hash",
            "ballot_verify",
            {
                "context": other_ctx,
                "ballot": {
                    **ballot,
                    "election_hash": OPERATIONS["election_hash"](other_ctx)["election_hash"],
                },
            },
            "InvalidBallot",
            selection=0,
            constraint=None,
            description="proofs hash the election hash: rebinding breaks selection 0's proof",
        ),
        err(
            "selections of a valid ballot permuted (a replay in disguise)",
            "ballot_verify",
            {"context": sel_ctx, "ballot": {**ballot, "selections": ballot["selections"][::-1]}},
            "InvalidBallot",
            selection=0,
            constraint=None,
            description="every proof is bound to the ballot digest h_C and its own index (§8.1)",
        ),
        err(
            "tampered challenge in selection 3",
            "ballot_verify",
            mutate(["selections", 3, "proof", "challenges", 1], bump_scalar),
            "InvalidBallot",
            selection=3,
            constraint=None,
        ),
        err(
            "tampered beta in selection 5",
            "ballot_verify",
            mutate(["selections", 5, "ciphertext", "beta"], lambda b: g_pow(1).hex()),
            "InvalidBallot",
            selection=0,
            constraint=None,
            description="a changed ciphertext changes h_C, so the first proof already fails",
        ),
        err(
            "tampered constraint proof",
            "ballot_verify",
            mutate(["constraint_proofs", 0, "responses", 4], bump_scalar),
            "InvalidBallot",
            selection=None,
            constraint=0,
        ),
        err(
            "forged ballot with 11 of 13 marked",
            "ballot_verify",
            {"context": sel_ctx, "ballot": forged_11},
            "InvalidBallot",
            selection=None,
            constraint=0,
            description="every selection proof is honest; the constraint proof cannot be",
        ),
        err(
            "forged selection encrypting 2",
            "ballot_verify",
            {"context": sel_ctx, "ballot": forged_2},
            "InvalidBallot",
            selection=4,
            constraint=None,
        ),
        err(
            "missing selection",
            "ballot_verify",
            {"context": sel_ctx, "ballot": short},
            "InvalidBallot",
            selection=None,
            constraint=None,
        ),
        err(
            "small-order alpha",
            "ballot_verify",
            mutate(
                ["selections", 0, "ciphertext", "alpha"], ref.encode(ref.torsion_points()[1]).hex()
            ),
            "InvalidEncoding",
        ),
        err(
            "identity beta",
            "ballot_verify",
            mutate(["selections", 0, "ciphertext", "beta"], IDENTITY.hex()),
            "InvalidEncoding",
        ),
        err(
            "non-canonical alpha",
            "ballot_verify",
            mutate(["selections", 1, "ciphertext", "alpha"], scalar_hex(P_FIELD + 2)),
            "InvalidEncoding",
        ),
        err(
            "response >= L",
            "ballot_verify",
            mutate(["selections", 2, "proof", "responses", 0], scalar_hex(L)),
            "InvalidEncoding",
        ),
        err(
            "three branches in a selection proof",
            "ballot_verify",
            mutate(["selections", 2, "proof", "challenges"], lambda c: [*c, c[0]]),
            "InvalidEncoding",
        ),
        err(
            "audit with a wrong nonce",
            "ballot_open",
            {"context": sel_ctx, "ballot": ballot, "opening": wrong_nonce},
            "InvalidBallot",
            selection=6,
            constraint=None,
        ),
    ]
    return cases


# --- decryption.json ---------------------------------------------------------------------


def decryption_cases(ceremony: Json, secrets: dict[int, str]) -> list[Json]:
    manifest = manifests()["motion"]
    ctx = {
        "manifest": manifest,
        "ceremony_hash": ceremony["ceremony_hash"],
        "public_key": ceremony["public_key"],
    }
    votes = [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 1]]
    ballots = [
        OPERATIONS["ballot_encrypt"](
            {"context": ctx, "choices": v, "rng_seed": seed(f"vectors/tally/{i}")}
        )["ballot"]
        for i, v in enumerate(votes)
    ]
    agg_case = ok(
        "aggregate 5 motion ballots", "tally_aggregate", {"ballots": ballots, "selections": 3}
    )
    agg = agg_case["expected"]["aggregate"]
    base = {"manifest": manifest, "ceremony": ceremony, "aggregate": agg}
    cases = [agg_case]
    shares: dict[int, Json] = {}
    for i in range(1, 6):
        made = ok(
            f"scrutineer {i} share",
            "decryption_share_make",
            {
                **base,
                "index": i,
                "secret_share": secrets[i],
                "rng_seed": seed(f"vectors/tally/share/{i}"),
            },
        )
        shares[i] = made["expected"]["share"]
        cases.append(made)
    cases.append(ok("verify share of 4", "decryption_share_verify", {**base, "share": shares[4]}))
    for subset in [(1, 2, 3), (2, 4, 5), (5, 3, 1), (1, 2, 3, 4, 5)]:
        cases.append(
            ok(
                f"combine {subset}",
                "tally_combine",
                {**base, "shares": [shares[i] for i in subset], "max_count": 5},
            )
        )
    tampered = copy.deepcopy(shares[4])
    tampered["shares"][1] = g_pow(9).hex()
    other_manifest = {**manifest, "vote_id": "motion-2"}
    empty_agg = [{"alpha": IDENTITY.hex(), "beta": IDENTITY.hex()}] * 3
    empty_base = {**base, "aggregate": empty_agg}
    empty_shares = [
        OPERATIONS["decryption_share_make"](
            {
                **empty_base,
                "index": i,
                "secret_share": secrets[i],
                "rng_seed": seed(f"vectors/tally/empty/{i}"),
            }
        )["share"]
        for i in (1, 2, 3)
    ]
    cases += [
        err(
            "tampered share is attributed",
            "decryption_share_verify",
            {**base, "share": tampered},
            "InvalidShare",
            scrutineer=4,
        ),
        err(
            "tampered share stops the combination",
            "tally_combine",
            {**base, "shares": [shares[1], tampered, shares[5]], "max_count": 5},
            "InvalidShare",
            scrutineer=4,
        ),
        err(
            "share under another election",
            "decryption_share_verify",
            {**base, "manifest": other_manifest, "share": shares[2]},
            "InvalidShare",
            scrutineer=2,
        ),
        err(
            "fewer than k scrutineers",
            "tally_combine",
            {**base, "shares": [shares[1], shares[2]], "max_count": 5},
            "DecryptionError",
        ),
        err(
            "count above max_count",
            "tally_combine",
            {**base, "shares": [shares[1], shares[2], shares[3]], "max_count": 1},
            "DecryptionError",
        ),
        ok(
            "empty box decrypts to zeros",
            "tally_combine",
            {**empty_base, "shares": empty_shares, "max_count": 0},
            description="aggregate (O, O); every D is O (hex 01 00…00), accepted only here",
        ),
    ]
    return cases
