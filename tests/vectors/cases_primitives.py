"""Vector cases for the primitives: group, hashing, rng, ElGamal and the three proofs."""

from __future__ import annotations

from tally.group import IDENTITY, P_FIELD, G, L, g_pow, random_scalar
from tally.rng import seeded_rng
from tests import edwards_ref as ref
from tests.vectors.operations import Json
from tests.vectors.vector_helpers import (
    bump_scalar,
    err,
    keypair,
    ok,
    scalar_hex,
    seed,
)

__all__ = [
    "decryption_proof_cases",
    "elgamal_cases",
    "group_cases",
    "hash_cases",
    "range_cases",
    "rng_cases",
    "schnorr_cases",
]


# --- group.json --------------------------------------------------------------------------


def group_cases() -> list[Json]:
    rng = seeded_rng(b"vectors/group")
    a, b = random_scalar(rng), random_scalar(rng)
    p, q = a * G, b * G
    torsion = [ref.encode(t).hex() for t in ref.torsion_points()]
    mixed = ref.encode(ref.add(ref.decode(p.to_bytes()) or ref.NEUTRAL, ref.order8_point()))
    cases = [
        ok("scalar zero", "decode_scalar", {"hex": scalar_hex(0)}),
        ok("scalar L-1", "decode_scalar", {"hex": scalar_hex(L - 1)}),
        err("scalar L", "decode_scalar", {"hex": scalar_hex(L)}, "InvalidEncoding"),
        err("scalar L+1", "decode_scalar", {"hex": scalar_hex(L + 1)}, "InvalidEncoding"),
        err("scalar 2^256-1", "decode_scalar", {"hex": "ff" * 32}, "InvalidEncoding"),
        err("scalar upper-case hex", "decode_scalar", {"hex": "AB" + "00" * 31}, "InvalidEncoding"),
        err("scalar 31 bytes", "decode_scalar", {"hex": "00" * 31}, "InvalidEncoding"),
        ok("point G", "decode_point", {"hex": G.hex()}),
        ok("point a*G", "decode_point", {"hex": p.hex()}),
        err("identity", "decode_point", {"hex": IDENTITY.hex()}, "InvalidEncoding"),
    ]
    for i, enc in enumerate(torsion):
        cases.append(
            err(
                f"small-order point {i}",
                "decode_point",
                {"hex": enc},
                "InvalidEncoding",
                description=f"{i}·T for a point T of order 8",
            )
        )
    cases += [
        err(
            "torsion component",
            "decode_point",
            {"hex": mixed.hex()},
            "InvalidEncoding",
            description="a*G + T8: on the curve, not in the prime-order subgroup",
        ),
        err(
            "off curve",
            "decode_point",
            {"hex": ref.find_off_curve_encoding().hex()},
            "InvalidEncoding",
        ),
        err("non-canonical y = p", "decode_point", {"hex": scalar_hex(P_FIELD)}, "InvalidEncoding"),
        err(
            "non-canonical y = p+1 (identity)",
            "decode_point",
            {"hex": scalar_hex(P_FIELD + 1)},
            "InvalidEncoding",
        ),
        err(
            "non-canonical y = 2^255-1",
            "decode_point",
            {"hex": "ff" * 31 + "7f"},
            "InvalidEncoding",
        ),
        err(
            "x = 0 with sign bit (negative zero)",
            "decode_point",
            {"hex": "01" + "00" * 30 + "80"},
            "InvalidEncoding",
        ),
        err("33 bytes", "decode_point", {"hex": G.hex() + "00"}, "InvalidEncoding"),
        ok("add", "point_add", {"p": p.hex(), "q": q.hex()}),
        ok(
            "add inverse gives identity",
            "point_add",
            {"p": p.hex(), "q": (-p).hex()},
            description="internal arithmetic may produce O (encoded 01 00…00)",
        ),
        ok("sub", "point_sub", {"p": p.hex(), "q": q.hex()}),
        ok("mul", "point_mul", {"scalar": b.hex(), "point": p.hex()}),
        ok("mul by zero", "point_mul", {"scalar": scalar_hex(0), "point": p.hex()}),
        ok("mul by L-1", "point_mul", {"scalar": scalar_hex(L - 1), "point": p.hex()}),
        ok("base mul 0", "base_mul", {"m": 0}),
        ok("base mul 1", "base_mul", {"m": 1}),
        ok("base mul 3000", "base_mul", {"m": 3000}),
    ]
    return cases


# --- hash.json, rng.json -----------------------------------------------------------------


def hash_cases() -> list[Json]:
    point = g_pow(7)
    return [
        ok("tag only", "hash_scalar", {"tag": "rendavote/v1/test", "parts": []}),
        ok(
            "every part type",
            "hash_scalar",
            {
                "tag": "rendavote/v1/test",
                "parts": [
                    {"type": "bytes", "hex": "00ff"},
                    {"type": "point", "hex": point.hex()},
                    {"type": "scalar", "hex": scalar_hex(L - 1)},
                    {"type": "int", "value": 10},
                    {"type": "str", "value": "满意"},
                    {"type": "bytes", "hex": ""},
                ],
            },
        ),
    ]


def rng_cases() -> list[Json]:
    return [
        ok(
            "stream",
            "rng_stream",
            {"rng_seed": seed("vectors/rng"), "reads": [10, 0, 100, 90], "then_scalars": 3},
        ),
        ok("empty seed", "rng_stream", {"rng_seed": "", "reads": [64], "then_scalars": 1}),
    ]


# --- elgamal.json, proofs ----------------------------------------------------------------


def elgamal_cases() -> list[Json]:
    _, key = keypair("vectors/elgamal/key")
    rng = seeded_rng(b"vectors/elgamal/nonces")
    cases = [
        ok(
            f"encrypt {m}",
            "elgamal_encrypt",
            {"public_key": key, "m": m, "r": random_scalar(rng).hex()},
        )
        for m in (0, 1, 5)
    ]
    cts = [case["expected"]["ciphertext"] for case in cases]
    cases.append(ok("homomorphic sum", "ciphertext_sum", {"ciphertexts": cts}))
    return cases


def schnorr_cases() -> list[Json]:
    secret, public = keypair("vectors/schnorr/secret")
    context = b"vectors/schnorr/context".hex()
    proved = ok(
        "prove",
        "schnorr_prove",
        {"secret": secret.hex(), "context": context, "rng_seed": seed("vectors/schnorr")},
    )
    proof = proved["expected"]["proof"]
    good = {"public": public, "context": context, "proof": proof}
    return [
        proved,
        ok("verify", "schnorr_verify", good),
        err(
            "tampered challenge",
            "schnorr_verify",
            {**good, "proof": {**proof, "c": bump_scalar(proof["c"])}},
            "InvalidProof",
        ),
        err(
            "tampered response",
            "schnorr_verify",
            {**good, "proof": {**proof, "v": bump_scalar(proof["v"])}},
            "InvalidProof",
        ),
        err("other context", "schnorr_verify", {**good, "context": context + "00"}, "InvalidProof"),
        err(
            "response >= L",
            "schnorr_verify",
            {**good, "proof": {**proof, "v": scalar_hex(L)}},
            "InvalidEncoding",
        ),
        err(
            "small-order public key",
            "schnorr_verify",
            {**good, "public": "00" * 32},
            "InvalidEncoding",
        ),
    ]


def range_cases() -> list[Json]:
    _, key = keypair("vectors/range/key")
    h_e = bytes(range(32)).hex()
    other = bytes(range(1, 33)).hex()
    context = (bytes(range(100, 132)) + bytes([0]) + (3).to_bytes(4, "big")).hex()
    other_context = (bytes(range(100, 132)) + bytes([0]) + (4).to_bytes(4, "big")).hex()
    rng = seeded_rng(b"vectors/range/nonces")
    cases: list[Json] = []
    verified: list[Json] = []
    for m, lo, hi in [(0, 0, 1), (1, 0, 1), (7, 0, 10), (2, 2, 5)]:
        inp = {
            "election_hash": h_e,
            "context": context,
            "public_key": key,
            "m": m,
            "r": random_scalar(rng).hex(),
            "lo": lo,
            "hi": hi,
            "rng_seed": seed(f"vectors/range/{m}/{lo}/{hi}"),
        }
        proved = ok(f"prove {m} in [{lo}, {hi}]", "range_prove", inp)
        statement = {
            "election_hash": h_e,
            "context": context,
            "public_key": key,
            "lo": lo,
            "hi": hi,
            **proved["expected"],
        }
        cases += [proved, ok(f"verify {m} in [{lo}, {hi}]", "range_verify", statement)]
        verified.append(statement)
    good = verified[2]
    proof, ct = good["proof"], good["ciphertext"]
    tampered_c = {
        **proof,
        "challenges": [bump_scalar(proof["challenges"][0]), *proof["challenges"][1:]],
    }
    tampered_v = {
        **proof,
        "responses": [*proof["responses"][:-1], bump_scalar(proof["responses"][-1])],
    }
    unreduced = {**proof, "responses": [scalar_hex(L + 5), *proof["responses"][1:]]}
    cases += [
        err("tampered challenge", "range_verify", {**good, "proof": tampered_c}, "InvalidProof"),
        err("tampered response", "range_verify", {**good, "proof": tampered_v}, "InvalidProof"),
        err(
            "another election hash",
            "range_verify",
            {**good, "election_hash": other},
            "InvalidProof",
        ),
        err(
            "another context (the same proof moved to another place in a ballot)",
            "range_verify",
            {**good, "context": other_context},
            "InvalidProof",
        ),
        err(
            "other bounds, same width", "range_verify", {**good, "lo": 1, "hi": 11}, "InvalidProof"
        ),
        err(
            "tampered beta",
            "range_verify",
            {**good, "ciphertext": {**ct, "beta": g_pow(3).hex()}},
            "InvalidProof",
        ),
        err("proof of wrong width", "range_verify", {**good, "hi": 9}, "InvalidEncoding"),
        err("response >= L", "range_verify", {**good, "proof": unreduced}, "InvalidEncoding"),
        err(
            "small-order alpha",
            "range_verify",
            {**good, "ciphertext": {**ct, "alpha": ref.encode(ref.order8_point()).hex()}},
            "InvalidEncoding",
        ),
        err(
            "non-canonical beta",
            "range_verify",
            {**good, "ciphertext": {**ct, "beta": scalar_hex(P_FIELD + 3)}},
            "InvalidEncoding",
        ),
    ]
    return cases


def decryption_proof_cases() -> list[Json]:
    s, _ = keypair("vectors/decryption/share")
    h_e = bytes(range(32)).hex()
    alpha = random_scalar(seeded_rng(b"vectors/decryption/alpha")) * G
    proved = ok(
        "prove",
        "decryption_prove",
        {
            "election_hash": h_e,
            "secret_share": s.hex(),
            "alpha": alpha.hex(),
            "rng_seed": seed("vectors/decryption"),
        },
    )
    good = {"election_hash": h_e, "alpha": alpha.hex(), **proved["expected"]}
    empty = ok(
        "prove for alpha = O",
        "decryption_prove",
        {
            "election_hash": h_e,
            "secret_share": s.hex(),
            "alpha": IDENTITY.hex(),
            "rng_seed": seed("vectors/decryption/O"),
        },
        description="an empty tally has alpha = O; then D = O",
    )
    return [
        proved,
        ok("verify", "decryption_verify", good),
        empty,
        ok(
            "verify for alpha = O",
            "decryption_verify",
            {"election_hash": h_e, "alpha": IDENTITY.hex(), **empty["expected"]},
        ),
        err(
            "tampered share",
            "decryption_verify",
            {**good, "share": (alpha + G).hex()},
            "InvalidProof",
        ),
        err(
            "another election hash",
            "decryption_verify",
            {**good, "election_hash": "00" * 32},
            "InvalidProof",
        ),
        err(
            "tampered response",
            "decryption_verify",
            {**good, "proof": {**good["proof"], "v": bump_scalar(good["proof"]["v"])}},
            "InvalidProof",
        ),
        err(
            "challenge >= L",
            "decryption_verify",
            {**good, "proof": {**good["proof"], "c": "ff" * 32}},
            "InvalidEncoding",
        ),
    ]
