"""A ballot's life in types: marked → encrypted (+ opening) → verified or audited
(spec §8, docs/spec/crypto.md).

``encrypt_ballot`` encrypts each selection m_i ∈ {0, 1} as (r_i·G, m_i·G + r_i·K) with a
range proof for [0, 1], and proves for each constraint that the homomorphic sum of its
selections encrypts a value in [min, max]. Every proof is bound to the digest h_C of all
the ballot's ciphertexts and to its own place, so no proof (or group of selections) can be
moved into another ballot or to another position: a permuted or partly copied ballot fails.
``verify_ballot`` checks all of it against the election context. ``open_ballot`` is the
Benaloh audit: with the nonces r_i it recomputes every ciphertext and recovers the choices.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import rfc8785

from tally.election import ElectionContext
from tally.elgamal import Ciphertext, encrypt
from tally.errors import InvalidBallot, InvalidChoices, InvalidProof
from tally.group import IDENTITY, G, Scalar, random_scalar
from tally.json_fields import JsonObject, get_bytes, get_list, get_object, scalar_list
from tally.manifest import MOTION_LABELS, Manifest
from tally.proofs.range_proof import RangeProof, prove_range, verify_range
from tally.rng import Rng

__all__ = [
    "BallotOpening",
    "EncryptedBallot",
    "EncryptedSelection",
    "MarkedBallot",
    "ballot_digest",
    "check_choices",
    "encrypt_ballot",
    "mark_motion",
    "mark_rating",
    "mark_selection",
    "open_ballot",
    "proof_context",
    "verify_ballot",
]


@dataclass(frozen=True, slots=True)
class MarkedBallot:
    """Plaintext choices, one 0/1 per encrypted selection. Only ever on the tablet."""

    choices: tuple[int, ...]

    def __repr__(self) -> str:
        return f"MarkedBallot(<{len(self.choices)} hidden choices>)"


def mark_selection(manifest: Manifest, chosen: Iterable[int]) -> MarkedBallot:
    """Mark the options with indices ``chosen`` of a selection manifest."""
    picked = set(chosen)
    if manifest.kind != "selection" or any(
        type(i) is not int or not 0 <= i < manifest.selection_count for i in picked
    ):
        raise InvalidChoices("option index outside the manifest")
    return MarkedBallot(tuple(int(i in picked) for i in range(manifest.selection_count)))


def mark_rating(manifest: Manifest, ratings: Sequence[int | None]) -> MarkedBallot:
    """Mark one grade index (or None = abstain) per item of a rating manifest."""
    if manifest.kind != "rating" or manifest.items is None or manifest.scale is None:
        raise InvalidChoices("not a rating manifest")
    width = len(manifest.scale)
    if len(ratings) != len(manifest.items):
        raise InvalidChoices(f"expected {len(manifest.items)} ratings")
    choices = [0] * manifest.selection_count
    for item, grade in enumerate(ratings):
        if grade is None:
            continue
        if type(grade) is not int or not 0 <= grade < width:
            raise InvalidChoices(f"rating of item {item} outside the scale")
        choices[item * width + grade] = 1
    return MarkedBallot(tuple(choices))


def mark_motion(manifest: Manifest, choice: str | None) -> MarkedBallot:
    """Mark ``yes`` / ``no`` / ``abstain`` (or None = no mark) on a motion manifest."""
    if manifest.kind != "motion" or (choice is not None and choice not in MOTION_LABELS):
        raise InvalidChoices("a motion takes yes, no, abstain or no mark")
    return MarkedBallot(tuple(int(label == choice) for label in MOTION_LABELS))


def check_choices(manifest: Manifest, marked: MarkedBallot) -> None:
    """Raise InvalidChoices unless ``marked`` has one 0/1 per selection and keeps every
    constraint's [min, max]."""
    choices = marked.choices
    if len(choices) != manifest.selection_count:
        raise InvalidChoices(f"expected {manifest.selection_count} choices, got {len(choices)}")
    if any(type(m) is not int or m not in (0, 1) for m in choices):
        raise InvalidChoices("each choice is 0 or 1")
    for index, constraint in enumerate(manifest.constraints):
        total = sum(choices[i] for i in constraint.selections)
        if not constraint.min <= total <= constraint.max:
            raise InvalidChoices(
                f"constraint {index}: {total} marks, allowed {constraint.min}..{constraint.max}"
            )


@dataclass(frozen=True, slots=True)
class EncryptedSelection:
    """One selection's ciphertext with its [0, 1] range proof."""

    ciphertext: Ciphertext
    proof: RangeProof

    def to_json(self) -> JsonObject:
        """``{"ciphertext": {"alpha", "beta"}, "proof": {"challenges", "responses"}}``."""
        return {"ciphertext": self.ciphertext.to_json(), "proof": self.proof.to_json()}

    @classmethod
    def from_json(cls, obj: object) -> EncryptedSelection:
        """Parse; points validated, scalars reduced, the proof has exactly 2 branches."""
        fields = get_object(obj, ("ciphertext", "proof"), "selection")
        return cls(
            Ciphertext.from_json(fields["ciphertext"]), RangeProof.from_json(fields["proof"], 2)
        )


@dataclass(frozen=True, slots=True)
class EncryptedBallot:
    """What the tablet submits: h_E, the encrypted selections and the constraint proofs."""

    election_hash: bytes
    """h_E of the vote this ballot was made for (spec symbol h_E)."""
    selections: tuple[EncryptedSelection, ...]
    constraint_proofs: tuple[RangeProof, ...]
    """One [min, max] proof per manifest constraint, in manifest order."""

    def to_json(self) -> JsonObject:
        """``{"election_hash": hex, "selections": [...], "constraint_proofs": [...]}``."""
        return {
            "election_hash": self.election_hash.hex(),
            "selections": [s.to_json() for s in self.selections],
            "constraint_proofs": [p.to_json() for p in self.constraint_proofs],
        }

    @classmethod
    def from_json(cls, obj: object) -> EncryptedBallot:
        """Parse untrusted JSON; raises InvalidEncoding on any malformed field, point or
        scalar. Whether it fits the manifest is ``verify_ballot``'s job."""
        fields = get_object(obj, ("election_hash", "selections", "constraint_proofs"), "ballot")
        return cls(
            get_bytes(fields["election_hash"], 32, "election_hash"),
            tuple(
                EncryptedSelection.from_json(s)
                for s in get_list(fields["selections"], "selections")
            ),
            tuple(
                RangeProof.from_json(p)
                for p in get_list(fields["constraint_proofs"], "constraint_proofs")
            ),
        )

    def ballot_hash(self) -> bytes:
        """SHA-256 of the RFC 8785 canonical JSON of ``to_json()`` (spec symbol h_B)."""
        return hashlib.sha256(rfc8785.dumps(self.to_json())).digest()


@dataclass(frozen=True, slots=True, repr=False)
class BallotOpening:
    """The nonces r_i of an encrypted ballot: reveals the vote, so only for an audited
    (never cast) ballot."""

    nonces: tuple[Scalar, ...]

    def to_json(self) -> JsonObject:
        """``{"nonces": [hex…]}``."""
        return {"nonces": [r.hex() for r in self.nonces]}

    @classmethod
    def from_json(cls, obj: object) -> BallotOpening:
        """Parse; every nonce must be reduced (< L)."""
        fields = get_object(obj, ("nonces",), "ballot opening")
        return cls(scalar_list(fields["nonces"], "nonces"))

    def __repr__(self) -> str:
        return f"BallotOpening(<{len(self.nonces)} hidden nonces>)"


_DIGEST_TAG = b"rendavote/v1/ballot-ciphertexts\x00"
SELECTION_PROOF = 0
CONSTRAINT_PROOF = 1


def ballot_digest(election_hash: bytes, ciphertexts: Iterable[Ciphertext]) -> bytes:
    """h_C = SHA-256("rendavote/v1/ballot-ciphertexts\\0" ‖ h_E ‖ α_1 ‖ β_1 ‖ … ‖ β_N)."""
    digest = hashlib.sha256(_DIGEST_TAG + election_hash)
    for ciphertext in ciphertexts:
        digest.update(ciphertext.alpha.to_bytes())
        digest.update(ciphertext.beta.to_bytes())
    return digest.digest()


def proof_context(digest: bytes, kind: int, index: int) -> bytes:
    """ctx of a ballot's range proof: h_C ‖ u8(kind: 0 selection, 1 constraint) ‖ u32be(index)."""
    return digest + bytes([kind]) + index.to_bytes(4, "big")


def encrypt_ballot(
    ctx: ElectionContext, marked: MarkedBallot, rng: Rng
) -> tuple[EncryptedBallot, BallotOpening]:
    """Encrypt and prove ``marked``; refuse (InvalidChoices) choices outside the limits.

    Randomness, in order: r_1 … r_N; then each selection's range proof's draws; then each
    constraint's range proof's draws, in manifest order.
    """
    check_choices(ctx.manifest, marked)
    h_e, key = ctx.election_hash, ctx.public_key
    nonces = [random_scalar(rng) for _ in marked.choices]
    ciphertexts = [encrypt(m, key, r) for m, r in zip(marked.choices, nonces, strict=True)]
    digest = ballot_digest(h_e, ciphertexts)
    selections: list[EncryptedSelection] = []
    for i, (m, r, ciphertext) in enumerate(zip(marked.choices, nonces, ciphertexts, strict=True)):
        context = proof_context(digest, SELECTION_PROOF, i)
        proof = prove_range(h_e, context, key, ciphertext, m, r, 0, 1, rng)
        selections.append(EncryptedSelection(ciphertext, proof))
    constraint_proofs: list[RangeProof] = []
    for t, constraint in enumerate(ctx.manifest.constraints):
        total = _sum_ciphertexts(selections, constraint.selections)
        r_sum = Scalar(0)
        for i in constraint.selections:
            r_sum = r_sum + nonces[i]
        m_sum = sum(marked.choices[i] for i in constraint.selections)
        constraint_proofs.append(
            prove_range(h_e, proof_context(digest, CONSTRAINT_PROOF, t), key, total, m_sum, r_sum,
                        constraint.min, constraint.max, rng)
        )
    ballot = EncryptedBallot(h_e, tuple(selections), tuple(constraint_proofs))
    return ballot, BallotOpening(tuple(nonces))


def _sum_ciphertexts(
    selections: Sequence[EncryptedSelection], indices: Sequence[int]
) -> Ciphertext:
    first = selections[indices[0]].ciphertext
    alpha, beta = first.alpha, first.beta
    for i in indices[1:]:
        ciphertext = selections[i].ciphertext
        alpha = alpha + ciphertext.alpha
        beta = beta + ciphertext.beta
    return Ciphertext(alpha, beta)


def _check_shape(ctx: ElectionContext, ballot: EncryptedBallot) -> None:
    if ballot.election_hash != ctx.election_hash:
        raise InvalidBallot("ballot is bound to another election hash")
    expected = ctx.manifest.selection_count
    if len(ballot.selections) != expected:
        raise InvalidBallot(f"expected {expected} selections, got {len(ballot.selections)}")


def verify_ballot(ctx: ElectionContext, ballot: EncryptedBallot) -> None:
    """Check h_E, the shape, every selection's [0, 1] proof and every constraint's
    [min, max] proof; raise InvalidBallot naming the failing selection or constraint."""
    _check_shape(ctx, ballot)
    constraints = ctx.manifest.constraints
    if len(ballot.constraint_proofs) != len(constraints):
        raise InvalidBallot(
            f"expected {len(constraints)} constraint proofs, got {len(ballot.constraint_proofs)}"
        )
    h_e, key = ctx.election_hash, ctx.public_key
    for index, selection in enumerate(ballot.selections):
        # Points from from_json are never O; this guards ballots built in code.
        if IDENTITY in (selection.ciphertext.alpha, selection.ciphertext.beta):
            raise InvalidBallot("ciphertext contains the identity", selection=index)
    digest = ballot_digest(h_e, (s.ciphertext for s in ballot.selections))
    for index, selection in enumerate(ballot.selections):
        ciphertext = selection.ciphertext
        try:
            verify_range(h_e, proof_context(digest, SELECTION_PROOF, index), key, ciphertext,
                         0, 1, selection.proof)
        except InvalidProof:
            raise InvalidBallot(
                "proof that it encrypts 0 or 1 fails (or the ballot's ciphertexts were altered, "
                "reordered or taken from another ballot: every proof binds them all)",
                selection=index,
            ) from None
    for index, (constraint, proof) in enumerate(
        zip(constraints, ballot.constraint_proofs, strict=True)
    ):
        total = _sum_ciphertexts(ballot.selections, constraint.selections)
        try:
            verify_range(h_e, proof_context(digest, CONSTRAINT_PROOF, index), key, total,
                         constraint.min, constraint.max, proof)
        except InvalidProof:
            raise InvalidBallot(
                f"proof that {constraint.min}..{constraint.max} are marked fails",
                constraint=index,
            ) from None


def open_ballot(
    ctx: ElectionContext, ballot: EncryptedBallot, opening: BallotOpening
) -> MarkedBallot:
    """Benaloh audit: recompute each ciphertext from its nonce r_i (alpha = r_i·G and
    beta − r_i·K ∈ {O, G}) and return the choices; InvalidBallot on any mismatch."""
    _check_shape(ctx, ballot)
    if len(opening.nonces) != len(ballot.selections):
        raise InvalidBallot("opening has the wrong number of nonces")
    choices: list[int] = []
    for index, (selection, r) in enumerate(zip(ballot.selections, opening.nonces, strict=True)):
        ciphertext = selection.ciphertext
        if ciphertext.alpha != r * G:
            raise InvalidBallot("alpha does not match the nonce", selection=index)
        plain = ciphertext.beta - r * ctx.public_key
        if plain == IDENTITY:
            choices.append(0)
        elif plain == G:
            choices.append(1)
        else:
            raise InvalidBallot("beta does not encrypt 0 or 1 with this nonce", selection=index)
    return MarkedBallot(tuple(choices))
