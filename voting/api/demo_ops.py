"""DEMO ONLY: console buttons that run the session's scrutineer devices inside the server
(voting/demo_scrutineers.py), so one person can try a whole session. Outside demo mode
every route here refuses with ``demo.only``."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request

from voting.api.auth import Operator
from voting.api.deps import EngineDep
from voting.demo_scrutineers import demo_ceremony, demo_decrypt, demo_sign
from voting.errors import DemoOnly
from voting.settings import Settings

__all__ = ["router"]

router = APIRouter(prefix="/api/sessions/{session_id}", tags=["demo"])


def _demo_dir(request: Request) -> Path:
    settings: Settings = request.app.state.settings
    if not settings.is_demo:
        raise DemoOnly()
    return Path(settings.data_dir)


@router.post("/demo/ceremony", summary="DEMO: every scrutineer device does the key ceremony")
def ceremony(session_id: int, request: Request, engine: EngineDep,
             actor: Operator) -> dict[str, Any]:
    data_dir = _demo_dir(request)
    public_key = demo_ceremony(engine, data_dir, session_id, actor, secrets.token_bytes)
    return {"public_key": public_key}


@router.post("/votes/{slug}/demo/decrypt",
             summary="DEMO: scrutineer devices give decryption shares until the vote is counted")
def decrypt(session_id: int, slug: str, request: Request, engine: EngineDep,
            actor: Operator) -> dict[str, Any]:
    data_dir = _demo_dir(request)
    return {"scrutineers": demo_decrypt(engine, data_dir, session_id, slug, secrets.token_bytes)}


@router.post("/votes/{slug}/demo/sign",
             summary="DEMO: the scrutineers who decrypted sign the counted result")
def sign(session_id: int, slug: str, request: Request, engine: EngineDep,
         actor: Operator) -> dict[str, Any]:
    data_dir = _demo_dir(request)
    return {"signed": demo_sign(engine, data_dir, session_id, slug, secrets.token_bytes)}
