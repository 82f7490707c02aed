"""What every answer of the service gets on the hall network, in one ASGI middleware:

- a Content-Security-Policy: scripts, styles, images and connections from our own origin
  only, no inline script, no third-party origin, no framing;
- behind TLS (``VOTING_TLS=1``, uvicorn's own certificate, or ``https`` forwarded by a
  trusted proxy): ``Strict-Transport-Security`` and ``Secure`` on every cookie;
- a request body limit (``VOTING_MAX_BODY_BYTES``, 256 KiB; multipart uploads of roster and
  candidate files ``VOTING_MAX_UPLOAD_BYTES``, 4 MiB): 413 before the body is read;
- a per-device limit on refused card attempts (``VOTING_CARD_ATTEMPTS_PER_MINUTE``): a
  tablet that keeps trying cards that are refused is made to wait (429), so nobody can try
  card codes at the speed of the network. A deputy with a good card is never charged.

The limiter is a token bucket per client address, in this process. With N worker
processes a device gets up to N times the rate; the card space (2^128) makes guessing
hopeless anyway: the limit is there to slow a misbehaving tablet down and to show it in
the logs. A deployment that wants one shared limit puts it in the reverse proxy.

Refusals answer in the service's one error shape (voting/errors.py).
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voting.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    RequestTooLarge,
    TooManyCardAttempts,
    error_body,
)
from voting.i18n import request_lang
from voting.settings import Settings

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DOCS_CONTENT_SECURITY_POLICY",
    "HSTS",
    "CardAttemptLimiter",
    "HardeningMiddleware",
    "install_hardening",
]

_log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
#: FastAPI's /docs and /redoc pages load their viewer from a CDN with an inline bootstrap
#: script. They are developer pages, useless on the offline hall network; rather than ship
#: a copy of the viewer, only these two paths get this weaker policy. Nothing a deputy,
#: the secretariat or the projector uses is served under them.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=63072000; includeSubDomains"

#: The cast route: a 403 here is a refused card (operator routes answer 401).
_CAST_PATH = re.compile(r"^/api/sessions/[^/]+/votes/[^/]+/ballots/?$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class CardAttemptLimiter:
    """Token buckets per client address: ``per_minute`` refused attempts, refilled evenly.

    At most ``max_devices`` addresses are remembered (least recently charged dropped first),
    so a flood of addresses costs bounded memory.
    """

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    max_devices: int = 10_000
    _buckets: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict)

    def _refilled(self, device: str, now: float) -> _Bucket | None:
        bucket = self._buckets.get(device)
        if bucket is not None:
            rate = self.per_minute / 60.0
            bucket.tokens = min(float(self.per_minute),
                                bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
        return bucket

    def wait_seconds(self, device: str) -> int:
        """0 when ``device`` may try a card now; otherwise whole seconds until it may."""
        bucket = self._refilled(device, self.clock())
        if bucket is None or bucket.tokens >= 1.0:
            return 0
        return max(1, math.ceil((1.0 - bucket.tokens) * 60.0 / self.per_minute))

    def charge(self, device: str) -> None:
        """One refused attempt by ``device``."""
        now = self.clock()
        bucket = self._refilled(device, now)
        if bucket is None:
            bucket = self._buckets[device] = _Bucket(float(self.per_minute), now)
        bucket.tokens = max(0.0, bucket.tokens - 1.0)
        self._buckets.move_to_end(device)
        while len(self._buckets) > self.max_devices:
            self._buckets.popitem(last=False)


class HardeningMiddleware:
    """Security headers, body limit and card-attempt limit for every HTTP request."""

    def __init__(self, app: ASGIApp, settings: Settings,
                 limiter: CardAttemptLimiter | None = None) -> None:
        self.app = app
        self.tls = settings.serves_tls
        self.max_body = settings.max_body_bytes
        self.max_upload = settings.max_upload_bytes
        self.limiter = limiter or CardAttemptLimiter(settings.card_attempts_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = self.tls or scope.get("scheme") == "https"
        path: str = scope.get("path", "")
        policy = (DOCS_CONTENT_SECURITY_POLICY if path.startswith(_DOCS_PATHS)
                  else CONTENT_SECURITY_POLICY)
        is_cast = scope.get("method") == "POST" and _CAST_PATH.match(path) is not None
        device = (scope.get("client") or ("unknown", 0))[0]

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", policy)
                if secure:
                    headers.setdefault("strict-transport-security", HSTS)
                    _secure_cookies(headers)
                if is_cast and message["status"] == 403:
                    self.limiter.charge(device)
            await send(message)

        if is_cast:
            wait = self.limiter.wait_seconds(device)
            if wait:
                _log.warning("card attempts from %s refused for %d s", device, wait)
                await _refuse(scope, receive, send_hardened, TooManyCardAttempts(wait),
                              {"retry-after": str(wait)})
                return
        if scope.get("method") in _BODY_METHODS:
            bounded = await self._bounded(scope, receive, send_hardened)
            if bounded is None:
                return
            receive = bounded
        await self.app(scope, receive, send_hardened)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """``receive`` for a body within the limit, or None once 413 has been answered.

        A declared length is checked before reading. Without one (chunked), the body is read
        here up to the limit and replayed to the app.
        """
        headers = Request(scope).headers
        upload = headers.get("content-type", "").startswith("multipart/form-data")
        limit = self.max_upload if upload else self.max_body
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > limit:
                await _refuse(scope, receive, send, RequestTooLarge(limit))
                return None
            return receive
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(scope, receive, send, RequestTooLarge(limit))
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks),
                                  "more_body": False}]

        async def replayed() -> Message:
            return replay.pop() if replay else await receive()

        return replayed


def _secure_cookies(headers: MutableHeaders) -> None:
    cookies = headers.getlist("set-cookie")
    if not cookies:
        return
    del headers["set-cookie"]
    for cookie in cookies:
        if "secure" not in [part.strip().lower() for part in cookie.split(";")]:
            cookie += "; Secure"
        headers.append("set-cookie", cookie)


async def _refuse(scope: Scope, receive: Receive, send: Send, error: DomainError,
                  headers: dict[str, str] | None = None) -> None:
    response = JSONResponse(error_body(error, request_lang(Request(scope))),
                            status_code=error.http_status, headers=headers)
    await response(scope, receive, send)


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    # A number the database cannot hold (an id beyond 64 bits): the request is invalid, not
    # the server broken.
    error = InvalidInput(reason="value out of range")
    return JSONResponse(error_body(error, request_lang(request)), status_code=error.http_status)


async def _unique_clash(request: Request, exc: Exception) -> JSONResponse:
    # A write that breaks a unique key (the same scrutineer index twice, two racing
    # requests): the database refused it, so nothing changed; the client gets 409, not 500.
    _log.warning("unique constraint on %s %s: %s", request.method, request.url.path,
                 str(getattr(exc, "orig", exc)).splitlines()[0])
    error = Conflict("entry", "unique key")
    return JSONResponse(error_body(error, request_lang(request)), status_code=error.http_status)


def install_hardening(app: FastAPI, settings: Settings) -> None:
    """Add the middleware, and the handlers that keep database refusals out of the 5xx."""
    app.add_middleware(HardeningMiddleware, settings=settings)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(IntegrityError, _unique_clash)
