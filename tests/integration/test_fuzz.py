"""Fuzzing the running server (a real `voting serve` process on SQLite).

- Crafted crypto input to the cast endpoint — the identity, small-order, mixed-order and
  non-canonical points, scalars ≥ L, a proof or a ballot from another vote, oversized and
  deeply nested bodies — is refused with a 4xx in the one error shape, nothing is stored,
  and the card still works afterwards.
- Schemathesis generates requests for every operation of the server's own OpenAPI schema
  (with the operator's token, and half the time the real session and vote): no 5xx, and
  every refusal is well-formed JSON. Bounded: a few examples per operation, < 60 s.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tally.group import L
from tests.integration.hall import Hall, hall, served
from voting.api.auth import operator_token
from voting.hall_client import ServedProcess, encrypt_ballots
from voting.rehearsal import OpenVote, check_board
from voting.settings import Settings

IDENTITY = "01" + "00" * 31
SMALL_ORDER = [
    "ec" + "ff" * 30 + "7f",  # order 2: (0, -1)
    "00" * 32,  # order 4
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
]
MIXED_ORDER = "98519eadf35b995233b51b5cd23e9cc5a28b639b5a4af0ec903cb960d81b7819"  # G + T8
NON_CANONICAL = ["ed" + "ff" * 30 + "7f", "ee" + "ff" * 30 + "7f"]  # y = p, y = p + 1
NOT_A_POINT = "02" + "00" * 31
BIG_SCALARS = [L.to_bytes(32, "little").hex(), (L + 1).to_bytes(32, "little").hex(),
               "ff" * 32]
FUZZ_SECONDS = 40


@dataclass
class Served:
    hall: Hall
    other: OpenVote
    server: ServedProcess
    ballot: dict[str, Any]
    foreign: dict[str, Any]
    log: Path


@pytest.fixture(scope="module")
def served_hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{root / 'voting.db'}"
    with hall(url, cards=3) as h:
        other = h.rehearsal.open_vote("other-vote", cards=1, options=5, select_max=3)
        ballot = encrypt_ballots(h.vote, 1, processes=1)[0]
        foreign = encrypt_ballots(other, 1, processes=1)[0]
        with served(url, root, env={"VOTING_CARD_ATTEMPTS_PER_MINUTE": "100000"}) as server:
            yield Served(h, other, server, ballot, foreign, root / "server.log")


def assert_refusal(response: httpx.Response | Any, what: str) -> None:
    """A 4xx answer in the one error shape of voting/errors.py."""
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.text}"
    body = response.json()
    assert set(body) == {"error"}, f"{what}: {body}"
    error = body["error"]
    assert set(error) == {"code", "message", "message_zh", "message_en", "details"}, what
    assert all(isinstance(error[k], str) and error[k] for k in
               ("code", "message", "message_zh", "message_en")), what
    assert isinstance(error["details"], dict), what


def _crafted(ballot: dict[str, Any], foreign: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(name, ballot) pairs, each breaking one thing the ballot box must check."""
    def edit(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
        doc = copy.deepcopy(ballot)
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return doc

    alpha = ("selections", 0, "ciphertext", "alpha")
    beta = ("selections", 1, "ciphertext", "beta")
    response = ("selections", 0, "proof", "responses", 0)
    challenge = ("constraint_proofs", 0, "challenges", 0)
    yield "identity alpha", edit(alpha, IDENTITY)
    yield "identity beta", edit(beta, IDENTITY)
    for i, point in enumerate(SMALL_ORDER):
        yield f"small-order point {i}", edit(alpha, point)
    yield "mixed-order point", edit(beta, MIXED_ORDER)
    for i, point in enumerate(NON_CANONICAL):
        yield f"non-canonical point {i}", edit(alpha, point)
    yield "not a point", edit(alpha, NOT_A_POINT)
    yield "upper-case hex", edit(alpha, ballot["selections"][0]["ciphertext"]["alpha"].upper())
    for i, scalar in enumerate(BIG_SCALARS):
        yield f"scalar >= L in a response {i}", edit(response, scalar)
        yield f"scalar >= L in a challenge {i}", edit(challenge, scalar)
    yield "ballot of another vote", foreign
    yield "proof from another vote", edit(("selections", 0, "proof"),
                                          foreign["selections"][0]["proof"])
    yield "constraint proof from another vote", edit(("constraint_proofs",),
                                                     foreign["constraint_proofs"])
    yield "election hash of another vote", edit(("election_hash",), foreign["election_hash"])
    yield "one selection missing", edit(("selections",), ballot["selections"][:-1])
    yield "one selection too many", edit(("selections",), [*ballot["selections"],
                                                           ballot["selections"][0]])
    yield "3,000 selections", edit(("selections",), ballot["selections"] * 600)
    yield "no constraint proof", edit(("constraint_proofs",), [])
    yield "proof with 3 branches", edit(("selections", 0, "proof", "responses"),
                                        ballot["selections"][0]["proof"]["responses"] * 2)
    yield "extra field", {**ballot, "vote_for": "nobody"}
    yield "missing field", {k: v for k, v in ballot.items() if k != "selections"}
    yield "selections not a list", edit(("selections",), "all of them")
    yield "selection null", edit(("selections", 0), None)
    yield "number as point", edit(alpha, 7)
    yield "empty ballot", {}
    nested: Any = "x"
    for _ in range(400):
        nested = [nested]
    yield "nested 400 deep", edit(("selections",), nested)


def test_crafted_crypto_input_is_refused_and_nothing_stored(served_hall: Served) -> None:
    s = served_hall
    vote, card = s.hall.vote, s.hall.vote.cards[0]
    url = s.server.base_url + vote.cast_path
    refused: dict[str, int] = {}
    with httpx.Client(timeout=30) as client:
        for name, ballot in _crafted(s.ballot, s.foreign):
            answer = client.post(url, json={"card": card, "ballot": ballot})
            assert_refusal(answer, name)
            refused[name] = answer.status_code
        raw_bodies = {
            "oversized body (300 KiB)": json.dumps({"card": card, "ballot": s.ballot,
                                                   "pad": "x" * 300_000}).encode(),
            "nested 100,000 deep": b'{"card": "' + card.encode() + b'", "ballot": {"a": '
                                   + b"[" * 100_000 + b"]" * 100_000 + b"}}",
            "not JSON": b"\x00\xff not json",
            "JSON but not an object": b"[1, 2, 3]",
            "card of 10,000 characters": json.dumps({"card": "A" * 10_000,
                                                    "ballot": s.ballot}).encode(),
        }
        for name, raw in raw_bodies.items():
            answer = client.post(url, content=raw, headers={"content-type": "application/json"})
            assert_refusal(answer, name)
            refused[name] = answer.status_code

        def chunks() -> Iterator[bytes]:
            for _ in range(40):
                yield b" " * 10_000  # 400 kB with no Content-Length (chunked)

        chunked = client.post(url, content=chunks(), headers={"content-type": "application/json"})
        assert_refusal(chunked, "oversized chunked body")
        refused["oversized chunked body"] = chunked.status_code
        assert refused["oversized body (300 KiB)"] == refused["oversized chunked body"] == 413

        board = check_board(s.hall.engine, vote, [])
        assert board.entries == 0 and board.spent == 0, "a refused cast left a trace"
        # The card was not burnt by any of it.
        accepted = client.post(url, json={"card": card, "ballot": s.ballot})
        assert accepted.status_code == 201, accepted.text
    print(f"crafted inputs refused: {len(refused)}; statuses "
          f"{sorted(set(refused.values()))}")
    assert "Traceback" not in s.log.read_text(errors="replace")


def test_a_permuted_copy_of_a_board_ballot_is_refused(served_hall: Served) -> None:
    """Found by this fuzzing, fixed in the crypto spec (§8.1): each proof now binds the
    ballot's ciphertexts and its place, so reordered selections no longer verify — they
    would otherwise replay a deputy's choices on other options with any stolen card."""
    s = served_hall
    url = s.server.base_url + s.hall.vote.cast_path
    with httpx.Client(timeout=30) as client:
        copied = {**s.ballot, "selections": s.ballot["selections"][::-1]}
        answer = client.post(url, json={"card": s.hall.vote.cards[2], "ballot": copied})
    assert_refusal(answer, "permuted copy")


def _fuzz(operation: Any, base: str, headers: dict[str, str], real: dict[str, Any],
          calls: dict[int, int]) -> None:
    """A few generated requests for one operation; ids replaced by ``real`` half the time."""

    @settings(max_examples=15, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), real_ids=st.booleans())
    def check(case: Any, real_ids: bool) -> None:
        if real_ids and case.path_parameters:
            for name, value in real.items():
                if name in case.path_parameters:
                    case.path_parameters[name] = value
        response = case.call(base_url=base, headers=headers, timeout=30)
        calls[response.status_code] = calls.get(response.status_code, 0) + 1
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path}: {response.status_code} "
            f"{response.text[:300]}")
        if response.status_code >= 400:
            assert_refusal(response, f"{case.method} {case.formatted_path}")

    check()


def test_schemathesis_finds_no_server_error(served_hall: Served) -> None:
    s = served_hall
    base = s.server.base_url
    token = operator_token(Settings(mode="production", secret_key=s.server.secret_key,
                                    database_url="sqlite://"))
    headers = {"authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(base + "/openapi.json")
    real = {"session_id": s.hall.vote.session_id, "slug": s.other.slug}
    deadline = time.monotonic() + FUZZ_SECONDS
    calls: dict[int, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        if time.monotonic() > deadline:
            break
        # Printing 10,000 cards is a legitimate, slow request; fuzz it on made-up ids only.
        ids = real if not operation.path.endswith("/cards") else {}
        _fuzz(operation, base, headers, ids, calls)
    print(f"schemathesis: {sum(calls.values())} requests over {len(operations)} operations, "
          f"statuses {dict(sorted(calls.items()))}")
    assert "Traceback" not in s.log.read_text(errors="replace")
