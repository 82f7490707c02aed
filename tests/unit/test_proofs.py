"""tally.proofs: Schnorr, range (disjunctive Chaum–Pedersen) and decryption proofs."""

from __future__ import annotations

import pytest

from tally.elgamal import Ciphertext, encrypt
from tally.errors import InvalidEncoding, InvalidProof
from tally.group import IDENTITY, G, L, Scalar, g_pow, random_scalar
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

H_E = bytes(range(32))
OTHER_H_E = bytes(32)
CTX = b"ballot-digest-and-place"


def _bump(s: Scalar) -> Scalar:
    return Scalar((s.value + 1) % L)


# --- Schnorr -----------------------------------------------------------------------------


def test_schnorr_round_trip() -> None:
    rng = seeded_rng(b"schnorr")
    x = random_scalar(rng)
    proof = prove_schnorr(x, b"ctx", rng)
    verify_schnorr(x * G, b"ctx", proof)
    assert SchnorrProof.from_json(proof.to_json()) == proof


def test_schnorr_rejects_tampering() -> None:
    rng = seeded_rng(b"schnorr")
    x = random_scalar(rng)
    proof = prove_schnorr(x, b"ctx", rng)
    with pytest.raises(InvalidProof):
        verify_schnorr(x * G, b"other", proof)
    with pytest.raises(InvalidProof):
        verify_schnorr(G, b"ctx", proof)
    with pytest.raises(InvalidProof):
        verify_schnorr(x * G, b"ctx", SchnorrProof(proof.c, _bump(proof.v)))
    with pytest.raises(InvalidProof):
        verify_schnorr(x * G, b"ctx", SchnorrProof(_bump(proof.c), proof.v))


def test_schnorr_json_rejects_unreduced() -> None:
    with pytest.raises(InvalidEncoding):
        SchnorrProof.from_json({"c": L.to_bytes(32, "little").hex(), "v": "00" * 32})


# --- range proofs ------------------------------------------------------------------------


def _setup(m: int) -> tuple[Scalar, Scalar, Ciphertext]:
    rng = seeded_rng(b"range")
    x, r = random_scalar(rng), random_scalar(rng)
    return x, r, encrypt(m, x * G, r)


@pytest.mark.parametrize(
    ("m", "lo", "hi"), [(0, 0, 1), (1, 0, 1), (3, 0, 10), (5, 2, 5), (4, 4, 4)]
)
def test_range_proof_verifies(m: int, lo: int, hi: int) -> None:
    x, r, ct = _setup(m)
    proof = prove_range(H_E, CTX, x * G, ct, m, r, lo, hi, seeded_rng(b"p"))
    verify_range(H_E, CTX, x * G, ct, lo, hi, proof)
    assert RangeProof.from_json(proof.to_json(), hi - lo + 1) == proof


def test_range_proof_rejects_other_statement() -> None:
    x, r, ct = _setup(1)
    k = x * G
    proof = prove_range(H_E, CTX, k, ct, 1, r, 0, 1, seeded_rng(b"p"))
    with pytest.raises(InvalidProof):
        verify_range(OTHER_H_E, CTX, k, ct, 0, 1, proof)
    with pytest.raises(InvalidProof):
        verify_range(H_E, CTX, k + G, ct, 0, 1, proof)
    with pytest.raises(InvalidProof):
        verify_range(H_E, CTX, k, Ciphertext(ct.alpha, ct.beta + G), 0, 1, proof)
    with pytest.raises(InvalidProof):
        verify_range(H_E, CTX, k, ct, 1, 2, proof)
    with pytest.raises(InvalidProof):
        verify_range(H_E, CTX, k, ct, 0, 2, proof)


def test_range_proof_rejects_tampered_scalars() -> None:
    x, r, ct = _setup(0)
    k = x * G
    proof = prove_range(H_E, CTX, k, ct, 0, r, 0, 1, seeded_rng(b"p"))
    for i in range(2):
        cs = list(proof.challenges)
        cs[i] = _bump(cs[i])
        with pytest.raises(InvalidProof):
            verify_range(H_E, CTX, k, ct, 0, 1, RangeProof(tuple(cs), proof.responses))
        vs = list(proof.responses)
        vs[i] = _bump(vs[i])
        with pytest.raises(InvalidProof):
            verify_range(H_E, CTX, k, ct, 0, 1, RangeProof(proof.challenges, tuple(vs)))


def test_honest_prover_refuses_out_of_range() -> None:
    x, r, ct = _setup(2)
    with pytest.raises(ValueError):
        prove_range(H_E, CTX, x * G, ct, 2, r, 0, 1, seeded_rng(b"p"))
    with pytest.raises(ValueError):
        prove_range(H_E, CTX, x * G, ct, 2, r, 3, 1, seeded_rng(b"p"))


def test_range_proof_json_length() -> None:
    x, r, ct = _setup(1)
    proof = prove_range(H_E, CTX, x * G, ct, 1, r, 0, 1, seeded_rng(b"p"))
    with pytest.raises(InvalidEncoding):
        RangeProof.from_json(proof.to_json(), 3)
    bad = proof.to_json()
    bad["responses"] = bad["responses"][:1]
    with pytest.raises(InvalidEncoding):
        RangeProof.from_json(bad)


# --- decryption proofs -------------------------------------------------------------------


def test_decryption_proof() -> None:
    rng = seeded_rng(b"dec")
    s, r = random_scalar(rng), random_scalar(rng)
    alpha = r * G
    share, proof = prove_decryption(H_E, s, alpha, rng)
    assert share == s * alpha
    verify_decryption(H_E, s * G, alpha, share, proof)
    assert DecryptionProof.from_json(proof.to_json()) == proof
    with pytest.raises(InvalidProof):
        verify_decryption(OTHER_H_E, s * G, alpha, share, proof)
    with pytest.raises(InvalidProof):
        verify_decryption(H_E, s * G, alpha, share + G, proof)
    with pytest.raises(InvalidProof):
        verify_decryption(H_E, s * G, alpha, share, DecryptionProof(proof.c, _bump(proof.v)))


def test_decryption_proof_of_identity_alpha() -> None:
    rng = seeded_rng(b"dec")
    s = random_scalar(rng)
    share, proof = prove_decryption(H_E, s, IDENTITY, rng)
    assert share.is_identity()
    verify_decryption(H_E, s * G, IDENTITY, share, proof)
    with pytest.raises(InvalidProof):
        verify_decryption(H_E, s * G, IDENTITY, g_pow(1), proof)
