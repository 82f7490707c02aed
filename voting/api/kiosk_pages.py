"""The deputy's tablet (代表投票终端): the kiosk pages and the text they show.

``/kiosk`` lets the staff pick the session a tablet serves; ``/kiosk/{session_id}`` is the
kiosk itself, one page whose ES modules (kiosk_ui/static/js/kiosk/) scan the card, show the
ballot, encrypt it in the browser and cast it through the votes API. The pages carry a
strict Content-Security-Policy: scripts, styles, workers and requests only from this
origin, no inline script, and nothing cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from voting import repository
from voting.api.deps import DbSession, Lang
from voting.i18n import SUPPORTED_LANGS, catalog

__all__ = ["KIOSK_CSP", "RETURN_SECONDS", "kiosk_messages", "router"]

router = APIRouter(include_in_schema=False)

KIOSK_CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "worker-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
))

_PAGE_HEADERS = {
    "content-security-policy": KIOSK_CSP,
    # A ballot page must never be kept: not in the HTTP cache, not in the back/forward cache.
    "cache-control": "no-store",
    "permissions-policy": "camera=(self), microphone=(), geolocation=()",
}

_KIOSK_PREFIX = "kiosk."
#: Seconds the receipt stays on screen before the kiosk clears itself for the next deputy.
RETURN_SECONDS = 20
_CHOOSE_SESSIONS = 200


def kiosk_messages() -> dict[str, Mapping[str, str]]:
    """The kiosk's own catalogue entries (``kiosk.*``), in every supported language."""
    return {
        lang: {k: v for k, v in catalog(lang).items() if k.startswith(_KIOSK_PREFIX)}
        for lang in SUPPORTED_LANGS
    }


def _page(request: Request, template: str, context: dict[str, object]) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, template, {"demo": request.app.state.settings.is_demo, **context},
        headers=_PAGE_HEADERS,
    )
    return response


@router.get("/kiosk", response_class=HTMLResponse)
def choose_session(request: Request, db: DbSession, lang: Lang) -> HTMLResponse:
    """Set a tablet up: which session does it serve?"""
    sessions = repository.list_sessions(db, limit=_CHOOSE_SESSIONS)
    return _page(request, "kiosk/choose.html", {"lang": lang, "sessions": sessions})


@router.get("/kiosk/messages.json")
def messages() -> JSONResponse:
    """Every kiosk string in zh-CN and English, so a deputy can switch mid-ballot."""
    return JSONResponse(kiosk_messages(), headers={"cache-control": "no-cache"})


@router.get("/kiosk/{session_id}", response_class=HTMLResponse)
def kiosk(session_id: int, request: Request, db: DbSession, lang: Lang,
          return_after: Annotated[int, Query(ge=3, le=300)] = RETURN_SECONDS) -> HTMLResponse:
    """The kiosk of one session: idle (scan) → ballot → review → cast → receipt.
    ``?return_after=`` sets how long the receipt stays (seconds)."""
    congress = repository.get_session(db, session_id)
    return _page(request, "kiosk/kiosk.html", {
        "lang": lang,
        "session": congress,
        "return_seconds": return_after,
    })
