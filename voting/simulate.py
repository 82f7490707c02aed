"""``voting simulate SCENARIO.json --out DIR`` (contract: shared/contract/simulate.md).

Runs whole elections through the service's own code: a real database (a temporary SQLite
file unless ``--database-url`` is given), the key ceremony between simulated scrutineer
devices, printed and issued ballot cards, tablet-side encryption, the ballot box, close,
k-of-n decryption, the counting rules, certification and the record export.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from keys.scrutineer import ScrutineerDevice
from tally.errors import TallyError
from tally.rng import seeded_rng
from tally.vote_spec import KINDS, THRESHOLD_RULES, SpecError, VoteSpec
from voting import cards as card_service
from voting import ceremony, vote_service
from voting.ballot_box import BallotBox
from voting.db import make_engine, migrate, session_scope
from voting.errors import BallotRejected, CardRejected
from voting.models import Attendance, CongressSession, Deputy, Vote
from voting.record_export import export_record
from voting.session_keys import create_session_key, unlock_session_key
from voting.tablet import choices_for, encrypt_attempt, minimal_valid

__all__ = ["ScenarioError", "add_parser", "run_scenario"]

Rng = Callable[[int], bytes]
ACTOR = "simulate"
_MARK_FIELD = {"selection": "select", "rating": "ratings", "motion": "choice"}


class ScenarioError(ValueError):
    """The scenario file is malformed; the message names the field."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ScenarioError(message)


def _int(doc: dict[str, Any], key: str, where: str, minimum: int = 0) -> int:
    value = doc.get(key)
    _require(type(value) is int and value >= minimum,
             f"{where}.{key} must be an integer ≥ {minimum}")
    return int(value)  # type: ignore[arg-type]


def parse_scenario(doc: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Check the scenario's shape; return its session and votes."""
    _require(isinstance(doc, dict), "scenario must be a JSON object")
    session, votes = doc.get("session"), doc.get("votes")
    _require(isinstance(session, dict), "session must be an object")
    _require(isinstance(votes, list), "votes must be a list")
    _require(isinstance(session.get("title"), str) and session["title"] != "",
             "session.title must be a non-empty string")
    total = _int(session, "deputies_total", "session", 1)
    present = _int(session, "deputies_present", "session")
    _require(present <= total, "session.deputies_present must not exceed deputies_total")
    scrutineers = session.get("scrutineers")
    _require(isinstance(scrutineers, dict), "session.scrutineers must be an object")
    n = _int(scrutineers, "count", "session.scrutineers", 1)
    k = _int(scrutineers, "threshold", "session.scrutineers", 1)
    _require(k <= n, "session.scrutineers.threshold must not exceed count")
    _require(n <= total, "session.scrutineers.count must not exceed deputies_total")
    seed = session.get("seed")
    _require(seed is None or type(seed) in (int, str), "session.seed must be an integer or string")
    seen: set[str] = set()
    for number, vote in enumerate(votes):
        where = f"votes[{number}]"
        _require(isinstance(vote, dict), f"{where} must be an object")
        _require(isinstance(vote.get("id"), str) and vote["id"] != "", f"{where}.id is required")
        _require(vote["id"] not in seen, f"{where}.id {vote['id']!r} is repeated")
        _require(_ID_PATTERN.match(vote["id"]) is not None,
                 f"{where}.id must match {_ID_PATTERN.pattern} (it names the record directory)")
        seen.add(vote["id"])
        _require(vote.get("kind") in KINDS, f"{where}.kind must be one of {', '.join(KINDS)}")
        _require(vote.get("threshold", "majority_of_all") in THRESHOLD_RULES,
                 f"{where}.threshold must be one of {', '.join(THRESHOLD_RULES)}")
        _int(vote, "cards_issued", where)
        if "replays" in vote:
            _int(vote, "replays", where)
        for key in ("select_min", "select_max"):
            if vote.get(key) is not None:
                _int(vote, key, where)
        _require(vote.get("title") is None or isinstance(vote["title"], str),
                 f"{where}.title must be a string")
        ballots = vote.get("ballots", [])
        _require(isinstance(ballots, list), f"{where}.ballots must be a list")
        field = _MARK_FIELD[vote["kind"]]
        for b_number, entry in enumerate(ballots):
            b_where = f"{where}.ballots[{b_number}]"
            _require(isinstance(entry, dict), f"{b_where} must be an object")
            _int(entry, "count", b_where)
            _require(field in entry, f"{b_where}.{field} is required for a {vote['kind']} vote")
        try:
            _spec_for(session, vote, present).manifest()
        except (TallyError, TypeError, ValueError) as exc:  # SpecError, InvalidManifest, …
            raise ScenarioError(f"{where}: {exc}") from exc
    return session, votes


def _spec_for(session: dict[str, Any], vote: dict[str, Any], present: int) -> VoteSpec:
    kind = vote["kind"]
    options = vote.get("options") if kind == "selection" else None
    items = vote.get("items") if kind == "rating" else None
    scale = vote.get("scale", ["满意", "基本满意", "不满意"]) if kind == "rating" else None
    for name, value in (("options", options), ("items", items), ("scale", scale)):
        if value is not None and not (isinstance(value, list)
                                      and all(isinstance(v, str) for v in value)):
            raise SpecError(f"vote.{name}", "must be a list of strings")
    return VoteSpec(
        session_title=session["title"],
        deputies_total=session["deputies_total"],
        deputies_present=present,
        vote_id=vote["id"],
        kind=kind,
        title=vote.get("title") or vote["id"],
        threshold=vote.get("threshold", "majority_of_all"),
        options=tuple(options) if options is not None else None,
        select_min=vote.get("select_min", 0) if kind == "selection" else None,
        select_max=vote.get("select_max") if kind == "selection" else None,
        items=tuple(items) if items is not None else None,
        scale=tuple(scale) if scale is not None else None,
    )


_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Simulation:
    """Every actor of one session, in one process, against one database."""

    def __init__(self, engine: Engine, session_doc: dict[str, Any], rng: Rng) -> None:
        self.engine = engine
        self.rng = rng
        self.shuffler = random.Random(rng(32))
        self.box = BallotBox(engine)
        self.passphrase = rng(16).hex()
        scrutineers = session_doc["scrutineers"]
        self.n, self.k = scrutineers["count"], scrutineers["threshold"]
        with session_scope(engine) as db:
            session = CongressSession(title=session_doc["title"], level="county",
                                      deputies_total=session_doc["deputies_total"],
                                      quorum=session_doc["deputies_total"] // 2 + 1)
            db.add(session)
            db.flush()
            assert session.id is not None
            self.session_id = session.id
            deputies = [
                Deputy(session_id=session.id, name=f"代表{i:04d}",
                       delegation=f"第{i % 9 + 1}代表团",
                       seat=f"{i:04d}", is_scrutineer=i <= self.n, is_chief_scrutineer=i == 1)
                for i in range(1, session_doc["deputies_total"] + 1)
            ]
            db.add_all(deputies)
            db.flush()
            for deputy in deputies[: session_doc["deputies_present"]]:
                assert deputy.id is not None
                db.add(Attendance(session_id=session.id, deputy_id=deputy.id, operator=ACTOR))
            create_session_key(db, session.id, self.passphrase, rng, ACTOR)
        self.devices = [ScrutineerDevice(i, f"代表{i:04d}", rng) for i in range(1, self.n + 1)]
        self._key_ceremony()

    def _key_ceremony(self) -> None:
        with session_scope(self.engine) as db:
            for device in self.devices:
                ceremony.register_scrutineer(db, self.session_id, device.index, device.name,
                                             device.signing_public, device.transport_public, ACTOR)
            params = ceremony.begin_ceremony(db, self.session_id, self.n, self.k, ACTOR)
        with session_scope(self.engine) as db:
            for device in self.devices:
                ceremony.post_commitment(db, self.session_id, device.commit(params))
        with session_scope(self.engine) as db:
            keys = ceremony.transport_keys(db, self.session_id)
            for device in self.devices:
                for message in device.sealed_share_messages(params, keys):
                    ceremony.post_sealed_share(db, self.session_id, message)
        with session_scope(self.engine) as db:
            commitments = ceremony.commitments(db, self.session_id)
            for device in self.devices:
                sealed = ceremony.sealed_shares_for(db, self.session_id, device.index)
                device.receive_shares(params, commitments, sealed)
            ceremony.complete_ceremony(db, self.session_id, ACTOR)

    def run_vote(self, vote_doc: dict[str, Any], out: Path) -> dict[str, Any]:
        with session_scope(self.engine) as db:
            spec = _spec_for(
                {"title": "", "deputies_total": 1}, vote_doc, 0
            )
            vote = Vote(session_id=self.session_id, slug=vote_doc["id"], kind=spec.kind,
                        title=spec.title, options=list(spec.options or spec.items or ()),
                        scale=list(spec.scale) if spec.scale else None,
                        select_min=spec.select_min, select_max=spec.select_max,
                        threshold_rule=spec.threshold)
            db.add(vote)
            db.flush()
            ctx = vote_service.prepare_vote(db, vote, ACTOR)
            card_secrets = card_service.make_cards(db, vote, vote_doc["cards_issued"], self.rng,
                                                   ACTOR)
            for secret in card_secrets:
                card_service.issue_card(db, vote, secret, ACTOR)
            vote_service.open_vote(db, vote, ACTOR)
            vote_pk = vote.id
            full_spec = vote_service.vote_spec(db, vote)
        assert vote_pk is not None

        attempts = [entry[_MARK_FIELD[spec.kind]] for entry in vote_doc.get("ballots", [])
                    for _ in range(entry["count"])]
        self.shuffler.shuffle(attempts)
        self.shuffler.shuffle(card_secrets)  # handed out like paper ballots
        refused, spent = 0, []
        for number, mark in enumerate(attempts):
            vector, valid = choices_for(full_spec, mark)
            if number >= len(card_secrets):
                refused += 1  # no card left for this deputy
                continue
            ballot = encrypt_attempt(ctx, vector, valid, self.rng)
            try:
                self.box.cast(vote_pk, card_secrets[number], ballot.to_json())
                spent.append(card_secrets[number])
            except BallotRejected:
                refused += 1
        replays_refused = 0
        for number in range(vote_doc.get("replays", 0)):
            # A fresh, valid ballot with a card that was already used: must be refused.
            card = spent[number % len(spent)] if spent else self.rng(16)
            ballot = encrypt_attempt(ctx, minimal_valid(ctx), True, self.rng)
            try:
                self.box.cast(vote_pk, card, ballot.to_json())
            except CardRejected:
                replays_refused += 1

        vote_service.close_vote(self.engine, vote_pk, ACTOR)
        participants = sorted(self.shuffler.sample(self.devices, self.k), key=lambda d: d.index)
        with session_scope(self.engine) as db:
            vote = _vote(db, vote_pk)
            aggregate = vote_service.aggregate_of(db, vote)
            ceremony_done, _ = ceremony.ceremony_result(db, self.session_id)
            for device in participants:
                message = device.decryption_share(ctx, ceremony_done, aggregate)
                vote_service.submit_decryption_share(db, vote, message, ACTOR)
        with session_scope(self.engine) as db:
            vote = _vote(db, vote_pk)
            payload, _ = vote_service.pending_payload(db, vote)
            for device in participants:
                vote_service.add_scrutineer_signature(db, vote, device.sign_certificate(payload),
                                                      ACTOR)
            key = unlock_session_key(db, self.session_id, self.passphrase)
            vote_service.certify(db, vote, key, ACTOR)
        with Session(self.engine) as db:
            vote = _vote(db, vote_pk)
            directory = out / vote_doc["id"]
            files = export_record(db, vote, directory)
        result = json.loads(files["result.json"])
        ordered: dict[str, Any] = {k: result.pop(k) for k in
                                   ("id", "kind", "status", "cards_issued", "ballots_cast")}
        ordered["ballots_refused"] = refused
        ordered["replays_refused"] = replays_refused
        ordered.update(result)
        ordered["record"] = str(directory)
        ordered["certificate_sha256"] = hashlib.sha256(files["certificate.json"]).hexdigest()
        return ordered


def _vote(db: Session, vote_pk: int) -> Vote:
    vote = db.get(Vote, vote_pk)
    assert vote is not None
    return vote


def run_scenario(doc: Any, out: Path, database_url: str | None = None) -> dict[str, Any]:
    """Run every vote of the scenario; return the contract's result document."""
    session_doc, votes = parse_scenario(doc)
    seed = session_doc.get("seed")
    rng = seeded_rng(str(seed).encode()) if seed is not None else secrets.token_bytes
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rendavote-sim-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'simulate.db'}"
        engine = make_engine(url)
        try:
            migrate(engine)
            simulation = Simulation(engine, session_doc, rng)
            return {"votes": [simulation.run_vote(vote, out) for vote in votes]}
        finally:
            engine.dispose()


def _run(args: argparse.Namespace) -> int:
    try:
        doc = json.loads(Path(args.scenario).read_text(encoding="utf-8"))
        result = run_scenario(doc, Path(args.out), args.database_url)
    except (OSError, ValueError) as exc:  # JSON and UTF-8 errors, ScenarioError
        message = " ".join(str(exc).split())  # one line, whatever the error held
        print(f"voting simulate: {message}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("simulate", help="run a scenario's elections end to end")
    parser.add_argument("scenario", help="scenario JSON (shared/contract/simulate.md)")
    parser.add_argument("--out", required=True, help="directory for the election records")
    parser.add_argument("--database-url", default=None,
                        help="database to run on (default: a temporary SQLite file)")
    parser.set_defaults(func=_run)
