"""Scrutineer requests in tests: signed the way a scrutineer's device signs them
(keys/request_auth.py), sent through a Starlette TestClient."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from keys.client import Transport
from keys.request_auth import sign_request
from keys.scrutineer import ScrutineerDevice


def signed(client: TestClient, device: ScrutineerDevice, session_id: int, method: str,
           path: str, doc: Any | None = None) -> Response:
    """``method path`` with ``doc`` as JSON, signed by ``device`` for ``session_id``."""
    body = b"" if doc is None else json.dumps(doc).encode()
    header = sign_request(device.signing_key, session_id, device.index, method, path, "", body,
                          int(time.time()))
    headers = {"authorization": header}
    if doc is not None:
        headers["content-type"] = "application/json"
    return client.request(method, path, content=body or None, headers=headers)


def in_process_transport(client: TestClient) -> Transport:
    """A keys.client transport that talks to the app in process."""

    def send(method: str, url: str, body: bytes | None,
             headers: Mapping[str, str]) -> tuple[int, bytes]:
        answer = client.request(method, url, content=body, headers=dict(headers))
        return answer.status_code, answer.content

    return send
