"""The presidium's projector (会场大屏) and the live feed behind it.

``/projector/{sid}`` is a full-screen page: turnout while a vote runs, 计票中 after it
closes, the certified result once there is one. It renders what ``/ws/sessions/{sid}``
sends (the public live view, voting/api/live_view.py): the current view on connect and
again after every change. ``/api/sessions/{sid}/live`` answers the same view over plain
HTTP, for a client whose websocket is down. Nothing here is secret and nothing here can
carry a count before certification: the view is built from ``vote_status``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request, WebSocket
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.websockets import WebSocketDisconnect

from voting import repository
from voting.api.deps import DbSession, Lang
from voting.api.live_view import iso_time, live_view, read_live_view
from voting.errors import NotFound
from voting.i18n import catalog
from voting.live import WORKER_ID, Hub, make_hub

__all__ = ["CLOSE_UNKNOWN_SESSION", "HEARTBEAT_SECONDS", "PAGE_CSP", "make_live_hub", "router",
           "socket_message"]

router = APIRouter(tags=["live"])

#: Websocket close code for a session that does not exist (the client stops retrying).
CLOSE_UNKNOWN_SESSION = 4404
#: Websocket close code when the server goes away (the client reconnects).
CLOSE_RESTARTING = 1012
#: A quiet socket gets a ping this often, so a client notices a link that died silently.
HEARTBEAT_SECONDS = 20.0

#: The projector's and verification pages' content security policy: our own origin only,
#: no inline script or style (the live view arrives in JSON data blocks, not scripts).
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")

PinQuery = Annotated[str | None, Query(max_length=64, alias="vote")]

_STRING_PREFIXES = ("projector.", "kind.", "state.", "verdict.", "threshold.")


def make_live_hub(engine: Engine, poll_seconds: float) -> Hub:
    """The live hub of an app on ``engine``: in process on SQLite, LISTEN/NOTIFY on PostgreSQL."""
    hub = make_hub(engine, partial(read_live_view, engine))
    hub.poll_seconds = poll_seconds
    return hub


def _now() -> str:
    return iso_time(datetime.now(UTC))


def socket_message(view: dict[str, Any]) -> dict[str, Any]:
    """What the websocket sends: the view, this worker's id and the server's clock."""
    return {"type": "view", "worker": WORKER_ID, "server_time": _now(), "view": view}


def _strings(lang: str) -> dict[str, str]:
    """The catalogue entries the projector's script needs, in ``lang``."""
    fallback = catalog("zh-CN")
    chosen = catalog(lang)
    return {k: chosen.get(k, v) for k, v in fallback.items() if k.startswith(_STRING_PREFIXES)}


@router.get("/projector", response_class=HTMLResponse, include_in_schema=False)
def projector_index(request: Request, db: DbSession, lang: Lang) -> HTMLResponse:
    sessions = repository.list_sessions(db, limit=200)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "projector_index.html",
        {"lang": lang, "demo": request.app.state.settings.is_demo, "sessions": sessions},
        headers={"content-security-policy": PAGE_CSP})
    return response


@router.get("/projector/{session_id}", response_class=HTMLResponse, include_in_schema=False)
def projector(session_id: int, request: Request, db: DbSession, lang: Lang,
              pin: PinQuery = None) -> HTMLResponse:
    view = live_view(db, session_id, pin)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "projector.html",
        {"lang": lang, "session": view["session"], "pin": pin or "",
         "initial": socket_message(view), "strings": _strings(lang)},
        headers={"cache-control": "no-store", "content-security-policy": PAGE_CSP})
    return response


@router.get("/api/sessions/{session_id}/live",
            summary="The session's live view: turnout; the result once certified")
def live(session_id: int, db: DbSession, pin: PinQuery = None) -> dict[str, Any]:
    return socket_message(live_view(db, session_id, pin))


def _exists(engine: Engine, session_id: int, pin: str | None) -> bool:
    """The session (and the pinned vote) exist: a watcher is kept only for real views."""
    with Session(engine) as db:
        try:
            repository.get_session(db, session_id)
            if pin is not None:
                repository.get_vote(db, session_id, pin)
        except NotFound:
            return False
    return True


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) whatever the client sends, until it goes away."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


@router.websocket("/ws/sessions/{session_id}")
async def live_socket(websocket: WebSocket, session_id: int, pin: PinQuery = None) -> None:
    """The session's view now, then after every change, until either side leaves."""
    hub: Hub = websocket.app.state.live_hub
    await websocket.accept()
    if not await anyio.to_thread.run_sync(_exists, websocket.app.state.engine, session_id,
                                          pin):
        await websocket.close(code=CLOSE_UNKNOWN_SESSION)
        return
    gone = asyncio.ensure_future(_until_disconnect(websocket))
    try:
        async with hub.subscribe(session_id, pin) as mailbox:
            while True:
                ready = asyncio.ensure_future(mailbox.next())
                await asyncio.wait({ready, gone}, timeout=HEARTBEAT_SECONDS,
                                   return_when=asyncio.FIRST_COMPLETED)
                if gone.done():
                    ready.cancel()
                    return
                if not ready.done():  # quiet: show the client the link is alive
                    ready.cancel()
                    await websocket.send_json({"type": "ping", "server_time": _now()})
                    continue
                view = ready.result()
                if view is None:  # the hub is stopping: tell the client to come back
                    await websocket.close(code=CLOSE_RESTARTING)
                    return
                await websocket.send_json(socket_message(view))
    except (WebSocketDisconnect, OSError):
        return  # the client left while we were sending
    finally:
        gone.cancel()
