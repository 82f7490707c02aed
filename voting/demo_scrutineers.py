"""DEMO ONLY: the session's scrutineer devices run inside the server, so one person can try
the whole session from the console.

In a real session each scrutineer runs ``keys`` on their own device and the secret share
never reaches the server. Here the devices are unencrypted device files under
``<data_dir>/demo-scrutineers/`` (keys/device_file.py, the same format the ``keys`` CLI
writes), and the messages they make go through the same checks as real ones (signatures,
proofs, commitments). The API refuses every call to this module outside demo mode.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from keys.device_file import DeviceFile, SessionState, load_device, save_device
from keys.scrutineer import DeviceKeys, ScrutineerDevice
from tally.key_ceremony import finish_ceremony
from tally.messages import SignedMessage
from voting import ceremony, repository, vote_service
from voting.box_models import DecryptionShareRow, KeyCeremonyRow, ScrutineerKey, VoteOutcome
from voting.db import session_scope
from voting.errors import NotReady
from voting.lifecycle import VoteState, require_state
from voting.models import Deputy

__all__ = ["DEMO_DIR", "DEMO_SERVER", "demo_ceremony", "demo_decrypt", "demo_sign", "device_path"]

DEMO_DIR = "demo-scrutineers"
#: How the server-side devices name this server in their files.
DEMO_SERVER = "demo"
Rng = Callable[[int], bytes]


def device_path(data_dir: Path, session_id: int, index: int) -> Path:
    return data_dir / DEMO_DIR / f"session-{session_id}-scrutineer-{index}.json"


def _load(data_dir: Path, session_id: int, index: int) -> DeviceFile:
    return load_device(device_path(data_dir, session_id, index), "", allow_demo=True)


def _save(data_dir: Path, session_id: int, index: int, device: DeviceFile, rng: Rng) -> None:
    path = device_path(data_dir, session_id, index)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    save_device(path, device, "", rng=rng, allow_demo=True, overwrite=True)


def _roster_scrutineers(db: Session, session_id: int) -> list[Deputy]:
    rows = db.exec(select(Deputy).where(Deputy.session_id == session_id)
                   .where(col(Deputy.is_scrutineer).is_(True)).order_by(col(Deputy.id))).all()
    return sorted(rows, key=lambda d: (not d.is_chief_scrutineer, d.id or 0))


def _ensure_devices(engine: Engine, data_dir: Path, session_id: int, actor: str,
                    rng: Rng) -> int:
    """Device files and registered keys for every scrutineer; begin the ceremony. Returns n."""
    with session_scope(engine) as db:
        repository.get_session(db, session_id)
        row = db.get(KeyCeremonyRow, session_id)
        people = _roster_scrutineers(db, session_id)
        n = row.n if row is not None else len(people)
        if n == 0:
            raise NotReady("the roster has no scrutineers (监票人)")
        registered = {k.index: k for k in db.exec(
            select(ScrutineerKey).where(ScrutineerKey.session_id == session_id)).all()}
        for index in range(1, n + 1):
            path = device_path(data_dir, session_id, index)
            if not path.exists():
                name = people[index - 1].name if index <= len(people) else f"监票人{index}"
                _save(data_dir, session_id, index, DeviceFile(name, DeviceKeys.generate(rng)),
                      rng)
            public = _load(data_dir, session_id, index).public
            key = registered.get(index)
            if key is None:
                ceremony.register_scrutineer(db, session_id, index, public.name,
                                             public.signing_key, public.transport_key, actor)
            elif key.signing_key != public.signing_key.hex():
                raise NotReady(f"scrutineer {index} is registered with keys the demo does not "
                               "hold; the demo cannot act for them")
        if row is None:
            ceremony.begin_ceremony(db, session_id, n, n // 2 + 1, actor)
    return n


def demo_ceremony(engine: Engine, data_dir: Path, session_id: int, actor: str,
                  rng: Rng) -> str:
    """Run every round for every demo scrutineer and complete the ceremony; returns K (hex)."""
    n = _ensure_devices(engine, data_dir, session_id, actor, rng)
    devices: dict[int, tuple[DeviceFile, ScrutineerDevice]] = {}
    with session_scope(engine) as db:
        params = ceremony.ceremony_params(db, session_id)
        done = set(ceremony.commitments(db, session_id))
        for index in range(1, n + 1):
            file = _load(data_dir, session_id, index)
            device = ScrutineerDevice(index, file.name, rng, keys=file.keys)
            state = file.session(DEMO_SERVER, session_id)
            if state is not None:
                device.restore(state.device)
                if state.step == "committed" and index not in done:
                    assert state.commitment is not None  # saved before it was first sent
                    ceremony.post_commitment(db, session_id,
                                             SignedMessage.from_json(state.commitment))
            elif index in done:
                raise NotReady(f"scrutineer {index} committed without this demo's device file")
            else:
                message = device.commit(params)
                state = SessionState(DEMO_SERVER, session_id, index, params.ceremony_id,
                                     params.n, params.k, "committed", device.state(),
                                     message.to_json())
                file = file.with_session(state)
                _save(data_dir, session_id, index, file, rng)
                ceremony.post_commitment(db, session_id, message)
            devices[index] = (file, device)
    with session_scope(engine) as db:
        found = ceremony.commitments(db, session_id)
        keys = ceremony.transport_keys(db, session_id)
        for index, (file, device) in devices.items():
            state = file.session(DEMO_SERVER, session_id)
            assert state is not None
            if state.step == "committed":
                for signed in device.sealed_share_messages(params, keys):
                    ceremony.post_sealed_share(db, session_id, signed)
                file = file.with_session(state.advance("shares_sent", device.state()))
                _save(data_dir, session_id, index, file, rng)
                devices[index] = (file, device)
    result = finish_ceremony(params, found.values())
    with session_scope(engine) as db:
        for index, (file, device) in devices.items():
            state = file.session(DEMO_SERVER, session_id)
            assert state is not None
            if state.step == "shares_sent":
                device.receive_shares(params, found, ceremony.sealed_shares_for(db, session_id,
                                                                                 index))
                device.check_share(result)
                file = file.with_session(state.advance(
                    "done", device.state(), public_key=result.public_key.hex(),
                    ceremony_hash=result.ceremony_hash.hex()))
                _save(data_dir, session_id, index, file, rng)
        row = db.get(KeyCeremonyRow, session_id)
        assert row is not None
        if row.result is None:
            ceremony.complete_ceremony(db, session_id, actor)
    return result.public_key.hex()


def _demo_device(data_dir: Path, session_id: int, index: int, rng: Rng) -> ScrutineerDevice:
    file = _load(data_dir, session_id, index)
    state = file.session(DEMO_SERVER, session_id)
    if state is None or state.step != "done":
        raise NotReady(f"demo scrutineer {index} has not finished the key ceremony")
    device = ScrutineerDevice(index, file.name, rng, keys=file.keys)
    device.restore(state.device)
    return device


def demo_decrypt(engine: Engine, data_dir: Path, session_id: int, slug: str,
                 rng: Rng) -> list[int]:
    """Decryption shares from demo scrutineers 1, 2, … until the vote is counted."""
    given: list[int] = []
    with session_scope(engine) as db:
        vote = repository.get_vote(db, session_id, slug)
        require_state(vote, VoteState.CLOSED)
        params = ceremony.ceremony_params(db, session_id)
        have = {int(s) for s in db.exec(select(DecryptionShareRow.scrutineer)
                                        .where(DecryptionShareRow.vote_id == vote.id)).all()}
    for index in range(1, params.n + 1):
        if index in have:
            continue
        device = _demo_device(data_dir, session_id, index, rng)
        with session_scope(engine, immediate=True) as db:
            vote = repository.get_vote(db, session_id, slug)
            if vote.state != VoteState.CLOSED:
                break
            result, _ = ceremony.ceremony_result(db, session_id)
            message = device.decryption_share(vote_service.election_context(db, vote), result,
                                              vote_service.aggregate_of(db, vote))
            counted = vote_service.submit_decryption_share(db, vote, message,
                                                           f"scrutineer-{index} (demo)")
        given.append(index)
        if counted:
            break
    return given


def demo_sign(engine: Engine, data_dir: Path, session_id: int, slug: str,
              rng: Rng) -> list[str]:
    """Signatures on the counted result from every demo scrutineer whose share is in it."""
    with session_scope(engine) as db:
        vote = repository.get_vote(db, session_id, slug)
        require_state(vote, VoteState.COUNTED)
        payload, _ = vote_service.pending_payload(db, vote)
        takers = [int(s) for s in db.exec(select(DecryptionShareRow.scrutineer)
                                          .where(DecryptionShareRow.vote_id == vote.id)).all()]
        outcome = db.get(VoteOutcome, vote.id)
        signed = {s["signer"] for s in outcome.signatures} if outcome else set()
        done: list[str] = []
        for index in sorted(takers):
            signer = f"scrutineer-{index}"
            if signer in signed:
                continue
            device = _demo_device(data_dir, session_id, index, rng)
            vote_service.add_scrutineer_signature(db, vote, device.sign_certificate(payload),
                                                  f"{signer} (demo)")
            done.append(signer)
    return done
