"""What a scrutineer's device does against the server, step by step and resumable.

- :func:`ceremony_step`: commit, then (once every commitment is in) send sealed shares, then
  (once every share for this scrutineer is in) open and check them and keep s_i. Each call
  does what it can and reports what it waits for; the state is saved before anything is
  sent, so a crash or a lost answer is picked up on the next call.
- :func:`decryption_step`: the signed decryption share of a closed vote's tally, computed
  under the ceremony this device checked itself, for the election hash it recomputed, and
  only once the device has summed the whole board itself and found the same tally — so a
  dishonest server cannot have the scrutineers decrypt a single ballot.
- :func:`fetch_payload` / :func:`sign_step`: the certificate payload, shown to the
  scrutineer, then signed.

The secret share and the polynomial never leave the device file; only signed commitments,
sealed shares, decryption shares and signatures go out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from keys.client import ScrutineerClient, ServerError
from keys.device_file import DeviceFile, SessionState
from keys.scrutineer import ScrutineerDevice
from tally.ballot import EncryptedBallot, verify_ballot
from tally.board import BoardEntry, ballot_hash, verify_chain
from tally.decryption import aggregate as aggregate_ballots
from tally.election import ElectionContext, make_context
from tally.elgamal import Ciphertext
from tally.errors import TallyError
from tally.key_ceremony import (
    CeremonyParams,
    CeremonyResult,
    CommitmentMessage,
    finish_ceremony,
    verify_ceremony,
    verify_commitment_message,
)
from tally.manifest import Manifest

__all__ = [
    "CeremonyProgress",
    "DecryptionOutcome",
    "FlowError",
    "ceremony_step",
    "check_tally",
    "decryption_step",
    "fetch_payload",
    "sign_step",
]

Rng = Callable[[int], bytes]
Save = Callable[[DeviceFile], None]


class FlowError(Exception):
    """The device refuses to go on: not registered, a check failed, a step out of order."""


@dataclass(frozen=True)
class CeremonyProgress:
    """Where the ceremony stands for this device after one :func:`ceremony_step`."""

    index: int
    step: str
    waiting_for: str | None = None
    missing: tuple[int, ...] = ()
    public_key: str | None = None
    ceremony_hash: str | None = None

    @property
    def done(self) -> bool:
        return self.step == "done"


@dataclass(frozen=True)
class DecryptionOutcome:
    """What one decryption did: the vote, its card counts, whether it is now counted, and
    the board head the device recomputed."""

    title: str
    cards: dict[str, Any]
    counted: bool
    board_head: str
    already_given: bool = False


def _find_index(device: DeviceFile, info: dict[str, Any]) -> int:
    public = device.public
    for entry in info.get("scrutineers", []):
        if entry.get("signing_key") == public.signing_key.hex():
            if entry.get("transport_key") != public.transport_key.hex():
                raise FlowError("the server holds another transport key for this device")
            return int(entry["index"])
    raise FlowError("this device's keys are not registered in the session: give the output "
                    "of `keys show` to the secretariat")


def _post_once(client: ScrutineerClient, path: str, doc: dict[str, Any]) -> bool:
    """Post; an earlier copy already stored (a conflict) counts as done. True if new."""
    try:
        client.post(path, doc)
        return True
    except ServerError as exc:
        if exc.status == 409 and exc.code == "conflict":
            return False
        raise


def _commitments(params: CeremonyParams, info: dict[str, Any]) -> dict[int, CommitmentMessage]:
    found = {int(i): CommitmentMessage.from_json(c) for i, c in info["commitments"].items()}
    if sorted(found) != list(range(1, params.n + 1)):
        raise FlowError("the server did not give one commitment per scrutineer")
    for i, message in found.items():
        if message.index != i:
            raise FlowError(f"commitment filed under {i} belongs to {message.index}")
        verify_commitment_message(params, message)
    return found


def ceremony_step(device: DeviceFile, client: ScrutineerClient, rng: Rng,
                  save: Save) -> tuple[DeviceFile, CeremonyProgress]:
    """Do what can be done now in the session's key ceremony; see the module docstring."""
    info = client.get("/ceremony")
    params = CeremonyParams.from_json(info["params"])
    index = _find_index(device, info)
    client.index = index
    state = device.session(client.server, client.session_id)
    scrutineer = ScrutineerDevice(index, device.name, rng, keys=device.keys)
    try:
        if state is None:
            if index in info["committed"]:
                raise FlowError(f"the server already holds a commitment of scrutineer {index}, "
                                "but this device file has no record of making it")
            message = scrutineer.commit(params)
            state = SessionState(client.server, client.session_id, index, params.ceremony_id,
                                 params.n, params.k, "committed", scrutineer.state(),
                                 message.to_json())
            device = device.with_session(state)
            save(device)
        elif state.ceremony_id != params.ceremony_id or state.index != index:
            raise FlowError("this device's saved ceremony is not the server's ceremony")
        else:
            scrutineer.restore(state.device)

        if state.step == "committed":
            if index not in info["committed"]:
                assert state.commitment is not None
                _post_once(client, "/ceremony/commitments", state.commitment)
                info = client.get("/ceremony")
            missing = tuple(i for i in range(1, params.n + 1) if i not in info["committed"])
            if missing:
                return device, CeremonyProgress(index, state.step, "commitments", missing)
            commitments = _commitments(params, info)
            keys = {int(i): bytes.fromhex(k) for i, k in info["transport_keys"].items()}
            for signed in scrutineer.sealed_share_messages(params, keys):
                _post_once(client, "/ceremony/shares", signed.to_json())
            state = state.advance("shares_sent", scrutineer.state())
            device = device.with_session(state)
            save(device)

        if state.step == "shares_sent":
            info = client.get("/ceremony")
            commitments = _commitments(params, info)
            sealed = {int(s): bytes.fromhex(b) for s, b in
                      client.get(f"/ceremony/shares/{index}", signed=True).items()}
            missing = tuple(i for i in range(1, params.n + 1) if i != index and i not in sealed)
            if missing:
                return device, CeremonyProgress(index, state.step, "shares", missing)
            scrutineer.receive_shares(params, commitments, sealed)
            result = finish_ceremony(params, commitments.values())
            scrutineer.check_share(result)
            state = state.advance("done", scrutineer.state(),
                                  public_key=result.public_key.hex(),
                                  ceremony_hash=result.ceremony_hash.hex())
            device = device.with_session(state)
            save(device)
    except (TallyError, ValueError) as exc:
        raise FlowError(f"the ceremony check failed: {exc}") from exc
    return device, CeremonyProgress(index, state.step, None, (), state.public_key,
                                    state.ceremony_hash)


def _checked_context(device: DeviceFile, client: ScrutineerClient, slug: str
                     ) -> tuple[SessionState, CeremonyResult, ElectionContext, dict[str, Any]]:
    """The device's finished ceremony, the server's result matching it, and the vote's
    context recomputed here (the server's election hash must agree)."""
    state = device.session(client.server, client.session_id)
    if state is None or state.step != "done":
        raise FlowError("this device has not finished the key ceremony of this session")
    client.index = state.index
    info = client.get("/ceremony")
    if info.get("result") is None:
        raise FlowError("the server has no ceremony result yet")
    try:
        result = CeremonyResult.from_json(info["result"])
        verify_ceremony(result)
        election = client.get(f"/votes/{slug}/election")
        ctx = make_context(Manifest.from_json(election["manifest"]), result)
    except (TallyError, ValueError) as exc:
        raise FlowError(f"the server's ceremony or vote does not check: {exc}") from exc
    if (result.public_key.hex() != state.public_key
            or result.ceremony_hash.hex() != state.ceremony_hash):
        raise FlowError("the server's ceremony is not the one this device took part in")
    if ctx.election_hash.hex() != election["election_hash"]:
        raise FlowError("the server's election hash does not follow from the vote")
    return state, result, ctx, election


def _board(client: ScrutineerClient, slug: str) -> list[BoardEntry]:
    entries: list[BoardEntry] = []
    while True:
        page = client.get(f"/votes/{slug}/tally/ballots?after={len(entries)}")
        if not page:
            return entries
        entries.extend(BoardEntry.from_json(e) for e in page)


def check_tally(ctx: ElectionContext, entries: list[BoardEntry], spent: int,
                 aggregate: tuple[Ciphertext, ...], verify_ballots: bool) -> str:
    """The tally must be the sum of the whole board, and the board a sound chain with one
    ballot per spent card; returns the board head (hex) to compare with the one shown in
    the hall. With ``verify_ballots``, every ballot's proofs are checked too."""
    head = verify_chain(ctx.election_hash, entries, [ballot_hash(e.ballot) for e in entries])
    if len(entries) != spent:
        raise FlowError(f"the board holds {len(entries)} ballots but {spent} cards were spent")
    ballots = [EncryptedBallot.from_json(e.ballot) for e in entries]
    for entry, ballot in zip(entries, ballots, strict=True):
        if ballot.election_hash != ctx.election_hash:
            raise FlowError(f"ballot {entry.seq} was made for another election")
        if verify_ballots:
            verify_ballot(ctx, ballot)
    if aggregate_ballots(ballots, len(ctx.manifest.labels)) != aggregate:
        raise FlowError("the tally to decrypt is not the sum of the board's ballots")
    return head.hex()


def decryption_step(device: DeviceFile, client: ScrutineerClient, slug: str,
                    rng: Rng, *, verify_ballots: bool = False) -> DecryptionOutcome:
    """Give this scrutineer's signed decryption share of the closed vote ``slug``, after
    checking that what it decrypts is the sum of the whole board (:func:`check_tally`)."""
    state, result, ctx, election = _checked_context(device, client, slug)
    tally = client.get(f"/votes/{slug}/tally")
    try:
        aggregate = tuple(Ciphertext.from_json(c, allow_identity=True)
                          for c in tally["aggregate"])
        if len(aggregate) != len(ctx.manifest.labels):
            raise FlowError("the tally does not fit the vote's ballot")
        head = check_tally(ctx, _board(client, slug), int(tally["cards"]["spent"]), aggregate,
                            verify_ballots)
    except (TallyError, ValueError, KeyError, TypeError) as exc:
        raise FlowError(f"the tally does not check: {exc}") from exc
    scrutineer = ScrutineerDevice(state.index, device.name, rng, keys=device.keys)
    scrutineer.restore(state.device)
    message = scrutineer.decryption_share(ctx, result, aggregate)
    title = str(election["vote"].get("title", slug))
    try:
        answer = client.post(f"/votes/{slug}/decryption-shares", message.to_json())
    except ServerError as exc:
        if exc.status == 409 and exc.code == "conflict":
            return DecryptionOutcome(title, tally["cards"], False, head, already_given=True)
        raise
    return DecryptionOutcome(title, tally["cards"], bool(answer.get("counted")), head)


def fetch_payload(device: DeviceFile, client: ScrutineerClient, slug: str
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The certificate payload to sign, after checking it names this vote's election, and
    the vote as the election defines it (names of the options or items, to show)."""
    _, _, ctx, election = _checked_context(device, client, slug)
    payload: dict[str, Any] = client.get(f"/votes/{slug}/certificate-payload", signed=True)
    if payload.get("election_hash") != ctx.election_hash.hex():
        raise FlowError("the payload is not for this vote's election")
    if payload.get("vote", {}).get("id") != slug:
        raise FlowError("the payload names another vote")
    return payload, dict(election["vote"])


def sign_step(device: DeviceFile, client: ScrutineerClient, slug: str,
              payload: dict[str, Any], rng: Rng) -> None:
    """Sign ``payload`` (as fetched and shown) and hand the signature over."""
    state = device.session(client.server, client.session_id)
    if state is None:
        raise FlowError("this device has no state for this session")
    client.index = state.index
    scrutineer = ScrutineerDevice(state.index, device.name, rng, keys=device.keys)
    client.post(f"/votes/{slug}/certificate-signatures",
                scrutineer.sign_certificate(payload).to_json())
