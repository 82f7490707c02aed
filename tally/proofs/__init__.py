"""Zero-knowledge proofs, all non-interactive by strong Fiat–Shamir (docs/spec/crypto.md §5).

- ``schnorr``: knowledge of x with X = x·G (key-ceremony coefficients).
- ``range_proof``: a ciphertext encrypts some j in [lo, hi] (disjunctive Chaum–Pedersen);
  carries both the 0/1 proof of each selection and the [min, max] proof of each constraint.
- ``chaum_pedersen``: a decryption share D = s·alpha matches the verification key S = s·G.

Every prove function takes an ``rng``; every verify function returns None or raises
``InvalidProof``.
"""

from tally.proofs.chaum_pedersen import DecryptionProof, prove_decryption, verify_decryption
from tally.proofs.range_proof import RangeProof, prove_range, verify_range
from tally.proofs.schnorr import SchnorrProof, prove_schnorr, verify_schnorr

__all__ = [
    "DecryptionProof",
    "RangeProof",
    "SchnorrProof",
    "prove_decryption",
    "prove_range",
    "prove_schnorr",
    "verify_decryption",
    "verify_range",
    "verify_schnorr",
]
