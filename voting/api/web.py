"""What every staff page shares: rendering with the page's security headers, cookies set
the one safe way, and the redirect to the login page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from voting import accounts
from voting.accounts import Principal
from voting.api.auth import current_principal
from voting.i18n import request_lang
from voting.settings import Settings

__all__ = ["CONTENT_SECURITY_POLICY", "login_redirect", "render", "safe_next", "set_cookie"]

#: Our own origin only; no inline script or style; no framing. Images may be data: URLs
#: (QR codes drawn in the page).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def render(request: Request, template: str, context: dict[str, Any], *,
           status_code: int = 200) -> HTMLResponse:
    """``template`` with the language, demo flag, caller and CSRF token filled in."""
    settings: Settings = request.app.state.settings
    principal = current_principal(request)
    csrf = ""
    if principal is not None and principal.token is not None:
        csrf = accounts.csrf_token(settings.secret(), principal.token)
    full = {"lang": request_lang(request), "demo": settings.is_demo, "user": principal,
            "csrf": csrf, **context}
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, full, status_code=status_code)
    response.headers["content-security-policy"] = CONTENT_SECURITY_POLICY
    response.headers["cache-control"] = "no-store"
    return response


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no "//"), else the console."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/login?next={quote(target)}", status_code=303)


def set_cookie(response: Response, settings: Settings, name: str, value: str,
               max_age: int) -> None:
    """HttpOnly, SameSite=Strict, Secure when the deployment says it is behind TLS."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite="strict", secure=settings.cookie_secure)


def operator_or_none(request: Request) -> Principal | None:
    principal = current_principal(request)
    return principal if principal is not None and principal.role == "operator" else None
