"""Drive a whole vote through the HTTP API, the way tests/integration/test_api_flow.py does,
as reusable steps: against Starlette's TestClient or a real server (any client with
``get``/``post`` answering ``status_code`` and ``json()``).

What has no HTTP route yet (creating a session and its roster, making ballot cards and
keeping their secrets) is written to the database directly, as the API flow test does.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from keys.request_auth import sign_request
from keys.scrutineer import ScrutineerDevice
from tally.election import ElectionContext
from tally.elgamal import Ciphertext
from tally.group import Point
from tally.key_ceremony import CeremonyParams, CeremonyResult, CommitmentMessage
from tally.manifest import Manifest
from tally.vote_spec import VoteSpec
from voting import repository
from voting.card_codes import encode_backup_code
from voting.cards import make_cards
from voting.db import session_scope
from voting.models import Deputy, SessionCreate
from voting.tablet import choices_for, encrypt_attempt

__all__ = ["Http", "SessionDriver", "create_session"]


class Http(Protocol):
    def get(self, url: str, **kwargs: Any) -> Any: ...
    def post(self, url: str, **kwargs: Any) -> Any: ...


def _ok(answer: Any, *codes: int) -> Any:
    assert answer.status_code in (codes or (200, 201)), answer.text
    return answer.json() if answer.headers.get("content-type", "").startswith(
        "application/json") else answer


def create_session(engine: Engine, deputies: int, scrutineers: int,
                   title: str = "测试镇第一届人民代表大会第一次会议") -> tuple[int, list[int]]:
    """A township session with ``deputies`` deputies, the first ``scrutineers`` scrutineers."""
    with session_scope(engine) as db:
        session = repository.create_session(db, SessionCreate(
            title=title, level="township", deputies_total=deputies))
        assert session.id is not None
        for i in range(1, deputies + 1):
            db.add(Deputy(session_id=session.id, name=f"代表{i}", delegation="一组",
                          seat=str(i), is_scrutineer=i <= scrutineers))
        db.flush()
        return session.id, [d.id for d in repository.list_deputies(db, session.id)
                            if d.id is not None]


@dataclass
class SessionDriver:
    """The secretariat, the scrutineers' devices and the tablets of one session."""

    http: Http
    engine: Engine
    operator: dict[str, str]
    session_id: int
    rng: Callable[[int], bytes]
    n: int = 3
    k: int = 2
    passphrase: str = field(default_factory=lambda: secrets.token_hex(8))
    devices: list[ScrutineerDevice] = field(default_factory=list)
    cards: dict[str, list[bytes]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/api/sessions/{self.session_id}"

    def _as(self, device: ScrutineerDevice, method: str, path: str,
            doc: Any | None = None) -> Any:
        """A request from ``device``, signed with its key as a scrutineer's device signs."""
        body = b"" if doc is None else json.dumps(doc).encode()
        headers = {"authorization": sign_request(device.signing_key, self.session_id,
                                                 device.index, method, path, "", body,
                                                 int(time.time()))}
        if method == "GET":
            return _ok(self.http.get(path, headers=headers))
        headers["content-type"] = "application/json"
        return _ok(self.http.post(path, headers=headers, content=body))

    def ceremony(self) -> None:
        """Scrutineer keys, the k-of-n ceremony, and the session's certification key."""
        self.devices = [ScrutineerDevice(i, f"代表{i}", self.rng) for i in range(1, self.n + 1)]
        for d in self.devices:
            _ok(self.http.post(f"{self.base}/scrutineers", headers=self.operator, json={
                "index": d.index, "name": d.name, "signing_key": d.signing_public.hex(),
                "transport_key": d.transport_public.hex()}))
        params = CeremonyParams.from_json(_ok(self.http.post(
            f"{self.base}/ceremony", headers=self.operator, json={"n": self.n, "k": self.k})))
        for d in self.devices:
            self._as(d, "POST", f"{self.base}/ceremony/commitments", d.commit(params).to_json())
        state = _ok(self.http.get(f"{self.base}/ceremony"))
        keys = {int(i): bytes.fromhex(key) for i, key in state["transport_keys"].items()}
        for d in self.devices:
            for message in d.sealed_share_messages(params, keys):
                self._as(d, "POST", f"{self.base}/ceremony/shares", message.to_json())
        commitments = {int(i): CommitmentMessage.from_json(c) for i, c in
                       _ok(self.http.get(f"{self.base}/ceremony"))["commitments"].items()}
        for d in self.devices:
            sealed = {int(s): bytes.fromhex(b) for s, b in
                      self._as(d, "GET", f"{self.base}/ceremony/shares/{d.index}").items()}
            d.receive_shares(params, commitments, sealed)
        _ok(self.http.post(f"{self.base}/ceremony/complete", headers=self.operator))
        _ok(self.http.post(f"{self.base}/certification-key", headers=self.operator,
                           json={"passphrase": self.passphrase}))

    def check_in(self, deputy_ids: Sequence[int]) -> None:
        for deputy_id in deputy_ids:
            _ok(self.http.post(f"{self.base}/attendance", headers=self.operator,
                               json={"deputy_id": deputy_id}))

    def define(self, slug: str, kind: str, title: str, cards: int, **extra: Any) -> None:
        """Define a vote, fix its keys, and make ``cards`` ballot cards (kept for casting)."""
        _ok(self.http.post(f"{self.base}/votes", headers=self.operator,
                           json={"slug": slug, "kind": kind, "title": title, **extra}))
        _ok(self.http.post(f"{self.base}/votes/{slug}/prepare", headers=self.operator))
        with session_scope(self.engine) as db:
            vote = repository.get_vote(db, self.session_id, slug)
            self.cards[slug] = make_cards(db, vote, cards, self.rng, "test")

    def issue(self, slug: str, count: int) -> None:
        for card in self.cards[slug][:count]:
            _ok(self.http.post(f"{self.base}/votes/{slug}/cards/issue", headers=self.operator,
                               json={"card": encode_backup_code(card)}))

    def open(self, slug: str) -> dict[str, Any]:
        return dict(_ok(self.http.post(f"{self.base}/votes/{slug}/open", headers=self.operator)))

    def ballot(self, slug: str, mark: object) -> dict[str, Any]:
        """An honest tablet's encrypted ballot for ``mark`` (see voting.tablet.choices_for)."""
        election = _ok(self.http.get(f"{self.base}/votes/{slug}/election"))
        ctx = ElectionContext(Manifest.from_json(election["manifest"]),
                              Point.from_hex(election["public_key"]),
                              bytes.fromhex(election["election_hash"]))
        spec = VoteSpec.from_json({"session": election["session"], "vote": election["vote"]})
        vector, valid = choices_for(spec, mark)
        return encrypt_attempt(ctx, vector, valid, self.rng).to_json()

    def cast(self, slug: str, card_index: int, mark: object,
             http: Http | None = None) -> Any:
        """Cast with card ``card_index``; answers the raw response (headers tell the worker)."""
        answer = (http or self.http).post(
            f"{self.base}/votes/{slug}/ballots",
            json={"card": encode_backup_code(self.cards[slug][card_index]),
                  "ballot": self.ballot(slug, mark)})
        assert answer.status_code == 201, answer.text
        return answer

    def close(self, slug: str) -> dict[str, Any]:
        return dict(_ok(self.http.post(f"{self.base}/votes/{slug}/close",
                                       headers=self.operator)))

    def decrypt(self, slug: str) -> None:
        """k scrutineers each give a decryption share; the k-th counts the vote."""
        base = f"{self.base}/votes/{slug}"
        election = _ok(self.http.get(f"{base}/election"))
        ctx = ElectionContext(Manifest.from_json(election["manifest"]),
                              Point.from_hex(election["public_key"]),
                              bytes.fromhex(election["election_hash"]))
        tally = _ok(self.http.get(f"{base}/tally"))
        aggregate = tuple(Ciphertext.from_json(c, allow_identity=True)
                          for c in tally["aggregate"])
        ceremony = CeremonyResult.from_json(_ok(self.http.get(f"{self.base}/ceremony"))
                                            ["result"])
        for d in self.devices[: self.k]:
            self._as(d, "POST", f"{base}/decryption-shares",
                     d.decryption_share(ctx, ceremony, aggregate).to_json())

    def certify(self, slug: str) -> dict[str, Any]:
        """Every scrutineer who decrypted signs, then the session key: certified."""
        base = f"{self.base}/votes/{slug}"
        payload = self._as(self.devices[0], "GET", f"{base}/certificate-payload")
        for d in self.devices[: self.k]:
            self._as(d, "POST", f"{base}/certificate-signatures",
                     d.sign_certificate(payload).to_json())
        return dict(_ok(self.http.post(f"{base}/certify", headers=self.operator,
                                       json={"passphrase": self.passphrase})))
