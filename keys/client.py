"""A scrutineer device's HTTP client: JSON over the standard library, requests signed.

The transport is a plain callable so tests can hand in an in-process one; the default is
``urllib.request``. Nothing here knows the web framework on the other side.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys.request_auth import sign_request

__all__ = ["ScrutineerClient", "ServerError", "Transport", "urllib_transport"]

#: (method, absolute URL, body or None, headers) → (status, response body).
Transport = Callable[[str, str, bytes | None, Mapping[str, str]], tuple[int, bytes]]


class ServerError(Exception):
    """The server refused a request; ``code`` is its machine code (e.g. "state.not_ready")."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def urllib_transport(timeout: float = 30.0) -> Transport:
    def send(method: str, url: str, body: bytes | None,
             headers: Mapping[str, str]) -> tuple[int, bytes]:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("the server URL must be http:// or https://")
        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as exc:
            return int(exc.code), bytes(exc.read())

    return send


@dataclass
class ScrutineerClient:
    """Talks to one session on one server as scrutineer ``index`` (None until known)."""

    server: str
    session_id: int
    key: Ed25519PrivateKey
    clock: Callable[[], float]
    transport: Transport
    index: int | None = None

    def _url(self, path: str) -> str:
        return f"{self.server.rstrip('/')}/api/sessions/{self.session_id}{path}"

    def _send(self, method: str, path: str, doc: Any | None, signed: bool) -> Any:
        url = self._url(path)
        body = None if doc is None else json.dumps(doc, ensure_ascii=False).encode()
        headers = {"accept": "application/json", "accept-language": "zh-CN"}
        if body is not None:
            headers["content-type"] = "application/json"
        if signed:
            if self.index is None:
                raise RuntimeError("the scrutineer index is not known yet")
            parts = urlsplit(url)
            headers["authorization"] = sign_request(
                self.key, self.session_id, self.index, method, parts.path, parts.query,
                body or b"", int(self.clock()))
        status, raw = self.transport(method, url, body, headers)
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = None
        if status >= 400:
            error = answer.get("error", {}) if isinstance(answer, dict) else {}
            raise ServerError(status, str(error.get("code", f"http.{status}")),
                              str(error.get("message", raw[:200].decode(errors="replace"))))
        return answer

    def get(self, path: str, *, signed: bool = False) -> Any:
        return self._send("GET", path, None, signed)

    def post(self, path: str, doc: Any) -> Any:
        return self._send("POST", path, doc, True)
