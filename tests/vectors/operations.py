"""The operations that test vectors exercise: each maps a JSON ``input`` to a JSON output
or raises a ``TallyError``. The generator records their outputs; the runner replays them.
README.md describes each operation for implementers in other languages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tally.ballot import (
    BallotOpening,
    EncryptedBallot,
    MarkedBallot,
    encrypt_ballot,
    open_ballot,
    verify_ballot,
)
from tally.decryption import (
    DecryptionShare,
    aggregate,
    combine_decryption,
    make_decryption_share,
    verify_decryption_share,
)
from tally.election import ElectionContext, compute_election_hash
from tally.elgamal import Ciphertext, encrypt
from tally.group import G, Point, Scalar, g_pow, parse_hex, random_scalar
from tally.hashing import HashPart, encode_parts, hash_to_scalar
from tally.key_ceremony import (
    CeremonyParams,
    CeremonyResult,
    CommitmentMessage,
    ShareMessage,
    combine_received_shares,
    finish_ceremony,
    own_share,
    shares_for_others,
    start_ceremony,
    verify_ceremony,
    verify_share,
)
from tally.manifest import Manifest
from tally.proofs import (
    DecryptionProof,
    RangeProof,
    SchnorrProof,
    prove_decryption,
    prove_range,
    prove_schnorr,
    verify_decryption,
    verify_range,
    verify_schnorr,
)
from tally.rng import seeded_rng

__all__ = ["OPERATIONS", "Json"]

Json = dict[str, Any]


def _h(text: str) -> bytes:
    return bytes.fromhex(text)


def _rng(obj: Json) -> Callable[[int], bytes]:
    return seeded_rng(_h(obj["rng_seed"]))


def _context(obj: Json) -> ElectionContext:
    """An election context from {"manifest", "ceremony_hash", "public_key"}."""
    manifest = Manifest.from_json(obj["manifest"])
    key = Point.from_hex(obj["public_key"])
    h_e = compute_election_hash(manifest.manifest_hash(), parse_hex(obj["ceremony_hash"], 32), key)
    return ElectionContext(manifest, key, h_e)


def _context_of(obj: Json, ceremony: CeremonyResult) -> ElectionContext:
    return _context(
        {
            "manifest": obj["manifest"],
            "ceremony_hash": ceremony.ceremony_hash.hex(),
            "public_key": ceremony.public_key.hex(),
        }
    )


# --- group, hashing, rng -----------------------------------------------------------------


def decode_scalar(obj: Json) -> Json:
    return {"scalar": Scalar.from_hex(obj["hex"]).hex()}


def decode_point(obj: Json) -> Json:
    return {"point": Point.from_hex(obj["hex"]).hex()}


def point_add(obj: Json) -> Json:
    return {"result": (Point.from_hex(obj["p"]) + Point.from_hex(obj["q"])).hex()}


def point_sub(obj: Json) -> Json:
    return {"result": (Point.from_hex(obj["p"]) - Point.from_hex(obj["q"])).hex()}


def point_mul(obj: Json) -> Json:
    return {"result": (Scalar.from_hex(obj["scalar"]) * Point.from_hex(obj["point"])).hex()}


def base_mul(obj: Json) -> Json:
    return {"result": g_pow(obj["m"]).hex()}


def _part(item: Json) -> HashPart:
    kind = item["type"]
    if kind == "bytes":
        return _h(item["hex"])
    if kind == "point":
        return Point.from_hex(item["hex"])
    if kind == "scalar":
        return Scalar.from_hex(item["hex"])
    if kind == "int":
        value: int = item["value"]
        return value
    if kind == "str":
        text: str = item["value"]
        return text
    raise ValueError(kind)


def hash_scalar(obj: Json) -> Json:
    parts = [_part(item) for item in obj["parts"]]
    return {
        "encoding": encode_parts(obj["tag"], *parts).hex(),
        "scalar": hash_to_scalar(obj["tag"], *parts).hex(),
    }


def rng_stream(obj: Json) -> Json:
    rng = _rng(obj)
    outputs = [rng(n).hex() for n in obj["reads"]]
    scalars = [random_scalar(rng).hex() for _ in range(obj["then_scalars"])]
    return {"outputs": outputs, "scalars": scalars}


# --- ElGamal and proofs ------------------------------------------------------------------


def elgamal_encrypt(obj: Json) -> Json:
    ct = encrypt(obj["m"], Point.from_hex(obj["public_key"]), Scalar.from_hex(obj["r"]))
    return {"ciphertext": ct.to_json()}


def ciphertext_sum(obj: Json) -> Json:
    cts = [Ciphertext.from_json(c) for c in obj["ciphertexts"]]
    total = cts[0]
    for ct in cts[1:]:
        total = total + ct
    return {"sum": total.to_json()}


def schnorr_prove(obj: Json) -> Json:
    secret = Scalar.from_hex(obj["secret"])
    proof = prove_schnorr(secret, _h(obj["context"]), _rng(obj))
    return {"public": (secret * G).hex(), "proof": proof.to_json()}


def schnorr_verify(obj: Json) -> Json:
    proof = SchnorrProof.from_json(obj["proof"])
    verify_schnorr(Point.from_hex(obj["public"]), _h(obj["context"]), proof)
    return {}


def range_prove(obj: Json) -> Json:
    key = Point.from_hex(obj["public_key"])
    r = Scalar.from_hex(obj["r"])
    ct = encrypt(obj["m"], key, r)
    proof = prove_range(
        parse_hex(obj["election_hash"], 32), _h(obj["context"]), key, ct, obj["m"], r, obj["lo"],
        obj["hi"], _rng(obj)
    )
    return {"ciphertext": ct.to_json(), "proof": proof.to_json()}


def range_verify(obj: Json) -> Json:
    lo, hi = obj["lo"], obj["hi"]
    proof = RangeProof.from_json(obj["proof"], hi - lo + 1)
    verify_range(
        parse_hex(obj["election_hash"], 32),
        _h(obj["context"]),
        Point.from_hex(obj["public_key"]),
        Ciphertext.from_json(obj["ciphertext"]),
        lo,
        hi,
        proof,
    )
    return {}


def decryption_prove(obj: Json) -> Json:
    s = Scalar.from_hex(obj["secret_share"])
    alpha = Point.from_hex_or_identity(obj["alpha"])
    share, proof = prove_decryption(parse_hex(obj["election_hash"], 32), s, alpha, _rng(obj))
    return {"verification_key": (s * G).hex(), "share": share.hex(), "proof": proof.to_json()}


def decryption_verify(obj: Json) -> Json:
    verify_decryption(
        parse_hex(obj["election_hash"], 32),
        Point.from_hex(obj["verification_key"]),
        Point.from_hex_or_identity(obj["alpha"]),
        Point.from_hex_or_identity(obj["share"]),
        DecryptionProof.from_json(obj["proof"]),
    )
    return {}


# --- manifests, election hash, ballots ---------------------------------------------------


def manifest_hash(obj: Json) -> Json:
    import rfc8785

    manifest = Manifest.from_json(obj["manifest"])
    return {
        "canonical_json": rfc8785.dumps(manifest.to_json()).decode("utf-8"),
        "manifest_hash": manifest.manifest_hash().hex(),
    }


def election_hash(obj: Json) -> Json:
    return {"election_hash": _context(obj).election_hash.hex()}


def ballot_encrypt(obj: Json) -> Json:
    ctx = _context(obj["context"])
    ballot, opening = encrypt_ballot(ctx, MarkedBallot(tuple(obj["choices"])), _rng(obj))
    return {
        "ballot": ballot.to_json(),
        "opening": opening.to_json(),
        "ballot_hash": ballot.ballot_hash().hex(),
    }


def ballot_verify(obj: Json) -> Json:
    ballot = EncryptedBallot.from_json(obj["ballot"])
    verify_ballot(_context(obj["context"]), ballot)
    return {"ballot_hash": ballot.ballot_hash().hex()}


def ballot_open(obj: Json) -> Json:
    ctx = _context(obj["context"])
    ballot = EncryptedBallot.from_json(obj["ballot"])
    marked = open_ballot(ctx, ballot, BallotOpening.from_json(obj["opening"]))
    return {"choices": list(marked.choices)}


# --- key ceremony ------------------------------------------------------------------------


def ceremony_start(obj: Json) -> Json:
    params = CeremonyParams.from_json(obj["params"])
    poly, message = start_ceremony(params, obj["index"], _rng(obj))
    shares = [own_share(params, poly), *shares_for_others(params, poly)]
    shares.sort(key=lambda s: s.recipient)
    return {"commitment_message": message.to_json(), "shares": [s.to_json() for s in shares]}


def share_verify(obj: Json) -> Json:
    params = CeremonyParams.from_json(obj["params"])
    verify_share(
        params,
        CommitmentMessage.from_json(obj["commitment_message"]),
        ShareMessage.from_json(obj["share"]),
    )
    return {}


def shares_combine(obj: Json) -> Json:
    params = CeremonyParams.from_json(obj["params"])
    shares = [ShareMessage.from_json(s) for s in obj["shares"]]
    secret = combine_received_shares(params, obj["index"], shares)
    return {"secret_share": secret.hex(), "verification_key": (secret * G).hex()}


def ceremony_finish(obj: Json) -> Json:
    params = CeremonyParams.from_json(obj["params"])
    messages = [CommitmentMessage.from_json(m) for m in obj["commitment_messages"]]
    return {"result": finish_ceremony(params, messages).to_json()}


def ceremony_verify(obj: Json) -> Json:
    verify_ceremony(CeremonyResult.from_json(obj["result"]))
    return {}


# --- tally -------------------------------------------------------------------------------


def tally_aggregate(obj: Json) -> Json:
    ballots = [EncryptedBallot.from_json(b) for b in obj["ballots"]]
    return {"aggregate": [c.to_json() for c in aggregate(ballots, obj["selections"])]}


def _aggregate(obj: Json) -> tuple[Ciphertext, ...]:
    return tuple(Ciphertext.from_json(c, allow_identity=True) for c in obj["aggregate"])


def decryption_share_make(obj: Json) -> Json:
    ceremony = CeremonyResult.from_json(obj["ceremony"])
    share = make_decryption_share(
        _context_of(obj, ceremony),
        ceremony,
        obj["index"],
        Scalar.from_hex(obj["secret_share"]),
        _aggregate(obj),
        _rng(obj),
    )
    return {"share": share.to_json()}


def decryption_share_verify(obj: Json) -> Json:
    ceremony = CeremonyResult.from_json(obj["ceremony"])
    verify_decryption_share(
        _context_of(obj, ceremony),
        ceremony,
        _aggregate(obj),
        DecryptionShare.from_json(obj["share"]),
    )
    return {}


def tally_combine(obj: Json) -> Json:
    ceremony = CeremonyResult.from_json(obj["ceremony"])
    shares = [DecryptionShare.from_json(s) for s in obj["shares"]]
    counts = combine_decryption(
        _context_of(obj, ceremony), ceremony, _aggregate(obj), shares, obj["max_count"]
    )
    return {"counts": list(counts)}


OPERATIONS: dict[str, Callable[[Json], Json]] = {
    f.__name__: f
    for f in [
        decode_scalar,
        decode_point,
        point_add,
        point_sub,
        point_mul,
        base_mul,
        hash_scalar,
        rng_stream,
        elgamal_encrypt,
        ciphertext_sum,
        schnorr_prove,
        schnorr_verify,
        range_prove,
        range_verify,
        decryption_prove,
        decryption_verify,
        manifest_hash,
        election_hash,
        ballot_encrypt,
        ballot_verify,
        ballot_open,
        ceremony_start,
        share_verify,
        shares_combine,
        ceremony_finish,
        ceremony_verify,
        tally_aggregate,
        decryption_share_make,
        decryption_share_verify,
        tally_combine,
    ]
}
