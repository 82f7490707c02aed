"""voting/hardening.py: security headers, TLS-only headers, body limit, card-attempt limit."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tally.rng import seeded_rng
from voting.app import create_app
from voting.db import make_engine, migrate
from voting.hall_client import encrypt_ballots
from voting.hardening import (
    CONTENT_SECURITY_POLICY,
    DOCS_CONTENT_SECURITY_POLICY,
    HSTS,
    CardAttemptLimiter,
)
from voting.rehearsal import Rehearsal
from voting.settings import Settings


def _client(tmp_path: Path, **extra: object) -> TestClient:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    settings = Settings(database_url=url, mode="production",
                        secret_key=secrets.token_urlsafe(32), **extra)  # type: ignore[arg-type]
    return TestClient(create_app(settings))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path) as c:
        yield c


def test_csp_has_no_inline_script_and_no_other_origin(client: TestClient) -> None:
    policy = client.get("/api/sessions").headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in policy and "http" not in policy
    assert directives["frame-ancestors"] == "'none'"
    # Error answers carry it too.
    assert client.get("/no/such/page").headers["content-security-policy"] == policy


def test_only_the_docs_pages_get_the_weaker_policy(client: TestClient) -> None:
    assert client.get("/docs").headers["content-security-policy"] == \
        DOCS_CONTENT_SECURITY_POLICY
    assert client.get("/openapi.json").headers["content-security-policy"] == \
        CONTENT_SECURITY_POLICY


def test_no_hsts_and_plain_cookies_without_tls(client: TestClient) -> None:
    answer = client.get("/api/sessions?lang=en")
    assert "strict-transport-security" not in answer.headers
    assert "secure" not in answer.headers["set-cookie"].lower()


def test_hsts_and_secure_cookies_behind_tls(tmp_path: Path) -> None:
    with _client(tmp_path, tls=True) as tls_client:
        answer = tls_client.get("/api/sessions?lang=en")
    assert answer.headers["strict-transport-security"] == HSTS
    assert answer.headers["set-cookie"].rstrip().endswith("; Secure")


def test_https_scheme_alone_turns_them_on(client: TestClient) -> None:
    # What uvicorn sets when it holds the certificate or trusts the proxy's X-Forwarded-Proto.
    answer = client.get("https://testserver/api/sessions?lang=zh-CN")
    assert answer.headers["strict-transport-security"] == HSTS
    assert "; Secure" in answer.headers["set-cookie"]


def test_body_over_the_limit_is_413_in_the_error_shape(client: TestClient) -> None:
    path = "/api/sessions/1/votes/v/ballots"
    answer = client.post(path, content=b"x" * (256 * 1024 + 1),
                         headers={"content-type": "application/json"})
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error["code"] == "request.too_large" and error["details"] == {"limit": 262144}
    chunked = client.post(path, content=iter([b" " * 100_000] * 3),
                          headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    small = client.post(path, content=iter([b"{}"]), headers={"content-type":
                                                              "application/json"})
    assert small.status_code == 422  # read and replayed to the app
    # Roster and candidate files come as multipart uploads, with their own larger limit.
    upload = client.post("/api/sessions/1/roster", files={"file": ("r.csv", b"x" * 300_000)})
    assert upload.status_code != 413
    huge = client.post("/api/sessions/1/roster", files={"file": ("r.csv", b"x" * 5_000_000)})
    assert huge.status_code == 413 and huge.json()["error"]["details"] == {"limit": 4194304}


def test_refused_cards_from_one_device_are_slowed_down(tmp_path: Path) -> None:
    with _client(tmp_path, card_attempts_per_minute=3) as c:
        path = "/api/sessions/1/votes/v/ballots"
        # No such vote: 404 is not a refused card and costs nothing.
        assert {c.post(path, json={"card": "X", "ballot": {}}).status_code
                for _ in range(5)} == {404}
        engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
        vote = Rehearsal(engine, deputies=2, rng=seeded_rng(b"limit")).open_vote(
            "v", cards=2, options=3, select_max=1)
        engine.dispose()
        ballot = encrypt_ballots(vote, 1, processes=1)[0]
        forged = {"card": "0000-0000-0000-0000-0000-0000-0000", "ballot": ballot}
        statuses = [c.post(vote.cast_path, json=forged).status_code for _ in range(4)]
        assert statuses == [403, 403, 403, 429]
        waited = c.post(vote.cast_path, json={"card": vote.cards[0], "ballot": ballot})
        assert waited.status_code == 429  # even a good card waits: the device is suspect
        assert waited.json()["error"]["code"] == "card.too_many_attempts"
        assert int(waited.headers["retry-after"]) == 20
    limiter = CardAttemptLimiter(per_minute=3, clock=lambda: now)
    now = 100.0
    for _ in range(3):
        assert limiter.wait_seconds("10.0.0.7") == 0
        limiter.charge("10.0.0.7")
    assert limiter.wait_seconds("10.0.0.7") == 20  # one token back every 20 s
    assert limiter.wait_seconds("10.0.0.8") == 0  # another tablet is not affected
    now += 20.0
    assert limiter.wait_seconds("10.0.0.7") == 0


def test_the_limiter_remembers_a_bounded_number_of_devices() -> None:
    limiter = CardAttemptLimiter(per_minute=1, clock=lambda: 0.0, max_devices=100)
    for i in range(1000):
        limiter.charge(f"device-{i}")
    assert limiter.wait_seconds("device-999") > 0
    assert limiter.wait_seconds("device-0") == 0  # forgotten, oldest first
