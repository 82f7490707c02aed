"""Aggregation and k-of-n threshold decryption of the tally (spec §8.4, §7.3,
docs/spec/crypto.md).

The aggregate of selection i is (A_i, B_i) = Σ over ballots of (alpha_i, beta_i). Scrutineer
l publishes D_{l,i} = s_l·A_i with a Chaum–Pedersen proof against S_l. Any k verified
shares of a set T combine by Lagrange interpolation at 0:

    λ_l = Π_{j ∈ T, j ≠ l} j / (j − l)  (mod L),   M_i = B_i − Σ_{l ∈ T} λ_l·D_{l,i},

and the count is the small m_i with M_i = m_i·G. Fewer than k shares reveal nothing about
the secret key (Shamir secret sharing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tally.ballot import EncryptedBallot
from tally.election import ElectionContext
from tally.elgamal import IDENTITY_CIPHERTEXT, Ciphertext, DlogTable
from tally.errors import DecryptionError, InvalidCeremony, InvalidProof, InvalidShare
from tally.group import IDENTITY, G, Point, Scalar
from tally.json_fields import JsonObject, get_int, get_list, get_object, get_point
from tally.key_ceremony import MAX_SCRUTINEERS, CeremonyResult
from tally.proofs.chaum_pedersen import DecryptionProof, prove_decryption, verify_decryption
from tally.rng import Rng

__all__ = [
    "DecryptionShare",
    "aggregate",
    "combine_decryption",
    "lagrange_coefficient",
    "make_decryption_share",
    "sum_aggregates",
    "verify_decryption_share",
]


def aggregate(
    ballots: Sequence[EncryptedBallot], selections: int | None = None
) -> tuple[Ciphertext, ...]:
    """Per selection, the homomorphic sum of all ballots' ciphertexts.

    ``selections`` (the manifest's selection count) is required for an empty box, whose
    aggregate is (O, O) per selection; when given, every ballot must have that many.
    """
    if selections is None:
        if not ballots:
            raise ValueError("pass selections= to aggregate an empty ballot box")
        selections = len(ballots[0].selections)
    alphas = [IDENTITY] * selections
    betas = [IDENTITY] * selections
    for ballot in ballots:
        if len(ballot.selections) != selections:
            raise ValueError("ballots of different shapes cannot be aggregated")
        for i, selection in enumerate(ballot.selections):
            alphas[i] = alphas[i] + selection.ciphertext.alpha
            betas[i] = betas[i] + selection.ciphertext.beta
    return tuple(Ciphertext(a, b) for a, b in zip(alphas, betas, strict=True))


def sum_aggregates(
    parts: Iterable[Sequence[Ciphertext]], selections: int
) -> tuple[Ciphertext, ...]:
    """Add partial aggregates (e.g. one per worker process) into one."""
    total = [IDENTITY_CIPHERTEXT] * selections
    for part in parts:
        if len(part) != selections:
            raise ValueError("partial aggregates of different shapes cannot be added")
        total = [a + b for a, b in zip(total, part, strict=True)]
    return tuple(total)


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """Scrutineer l's shares D_{l,i} = s_l·A_i of every aggregate selection, with proofs."""

    scrutineer: int
    """l, 1 ≤ l ≤ n."""
    shares: tuple[Point, ...]
    """D_{l,i} (spec symbol D_{l,i}); O exactly when A_i = O."""
    proofs: tuple[DecryptionProof, ...]

    def to_json(self) -> JsonObject:
        """``{"scrutineer": int, "shares": [hex…], "proofs": [{"c", "v"}…]}``."""
        return {
            "scrutineer": self.scrutineer,
            "shares": [d.hex() for d in self.shares],
            "proofs": [p.to_json() for p in self.proofs],
        }

    @classmethod
    def from_json(cls, obj: object) -> DecryptionShare:
        """Parse; shares are valid points or the identity (for an empty aggregate)."""
        fields = get_object(obj, ("scrutineer", "shares", "proofs"), "decryption share")
        items = get_list(fields["shares"], "shares")
        shares = tuple(
            get_point(d, f"shares[{i}]", allow_identity=True) for i, d in enumerate(items)
        )
        proofs = tuple(
            DecryptionProof.from_json(p) for p in get_list(fields["proofs"], "proofs", len(shares))
        )
        return cls(get_int(fields["scrutineer"], "scrutineer", 1, MAX_SCRUTINEERS), shares, proofs)


def _check_context(ctx: ElectionContext, ceremony: CeremonyResult) -> None:
    if ctx.public_key != ceremony.public_key:
        raise InvalidCeremony("election context and ceremony have different public keys")


def make_decryption_share(
    ctx: ElectionContext,
    ceremony: CeremonyResult,
    index: int,
    secret_share: Scalar,
    aggregate: Sequence[Ciphertext],
    rng: Rng,
) -> DecryptionShare:
    """Scrutineer ``index``'s share of every aggregate selection, with proofs (one nonce
    w drawn per selection, in order)."""
    _check_context(ctx, ceremony)
    if ceremony.verification_keys.get(index) != secret_share * G:
        raise ValueError(f"this secret share does not belong to scrutineer {index}")
    shares: list[Point] = []
    proofs: list[DecryptionProof] = []
    for ciphertext in aggregate:
        share, proof = prove_decryption(ctx.election_hash, secret_share, ciphertext.alpha, rng)
        shares.append(share)
        proofs.append(proof)
    return DecryptionShare(index, tuple(shares), tuple(proofs))


def verify_decryption_share(
    ctx: ElectionContext,
    ceremony: CeremonyResult,
    aggregate: Sequence[Ciphertext],
    share: DecryptionShare,
) -> None:
    """Check every D_{l,i} and its proof against S_l; raise InvalidShare naming l."""
    _check_context(ctx, ceremony)
    who = share.scrutineer
    key = ceremony.verification_keys.get(who)
    if key is None:
        raise InvalidShare(who, "not a scrutineer of this ceremony")
    if len(share.shares) != len(aggregate) or len(share.proofs) != len(aggregate):
        raise InvalidShare(who, f"needs {len(aggregate)} shares and proofs")
    for i, (ciphertext, d, proof) in enumerate(
        zip(aggregate, share.shares, share.proofs, strict=True)
    ):
        if d.is_identity() != ciphertext.alpha.is_identity():
            raise InvalidShare(who, f"share {i} is the identity exactly when alpha is not")
        try:
            verify_decryption(ctx.election_hash, key, ciphertext.alpha, d, proof)
        except InvalidProof:
            raise InvalidShare(who, f"decryption proof of selection {i} fails") from None


def lagrange_coefficient(index: int, indices: Iterable[int]) -> Scalar:
    """λ_index = Π_{j ∈ indices, j ≠ index} j / (j − index) mod L (interpolation at 0)."""
    numerator = Scalar(1)
    denominator = Scalar(1)
    for j in indices:
        if j != index:
            numerator = numerator * Scalar.reduce(j)
            denominator = denominator * Scalar.reduce(j - index)
    return numerator * denominator.inverse()


def combine_decryption(
    ctx: ElectionContext,
    ceremony: CeremonyResult,
    aggregate: Sequence[Ciphertext],
    shares: Iterable[DecryptionShare],
    max_count: int,
) -> tuple[int, ...]:
    """The counts m_i of every aggregate selection from any k distinct scrutineers' shares.

    Every share given is verified (InvalidShare on a bad one); the k lowest indices are
    used. DecryptionError with fewer than k distinct scrutineers, or a count > max_count.
    """
    by_scrutineer: dict[int, DecryptionShare] = {}
    for share in shares:
        verify_decryption_share(ctx, ceremony, aggregate, share)
        by_scrutineer[share.scrutineer] = share
    k = ceremony.params.k
    if len(by_scrutineer) < k:
        raise DecryptionError(f"need shares of {k} scrutineers, have {len(by_scrutineer)}")
    chosen = sorted(by_scrutineer)[:k]
    lambdas = {who: lagrange_coefficient(who, chosen) for who in chosen}
    table = DlogTable(max_count)
    counts: list[int] = []
    for i, ciphertext in enumerate(aggregate):
        combined = IDENTITY
        for who in chosen:
            combined = combined + lambdas[who] * by_scrutineer[who].shares[i]
        counts.append(table.lookup(ciphertext.beta - combined))
    return tuple(counts)
