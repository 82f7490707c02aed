"""Key ceremony: Pedersen DKG with Feldman commitments among n scrutineers, threshold k
(spec §7, docs/spec/crypto.md).

Pure functions over messages; the service carries them (and encrypts ``ShareMessage`` in
transit). Scrutineer i (1 ≤ i ≤ n):

1. ``start_ceremony``: picks f_i(x) = a_{i,0} + a_{i,1}·x + … + a_{i,k−1}·x^{k−1} and
   publishes ``CommitmentMessage``: C_{i,j} = a_{i,j}·G with a Schnorr proof for each j.
2. ``shares_for_others``: sends s_{i→l} = f_i(l) to every other scrutineer l.
3. Each recipient checks every share with ``verify_share``: s_{i→l}·G = Σ_j l^j·C_{i,j}.
   A share that fails names its sender, and the recipient can publish it as evidence.
4. ``combine_received_shares``: s_l = Σ_i s_{i→l}, scrutineer l's secret share.
5. ``finish_ceremony``: the joint public key K = Σ_i C_{i,0} and the verification keys
   S_l = Σ_i Σ_j l^j·C_{i,j} = s_l·G, in a ``CeremonyResult`` with its hash h_C.

The service must collect every commitment message before releasing any share and before
showing anyone the others' commitments, so nobody can choose theirs after seeing the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import rfc8785

from tally.errors import InvalidCeremony, InvalidEncoding, InvalidProof, InvalidShare
from tally.group import IDENTITY, G, Point, Scalar, random_scalar
from tally.json_fields import (
    JsonObject,
    get_bytes,
    get_int,
    get_list,
    get_object,
    get_point,
    get_scalar,
    get_str,
    point_list,
)
from tally.proofs.schnorr import SchnorrProof, prove_schnorr, verify_schnorr
from tally.rng import Rng

__all__ = [
    "MAX_SCRUTINEERS",
    "CeremonyParams",
    "CeremonyResult",
    "CommitmentMessage",
    "Polynomial",
    "ShareMessage",
    "coefficient_context",
    "combine_received_shares",
    "finish_ceremony",
    "own_share",
    "shares_for_others",
    "start_ceremony",
    "verify_ceremony",
    "verify_commitment_message",
    "verify_share",
]

MAX_SCRUTINEERS = 255


@dataclass(frozen=True, slots=True)
class CeremonyParams:
    """Ceremony id, number of scrutineers n (indices 1 … n) and threshold k, 1 ≤ k ≤ n."""

    ceremony_id: str
    n: int
    k: int

    def __post_init__(self) -> None:
        if not isinstance(self.ceremony_id, str) or not self.ceremony_id:
            raise ValueError("ceremony_id must be a non-empty string")
        if type(self.n) is not int or type(self.k) is not int:
            raise ValueError("n and k must be integers")
        if not 1 <= self.k <= self.n <= MAX_SCRUTINEERS:
            raise ValueError(f"need 1 <= k <= n <= {MAX_SCRUTINEERS}")

    def to_json(self) -> JsonObject:
        """``{"ceremony_id": str, "n": int, "k": int}``."""
        return {"ceremony_id": self.ceremony_id, "n": self.n, "k": self.k}

    @classmethod
    def from_json(cls, obj: object) -> CeremonyParams:
        """Parse and validate."""
        fields = get_object(obj, ("ceremony_id", "n", "k"), "ceremony params")
        try:
            return cls(
                get_str(fields["ceremony_id"], "ceremony_id"),
                get_int(fields["n"], "n", 1, MAX_SCRUTINEERS),
                get_int(fields["k"], "k", 1, MAX_SCRUTINEERS),
            )
        except ValueError as exc:
            raise InvalidEncoding(f"ceremony params: {exc}") from None

    def params_hash(self) -> bytes:
        """SHA-256 of the RFC 8785 canonical JSON of ``to_json()`` (spec symbol h_P)."""
        return hashlib.sha256(rfc8785.dumps(self.to_json())).digest()

    def check_index(self, index: int) -> None:
        """ValueError unless 1 ≤ index ≤ n."""
        if type(index) is not int or not 1 <= index <= self.n:
            raise ValueError(f"scrutineer index must be in 1..{self.n}")


def coefficient_context(params: CeremonyParams, index: int, j: int) -> bytes:
    """Schnorr context of C_{i,j}: h_P ‖ u32be(i) ‖ u32be(j) (40 bytes)."""
    return params.params_hash() + index.to_bytes(4, "big") + j.to_bytes(4, "big")


@dataclass(frozen=True, slots=True, repr=False)
class Polynomial:
    """Scrutineer ``index``'s secret polynomial f_i; coefficients a_{i,0} … a_{i,k−1}.

    Secret: never serialized into public messages, and its repr hides the coefficients.
    """

    index: int
    coefficients: tuple[Scalar, ...]

    def evaluate(self, x: int) -> Scalar:
        """f_i(x) mod L, by Horner's rule."""
        point = Scalar.reduce(x)
        result = Scalar(0)
        for a in reversed(self.coefficients):
            result = result * point + a
        return result

    def __repr__(self) -> str:
        return f"Polynomial(index={self.index}, coefficients=<hidden>)"


@dataclass(frozen=True, slots=True)
class CommitmentMessage:
    """Scrutineer ``index``'s public commitments C_{i,0} … C_{i,k−1} and their proofs."""

    index: int
    commitments: tuple[Point, ...]
    """C_{i,j} = a_{i,j}·G (spec symbol C_{i,j})."""
    proofs: tuple[SchnorrProof, ...]
    """Schnorr proof of knowledge of a_{i,j}, context ``coefficient_context(params, i, j)``."""

    def to_json(self) -> JsonObject:
        """``{"index": int, "commitments": [hex…], "proofs": [{"c", "v"}…]}``."""
        return {
            "index": self.index,
            "commitments": [c.hex() for c in self.commitments],
            "proofs": [p.to_json() for p in self.proofs],
        }

    @classmethod
    def from_json(cls, obj: object) -> CommitmentMessage:
        """Parse; every commitment must be a valid non-identity point."""
        fields = get_object(obj, ("index", "commitments", "proofs"), "commitment message")
        commitments = point_list(fields["commitments"], "commitments")
        proofs = tuple(
            SchnorrProof.from_json(p)
            for p in get_list(fields["proofs"], "proofs", len(commitments))
        )
        return cls(get_int(fields["index"], "index", 1, MAX_SCRUTINEERS), commitments, proofs)


@dataclass(frozen=True, slots=True, repr=False)
class ShareMessage:
    """s_{i→l} = f_i(l) from ``sender`` i to ``recipient`` l. Secret in transit."""

    sender: int
    recipient: int
    share: Scalar
    """s_{i→l} (spec symbol s_{i→l})."""

    def to_json(self) -> JsonObject:
        """``{"sender": int, "recipient": int, "share": hex}``."""
        return {"sender": self.sender, "recipient": self.recipient, "share": self.share.hex()}

    @classmethod
    def from_json(cls, obj: object) -> ShareMessage:
        """Parse; the share must be reduced (< L)."""
        fields = get_object(obj, ("sender", "recipient", "share"), "share message")
        return cls(
            get_int(fields["sender"], "sender", 1, MAX_SCRUTINEERS),
            get_int(fields["recipient"], "recipient", 1, MAX_SCRUTINEERS),
            get_scalar(fields["share"], "share"),
        )

    def __repr__(self) -> str:
        return f"ShareMessage(sender={self.sender}, recipient={self.recipient}, share=<hidden>)"


@dataclass(frozen=True, slots=True)
class CeremonyResult:
    """The public outcome: every commitment message, K, each S_l, and the hash h_C."""

    params: CeremonyParams
    commitment_messages: tuple[CommitmentMessage, ...]
    """One per scrutineer, ordered by index 1 … n."""
    public_key: Point
    """K = Σ_i C_{i,0} (spec symbol K)."""
    verification_keys: dict[int, Point]
    """l ↦ S_l = Σ_i Σ_j l^j·C_{i,j} (spec symbol S_l)."""
    ceremony_hash: bytes
    """h_C = SHA-256(JCS({"params", "commitment_messages"})) (spec symbol h_C)."""

    def to_json(self) -> JsonObject:
        """The JSON form; ``verification_keys`` maps "1" … "n" to hex points."""
        return {
            "params": self.params.to_json(),
            "commitment_messages": [m.to_json() for m in self.commitment_messages],
            "public_key": self.public_key.hex(),
            "verification_keys": {str(i): s.hex() for i, s in self.verification_keys.items()},
            "ceremony_hash": self.ceremony_hash.hex(),
        }

    @classmethod
    def from_json(cls, obj: object) -> CeremonyResult:
        """Parse and validate encodings. Call ``verify_ceremony`` to check consistency."""
        fields = get_object(
            obj,
            ("params", "commitment_messages", "public_key", "verification_keys", "ceremony_hash"),
            "ceremony result",
        )
        params = CeremonyParams.from_json(fields["params"])
        messages = tuple(
            CommitmentMessage.from_json(m)
            for m in get_list(fields["commitment_messages"], "commitment_messages", params.n)
        )
        keys = get_object(
            fields["verification_keys"],
            [str(i) for i in range(1, params.n + 1)],
            "verification_keys",
        )
        verification_keys = {
            i: get_point(keys[str(i)], f"verification_keys.{i}") for i in range(1, params.n + 1)
        }
        return cls(
            params,
            messages,
            get_point(fields["public_key"], "public_key"),
            verification_keys,
            get_bytes(fields["ceremony_hash"], 32, "ceremony_hash"),
        )


def start_ceremony(
    params: CeremonyParams, index: int, rng: Rng
) -> tuple[Polynomial, CommitmentMessage]:
    """Scrutineer ``index`` draws f_i (a_{i,0} … a_{i,k−1}, then one Schnorr nonce per j,
    in that order) and returns it with its public commitment message."""
    params.check_index(index)
    coefficients = tuple(random_scalar(rng) for _ in range(params.k))
    proofs = tuple(
        prove_schnorr(a, coefficient_context(params, index, j), rng)
        for j, a in enumerate(coefficients)
    )
    message = CommitmentMessage(index, tuple(a * G for a in coefficients), proofs)
    return Polynomial(index, coefficients), message


def shares_for_others(params: CeremonyParams, poly: Polynomial) -> list[ShareMessage]:
    """s_{i→l} = f_i(l) for every l ≠ i, ascending."""
    return [
        ShareMessage(poly.index, recipient, poly.evaluate(recipient))
        for recipient in range(1, params.n + 1)
        if recipient != poly.index
    ]


def own_share(params: CeremonyParams, poly: Polynomial) -> ShareMessage:
    """s_{i→i} = f_i(i): the share a scrutineer keeps for itself."""
    params.check_index(poly.index)
    return ShareMessage(poly.index, poly.index, poly.evaluate(poly.index))


def verify_commitment_message(params: CeremonyParams, message: CommitmentMessage) -> None:
    """Check index, k commitments (none the identity) and each Schnorr proof; raise
    InvalidShare naming the message's scrutineer."""
    i = message.index
    if type(i) is not int or not 1 <= i <= params.n:
        raise InvalidShare(i, f"index outside 1..{params.n}")
    if len(message.commitments) != params.k or len(message.proofs) != params.k:
        raise InvalidShare(i, f"needs {params.k} commitments and proofs")
    for j, (commitment, proof) in enumerate(zip(message.commitments, message.proofs, strict=True)):
        if commitment.is_identity():
            raise InvalidShare(i, f"commitment {j} is the identity")
        try:
            verify_schnorr(commitment, coefficient_context(params, i, j), proof)
        except InvalidProof:
            raise InvalidShare(i, f"proof of knowledge for commitment {j} fails") from None


def _eval_commitments(commitments: Iterable[Point], at: int) -> Point:
    """Σ_j at^j·C_j."""
    total = IDENTITY
    x = Scalar.reduce(at)
    power = Scalar(1)
    for c in commitments:
        total = total + power * c
        power = power * x
    return total


def verify_share(
    params: CeremonyParams, commitment_message: CommitmentMessage, share: ShareMessage
) -> None:
    """Check s_{i→l}·G = Σ_j l^j·C_{i,j}; raise InvalidShare naming the sender i."""
    sender = commitment_message.index
    if share.sender != sender:
        raise InvalidShare(share.sender, "share does not come from this commitment's author")
    if type(share.recipient) is not int or not 1 <= share.recipient <= params.n:
        raise InvalidShare(sender, f"recipient outside 1..{params.n}")
    if len(commitment_message.commitments) != params.k:
        raise InvalidShare(sender, f"needs {params.k} commitments")
    if share.share * G != _eval_commitments(commitment_message.commitments, share.recipient):
        raise InvalidShare(sender, f"share for scrutineer {share.recipient} fails its commitments")


def combine_received_shares(
    params: CeremonyParams, index: int, shares: Iterable[ShareMessage]
) -> Scalar:
    """s_l = Σ_i s_{i→l}: needs exactly one share from each sender 1 … n (including the
    scrutineer's ``own_share``), each addressed to ``index``. Verify each first."""
    params.check_index(index)
    by_sender: dict[int, Scalar] = {}
    for share in shares:
        if share.recipient != index:
            raise ValueError(f"share addressed to {share.recipient}, not {index}")
        if share.sender in by_sender:
            raise ValueError(f"two shares from scrutineer {share.sender}")
        by_sender[share.sender] = share.share
    for sender in range(1, params.n + 1):
        if sender not in by_sender:
            raise InvalidShare(sender, f"no share for scrutineer {index}")
    if len(by_sender) != params.n:
        raise ValueError("share from a sender outside 1..n")
    total = Scalar(0)
    for sender in range(1, params.n + 1):
        total = total + by_sender[sender]
    return total


def _ceremony_hash(params: CeremonyParams, messages: Iterable[CommitmentMessage]) -> bytes:
    document: JsonObject = {
        "params": params.to_json(),
        "commitment_messages": [m.to_json() for m in messages],
    }
    return hashlib.sha256(rfc8785.dumps(document)).digest()


def _derive_keys(
    params: CeremonyParams, messages: tuple[CommitmentMessage, ...]
) -> tuple[Point, dict[int, Point]]:
    """K and every S_l from the commitments, via A_j = Σ_i C_{i,j}."""
    joint = [IDENTITY] * params.k
    for message in messages:
        joint = [a + c for a, c in zip(joint, message.commitments, strict=True)]
    keys = {i: _eval_commitments(joint, i) for i in range(1, params.n + 1)}
    return joint[0], keys


def _ordered_messages(
    params: CeremonyParams, messages: Iterable[CommitmentMessage]
) -> tuple[CommitmentMessage, ...]:
    by_index: dict[int, CommitmentMessage] = {}
    for message in messages:
        verify_commitment_message(params, message)
        if message.index in by_index:
            raise InvalidShare(message.index, "sent two commitment messages")
        by_index[message.index] = message
    for i in range(1, params.n + 1):
        if i not in by_index:
            raise InvalidShare(i, "no commitment message")
    return tuple(by_index[i] for i in range(1, params.n + 1))


def finish_ceremony(
    params: CeremonyParams, commitment_messages: Iterable[CommitmentMessage]
) -> CeremonyResult:
    """Check every commitment message (one per scrutineer) and derive K, S_l and h_C."""
    messages = _ordered_messages(params, commitment_messages)
    public_key, verification_keys = _derive_keys(params, messages)
    if public_key.is_identity():
        raise InvalidCeremony("joint public key is the identity")
    return CeremonyResult(
        params, messages, public_key, verification_keys, _ceremony_hash(params, messages)
    )


def verify_ceremony(result: CeremonyResult) -> None:
    """Recheck a ceremony result: every message and proof (InvalidShare, attributable), and
    that K, every S_l and h_C follow from them (InvalidCeremony)."""
    params = result.params
    messages = _ordered_messages(params, result.commitment_messages)
    if messages != tuple(result.commitment_messages):
        raise InvalidCeremony("commitment messages are not ordered by index 1..n")
    public_key, verification_keys = _derive_keys(params, messages)
    if public_key.is_identity() or public_key != result.public_key:
        raise InvalidCeremony("public key does not follow from the commitments")
    keys: Mapping[int, Point] = result.verification_keys
    if set(keys) != set(verification_keys):
        raise InvalidCeremony("verification keys must be given for scrutineers 1..n")
    for i, key in verification_keys.items():
        if keys[i] != key:
            raise InvalidCeremony(f"verification key of scrutineer {i} does not follow")
    if _ceremony_hash(params, messages) != result.ceremony_hash:
        raise InvalidCeremony("ceremony hash does not match")
