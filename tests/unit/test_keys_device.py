"""A scrutineer's device: saved and restored state, the sealed device file, signed
requests, and ``keys init`` / ``keys show``."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from keys.cli import Environment, main
from keys.device_file import (
    DeviceFile,
    SessionState,
    load_device,
    read_public_device,
    save_device,
)
from keys.device_flows import FlowError, check_tally
from keys.request_auth import (
    MAX_SKEW_SECONDS,
    RequestAuthError,
    parse_authorization,
    sign_request,
    verify_request,
)
from keys.scrutineer import DeviceKeys, DeviceState, ScrutineerDevice
from keys.storage import KeyStoreError, ScryptParams
from tally.ballot import EncryptedBallot, encrypt_ballot, mark_motion
from tally.board import BoardEntry, BoardError, ballot_hash, next_entry
from tally.certificate import public_key_hex
from tally.decryption import aggregate
from tally.errors import InvalidShare
from tally.key_ceremony import CeremonyParams, CommitmentMessage, finish_ceremony
from tally.rng import seeded_rng
from tests.fixtures import Setup

FAST = ScryptParams(n=2**14)


def _ceremony(devices: list[ScrutineerDevice], params: CeremonyParams,
              restart: bool) -> None:
    """Every round; with ``restart``, each device is saved and rebuilt between rounds."""
    commitments = {d.index: CommitmentMessage.from_json(d.commit(params).body) for d in devices}

    def again(d: ScrutineerDevice) -> ScrutineerDevice:
        if not restart:
            return d
        state = DeviceState.from_json(json.loads(json.dumps(d.state().to_json())))
        fresh = ScrutineerDevice(d.index, d.name, seeded_rng(b"other"), keys=d.device_keys)
        fresh.restore(state)
        return fresh

    devices[:] = [again(d) for d in devices]
    keys = {d.index: d.transport_public for d in devices}
    sealed: dict[int, dict[int, bytes]] = {d.index: {} for d in devices}
    for d in devices:
        for recipient, blob in d.sealed_shares(params, keys).items():
            sealed[recipient][d.index] = blob
    devices[:] = [again(d) for d in devices]
    for d in devices:
        d.receive_shares(params, commitments, sealed[d.index])
    devices[:] = [again(d) for d in devices]
    result = finish_ceremony(params, commitments.values())
    for d in devices:
        d.check_share(result)


def test_a_device_resumes_from_its_saved_state() -> None:
    params = CeremonyParams("resume", 3, 2)
    rng = seeded_rng(b"resume")
    devices = [ScrutineerDevice(i, f"监票人{i}", rng) for i in (1, 2, 3)]
    _ceremony(devices, params, restart=True)
    assert all(d.has_secret_share and d.state().polynomial is None for d in devices)
    assert "hidden" in repr(devices[0].state()) and "secret" not in repr(devices[0])


def test_keys_given_or_drawn_from_rng() -> None:
    drawn = ScrutineerDevice(1, "a", seeded_rng(b"k"))
    keys = DeviceKeys.generate(seeded_rng(b"k"))
    given = ScrutineerDevice(1, "a", seeded_rng(b"unused"), keys=keys)
    assert drawn.signing_public == given.signing_public
    assert drawn.transport_public == given.transport_public
    restored = DeviceKeys.from_private_bytes(*keys.private_bytes())
    assert public_key_hex(restored.signing_key) == public_key_hex(keys.signing_key)
    with pytest.raises(ValueError):
        given.restore(DeviceState(2))
    with pytest.raises(InvalidShare):
        given.check_share(finish_ceremony(CeremonyParams("x", 1, 1), [
            CommitmentMessage.from_json(drawn.commit(CeremonyParams("x", 1, 1)).body)]))


def test_device_state_json_is_checked() -> None:
    for bad in ({}, {"index": 0, "polynomial": None, "secret_share": None},
                {"index": 1, "polynomial": "ab", "secret_share": None}):
        with pytest.raises(ValueError):
            DeviceState.from_json(bad)


def _device(tmp_path: Path) -> tuple[Path, DeviceFile]:
    device = DeviceFile("王监票", DeviceKeys.generate(seeded_rng(b"file")))
    path = tmp_path / "device.json"
    save_device(path, device, "a long passphrase", rng=seeded_rng(b"salt"), params=FAST)
    return path, device


def test_device_file_round_trip(tmp_path: Path) -> None:
    path, device = _device(tmp_path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert read_public_device(path) == device.public
    text = path.read_text(encoding="utf-8")
    signing, transport = device.keys.private_bytes()
    assert signing.hex() not in text and transport.hex() not in text
    state = SessionState("http://x", 3, 2, "cid", 3, 2, "committed", DeviceState(2), {"a": 1})
    save_device(path, device.with_session(state), "a long passphrase",
                rng=seeded_rng(b"salt2"), params=FAST, overwrite=True)
    opened = load_device(path, "a long passphrase")
    assert opened.session("http://x/", 3) == state
    assert opened.public == device.public
    with pytest.raises(KeyStoreError, match="passphrase"):
        load_device(path, "wrong passphrase")


def test_device_file_tampering_and_demo(tmp_path: Path) -> None:
    path, _ = _device(tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    other = DeviceFile("x", DeviceKeys.generate(seeded_rng(b"other"))).public
    for field, value in (("name", "李监票"), ("signing_key", other.signing_key.hex())):
        altered = tmp_path / f"altered-{field}.json"
        altered.write_text(json.dumps({**doc, field: value}), encoding="utf-8")
        altered.chmod(0o600)
        with pytest.raises(KeyStoreError):
            load_device(altered, "a long passphrase")
    demo = tmp_path / "demo.json"
    save_device(demo, DeviceFile("演示", DeviceKeys.generate(seeded_rng(b"d"))), "",
                rng=seeded_rng(b"s"), allow_demo=True)
    with pytest.raises(KeyStoreError, match="demo"):
        load_device(demo, "")
    assert load_device(demo, "", allow_demo=True).name == "演示"
    with pytest.raises(KeyStoreError):
        save_device(tmp_path / "nodemo.json", DeviceFile("x", DeviceKeys.generate(
            seeded_rng(b"e"))), "", rng=seeded_rng(b"s"))


def test_signed_requests() -> None:
    keys = DeviceKeys.generate(seeded_rng(b"req"))
    public = bytes.fromhex(public_key_hex(keys.signing_key))
    header = sign_request(keys.signing_key, 7, 2, "post", "/api/sessions/7/x", "", b"{}", 1000)
    creds = parse_authorization(header)
    assert (creds.index, creds.ts) == (2, 1000)
    verify_request(creds, public, 7, "POST", "/api/sessions/7/x", "", b"{}", 1000 + 60)
    wrong = [
        (8, "POST", "/api/sessions/7/x", "", b"{}", 1000),  # another session
        (7, "GET", "/api/sessions/7/x", "", b"{}", 1000),  # another method
        (7, "POST", "/api/sessions/7/y", "", b"{}", 1000),  # another route
        (7, "POST", "/api/sessions/7/x", "a=1", b"{}", 1000),  # another query
        (7, "POST", "/api/sessions/7/x", "", b"{ }", 1000),  # another body
        (7, "POST", "/api/sessions/7/x", "", b"{}", 1000 + MAX_SKEW_SECONDS + 1),  # stale
    ]
    for session, method, path, query, body, now in wrong:
        with pytest.raises(RequestAuthError):
            verify_request(creds, public, session, method, path, query, body, now)
    for bad in ("Bearer x", "Scrutineer index=0,ts=1,sig=" + "0" * 128, header + " x"):
        with pytest.raises(RequestAuthError):
            parse_authorization(bad)


def _env(out: io.StringIO) -> Environment:
    return Environment(rng=seeded_rng(b"cli"), clock=lambda: 0.0, sleep=lambda s: None,
                       transport=lambda *a: (500, b""), out=out, ask=lambda p: "",
                       ask_secret=lambda p: "", scrypt=FAST)


def test_keys_init_and_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVICE_PASS", "a long passphrase")
    out = io.StringIO()
    path = tmp_path / "me.json"
    assert main(["init", str(path), "--name", "赵监票", "--passphrase-env", "DEVICE_PASS"],
                _env(out)) == 0
    handed = json.loads(out.getvalue().strip().splitlines()[-1])
    assert handed["name"] == "赵监票" and len(handed["signing_key"]) == 64
    assert "passphrase" not in out.getvalue()
    out2 = io.StringIO()
    assert main(["show", str(path)], _env(out2)) == 0
    assert out2.getvalue().strip().splitlines()[-1] == out.getvalue().strip().splitlines()[-1]
    # No overwriting a device file by accident.
    assert main(["init", str(path), "--name", "x", "--passphrase-env", "DEVICE_PASS"],
                _env(io.StringIO())) == 1
    monkeypatch.setenv("DEVICE_PASS", "short")
    assert main(["init", str(tmp_path / "b.json"), "--name", "x", "--passphrase-env",
                 "DEVICE_PASS"], _env(io.StringIO())) == 0  # scripts choose their own
    asked = _env(io.StringIO())
    answers = iter(["a long passphrase", "another one!"])
    asked.ask_secret = lambda prompt: next(answers)
    assert main(["init", str(tmp_path / "c.json"), "--name", "x"], asked) == 1


def test_a_device_decrypts_only_the_sum_of_the_whole_board(setup: Setup) -> None:
    """A dishonest server asking to decrypt one ballot instead of the tally is caught."""
    ctx = setup.motion
    rng = seeded_rng(b"board")
    ballots = [encrypt_ballot(ctx, mark_motion(ctx.manifest, choice), rng)[0].to_json()
               for choice in ("yes", "no", "yes")]
    entries: list[BoardEntry] = []
    head = ctx.election_hash
    for seq, ballot in enumerate(ballots, 1):
        entries.append(next_entry(ctx.election_hash, head, seq, ballot, ballot_hash(ballot)))
        head = entries[-1].entry_hash
    parsed = [EncryptedBallot.from_json(b) for b in ballots]
    total = aggregate(parsed)
    assert check_tally(ctx, entries, 3, total, verify_ballots=True) == head.hex()
    with pytest.raises(FlowError, match="not the sum"):
        check_tally(ctx, entries, 3, aggregate(parsed[:1]), verify_ballots=False)
    with pytest.raises(FlowError, match="cards were spent"):
        check_tally(ctx, entries, 4, total, verify_ballots=False)
    with pytest.raises(BoardError):
        check_tally(ctx, [entries[0], entries[2]], 2, total, verify_ballots=False)
