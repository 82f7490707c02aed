"""A whole vote through the HTTP API, on SQLite and PostgreSQL: ceremony messages and
decryption shares from scrutineer devices, casts from a tablet, the operator's steps — and
no count in any answer until the result is certified."""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from keys.scrutineer import ScrutineerDevice
from tally.certificate import Signature
from tally.election import ElectionContext
from tally.elgamal import Ciphertext
from tally.group import Point
from tally.key_ceremony import CeremonyParams, CeremonyResult, CommitmentMessage
from tally.manifest import Manifest
from tally.rng import seeded_rng
from tally.verify import verify_record
from tests.scrutineer_http import signed as signed_request
from voting import repository
from voting.api.auth import operator_token
from voting.app import create_app
from voting.cards import make_cards
from voting.db import session_scope
from voting.models import Deputy, SessionCreate
from voting.settings import Settings
from voting.tablet import choices_for, encrypt_attempt

N, K = 3, 2


@pytest.fixture
def client(db_engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _no_counts(doc: Any) -> None:
    """No answer before certification may carry a count of votes."""
    text = json.dumps(doc)
    for word in ("counts", "elected", "result", "passed", "verdict"):
        assert f'"{word}"' not in text, f"{word} leaked: {text[:200]}"


def test_vote_through_the_api(client: TestClient, db_engine: Engine,
                              settings: Settings) -> None:
    rng = seeded_rng(b"api-flow")
    op = {"authorization": f"Bearer {operator_token(settings)}"}
    with session_scope(db_engine) as db:
        session = repository.create_session(db, SessionCreate(
            title="测试镇人大", level="township", deputies_total=5))
        assert session.id is not None
        sid = session.id
        for i in range(1, 6):
            db.add(Deputy(session_id=sid, name=f"代表{i}", delegation="一组", seat=str(i),
                          is_scrutineer=i <= N))
        db.flush()
        deputy_ids = [d.id for d in repository.list_deputies(db, sid)]

    # The operator API refuses without the operator's token.
    refused = client.post(f"/api/sessions/{sid}/ceremony", json={"n": N, "k": K})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "auth.operator_required"

    devices = [ScrutineerDevice(i, f"代表{i}", rng) for i in range(1, N + 1)]
    for d in devices:
        assert client.post(f"/api/sessions/{sid}/scrutineers", headers=op, json={
            "index": d.index, "name": d.name, "signing_key": d.signing_public.hex(),
            "transport_key": d.transport_public.hex()}).status_code == 201
    params = CeremonyParams.from_json(
        client.post(f"/api/sessions/{sid}/ceremony", headers=op, json={"n": N, "k": K}).json())
    signed = [d.commit(params).to_json() for d in devices]
    # Scrutineer messages need the scrutineer's signed request.
    unsigned = client.post(f"/api/sessions/{sid}/ceremony/commitments", json=signed[0])
    assert unsigned.status_code == 401
    # A commitment claiming another scrutineer's name is refused.
    forged = {**signed[0], "signer": 2}
    bad = signed_request(client, devices[1], sid, "POST",
                         f"/api/sessions/{sid}/ceremony/commitments", forged)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "scrutineer.message_rejected"
    for d, message in zip(devices, signed, strict=True):
        assert signed_request(client, d, sid, "POST", f"/api/sessions/{sid}/ceremony/commitments",
                              message).status_code == 201
    state = client.get(f"/api/sessions/{sid}/ceremony").json()
    keys = {int(i): bytes.fromhex(k) for i, k in state["transport_keys"].items()}
    for d in devices:
        for message in d.sealed_share_messages(params, keys):
            assert signed_request(client, d, sid, "POST", f"/api/sessions/{sid}/ceremony/shares",
                                  message.to_json()).status_code == 201
    commitments = {int(i): CommitmentMessage.from_json(c)
                   for i, c in client.get(f"/api/sessions/{sid}/ceremony").json()
                   ["commitments"].items()}
    for d in devices:
        sealed = {int(s): bytes.fromhex(b) for s, b in
                  signed_request(client, d, sid, "GET",
                                 f"/api/sessions/{sid}/ceremony/shares/{d.index}").json().items()}
        d.receive_shares(params, commitments, sealed)
    assert client.post(f"/api/sessions/{sid}/ceremony/complete", headers=op).status_code == 200
    passphrase = secrets.token_hex(8)
    assert client.post(f"/api/sessions/{sid}/certification-key", headers=op,
                       json={"passphrase": passphrase}).status_code == 201
    for deputy_id in deputy_ids[:4]:
        assert client.post(f"/api/sessions/{sid}/attendance", headers=op,
                           json={"deputy_id": deputy_id}).status_code == 201

    vote = client.post(f"/api/sessions/{sid}/votes", headers=op, json={
        "slug": "motion-1", "kind": "motion", "title": "关于测试的决议"}).json()
    base = f"/api/sessions/{sid}/votes/{vote['slug']}"
    assert client.post(f"{base}/prepare", headers=op).status_code == 200
    with session_scope(db_engine) as db:
        cards = make_cards(db, repository.get_vote(db, sid, "motion-1"), 4, rng, "test")
    for card in cards:
        assert client.post(f"{base}/cards/issue", headers=op,
                           json={"card": _typed(card)}).status_code == 200
    _no_counts(client.post(f"{base}/open", headers=op).json())

    election = client.get(f"{base}/election").json()
    ctx = ElectionContext(Manifest.from_json(election["manifest"]),
                          Point.from_hex(election["public_key"]),
                          bytes.fromhex(election["election_hash"]))
    from tally.vote_spec import VoteSpec
    spec = VoteSpec.from_json({"session": election["session"], "vote": election["vote"]})
    receipts = []
    for card, choice in zip(cards[:3], ["yes", "yes", "no"], strict=True):
        vector, valid = choices_for(spec, choice)
        ballot = encrypt_attempt(ctx, vector, valid, rng).to_json()
        answer = client.post(f"{base}/ballots", json={"card": _typed(card), "ballot": ballot})
        assert answer.status_code == 201, answer.text
        _no_counts(answer.json())
        receipts.append(answer.json())
        again = client.post(f"{base}/ballots", json={"card": _typed(card), "ballot": ballot})
        assert again.json() == answer.json()  # a retried cast is safe
    spent = client.post(f"{base}/ballots", json={"card": _typed(cards[0]), "ballot": ballot})
    unknown = client.post(f"{base}/ballots", json={"card": _typed(b"\x01" * 16),
                                                  "ballot": ballot})
    assert spent.status_code == unknown.status_code == 403
    assert spent.json() == unknown.json()  # one refusal for every bad card
    status = client.get(f"{base}/status").json()
    _no_counts(status)
    assert status["ballots_cast"] == 3 and status["deputies_present"] == 4
    found = client.get(f"{base}/board/{receipts[1]['tracking_code']}").json()
    assert found["seq"] == 2

    _no_counts(client.post(f"{base}/close", headers=op).json())
    tally = client.get(f"/api/sessions/{sid}/votes/motion-1/tally").json()
    _no_counts(tally)
    aggregate = tuple(Ciphertext.from_json(c, allow_identity=True) for c in tally["aggregate"])
    ceremony = CeremonyResult.from_json(client.get(f"/api/sessions/{sid}/ceremony")
                                        .json()["result"])
    answers = [signed_request(client, d, sid, "POST", f"{base}/decryption-shares",
                              d.decryption_share(ctx, ceremony, aggregate).to_json()).json()
               for d in devices[:K]]
    assert [a["counted"] for a in answers] == [False, True]
    _no_counts(client.get(f"{base}/status").json())  # counted, not yet certified
    assert client.get(f"{base}/certificate-payload").status_code == 401  # not public
    payload = signed_request(client, devices[0], sid, "GET", f"{base}/certificate-payload").json()
    for d in devices[:K]:
        signature: Signature = d.sign_certificate(payload)
        assert signed_request(client, d, sid, "POST", f"{base}/certificate-signatures",
                              signature.to_json()).status_code == 201
    wrong = client.post(f"{base}/certify", headers=op, json={"passphrase": "wrong"})
    assert wrong.status_code == 409
    done = client.post(f"{base}/certify", headers=op, json={"passphrase": passphrase}).json()
    assert done["state"] == "certified"
    assert done["result"]["counts"] == {"yes": 2, "no": 1, "abstain": 0}
    assert done["result"]["passed"] is False  # 2 < majority of all 5 deputies (3)

    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/record.zip").content))
    files = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
    verified = verify_record(files, workers=1)
    assert verified.ballots == 3 and verified.counts == (2, 1, 0)


def _typed(secret: bytes) -> str:
    from voting.card_codes import encode_backup_code

    return encode_backup_code(secret)
