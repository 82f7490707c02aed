"""tally: the pure core — group, ElGamal, proofs, ballots, threshold keys and decryption,
counting rules, certificates, the election record and its verifier.

No web, no database, no clock and no global randomness: callers pass them in.
"""
