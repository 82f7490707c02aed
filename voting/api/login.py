"""Logging in and out (staff accounts), enrolling devices (kiosk tablets, presidium
screens), and the scrutineers' page. The login form is a plain HTML form; it works without
script."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from voting import accounts, repository
from voting.accounts import Principal
from voting.api.auth import (
    DEVICE_COOKIE,
    LOGIN_COOKIE,
    current_principal,
    require_roles,
)
from voting.api.deps import DbSession, EngineDep
from voting.api.web import render, safe_next, set_cookie
from voting.db import session_scope
from voting.errors import AuthRequired, DeviceCodeRejected, WrongRole
from voting.settings import Settings

__all__ = ["LOGIN_FORM_COOKIE", "router"]

router = APIRouter(tags=["auth"])
LOGIN_FORM_COOKIE = "rv_login_form"
_DEVICE_MAX_AGE = 7 * 24 * 3600


class EnrollBody(BaseModel):
    code: str = Field(min_length=10, max_length=100)


def _login_page(request: Request, *, error: str = "", status_code: int = 200,
                name: str = "") -> HTMLResponse:
    # Login CSRF: the form carries a value that must match a cookie only this site set.
    form_token = secrets.token_urlsafe(16)
    response = render(request, "console/login.html",
                      {"form_token": form_token, "error": error, "name": name,
                       "next": safe_next(request.query_params.get("next"))},
                      status_code=status_code)
    set_cookie(response, request.app.state.settings, LOGIN_FORM_COOKIE, form_token, 1800)
    return response


@router.get("/console/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request) -> Response:
    principal = current_principal(request)
    if principal is not None and principal.role == "operator":
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _login_page(request)


@router.post("/console/login", include_in_schema=False)
def login(request: Request, engine: EngineDep,
          name: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=1000)],
          form_token: Annotated[str, Form(max_length=100)] = "",
          next: Annotated[str, Form(max_length=500)] = "/console") -> Response:
    settings: Settings = request.app.state.settings
    expected = request.cookies.get(LOGIN_FORM_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), form_token.encode()):
        return _login_page(request, error="login.form_expired", status_code=400, name=name)
    with session_scope(engine) as db:
        token = accounts.attempt_login(db, name, password)
    if token is None:
        return _login_page(request, error="login.failed", status_code=401, name=name)
    target = safe_next(next)
    with Session(engine) as db:
        who = accounts.principal_for_login(db, token)
    if who is not None and who.role != "operator" and target.startswith("/console"):
        target = "/"  # the console is the secretariat's; the presidium goes home
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, settings, LOGIN_COOKIE,
               accounts.sign_cookie(settings.secret(), LOGIN_COOKIE, token),
               int(accounts.SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_FORM_COOKIE, path="/")
    return response


def _account(request: Request) -> Principal:
    """A logged-in staff account (operator or presidium), CSRF checked on changes."""
    principal = current_principal(request)
    if principal is None:
        raise AuthRequired("operator")
    if principal.token is None or principal.session_id is not None:
        raise WrongRole(principal.role)  # a script's token or a device: nothing to log out
    return require_roles(request, "operator", "presidium")


@router.post("/api/auth/logout", summary="End this login everywhere")
def logout(request: Request, engine: EngineDep) -> Response:
    principal = _account(request)
    assert principal.token is not None
    with session_scope(engine) as db:
        accounts.end_login(db, principal.token)
    response = Response(status_code=204)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.get("/api/auth/me", summary="Who the caller is (role public when not logged in)")
def me(request: Request) -> dict[str, Any]:
    principal = current_principal(request)
    if principal is None:
        return {"role": "public"}
    return {"role": principal.role, "name": principal.name,
            "session_id": principal.session_id}


@router.get("/enroll", response_class=HTMLResponse, include_in_schema=False)
def enroll_page(request: Request) -> HTMLResponse:
    return render(request, "console/enroll.html", {})


@router.post("/api/devices/enroll", summary="Enroll this browser as a device with its code")
def enroll(request: Request, body: EnrollBody, engine: EngineDep) -> Response:
    settings: Settings = request.app.state.settings
    with Session(engine) as db:
        principal = accounts.principal_for_device(db, body.code.strip())
    if principal is None:
        raise DeviceCodeRejected()
    response = Response(status_code=204)
    set_cookie(response, settings, DEVICE_COOKIE,
               accounts.sign_cookie(settings.secret(), DEVICE_COOKIE, body.code.strip()),
               _DEVICE_MAX_AGE)
    return response


@router.get("/api/devices/me", summary="This enrolled device: role, session, CSRF token")
def device_me(request: Request) -> dict[str, Any]:
    principal = current_principal(request)
    if principal is None:
        raise AuthRequired("kiosk")
    if principal.session_id is None:
        raise WrongRole(principal.role)
    checked = require_roles(request, "kiosk", "presidium")
    settings: Settings = request.app.state.settings
    assert checked.token is not None
    return {"role": checked.role, "name": checked.name, "session_id": checked.session_id,
            "csrf": accounts.csrf_token(settings.secret(), checked.token)}


@router.get("/scrutineer", response_class=HTMLResponse, include_in_schema=False)
def scrutineer_page(request: Request, db: DbSession) -> HTMLResponse:
    """How a scrutineer takes part from their own device (the ``keys`` command)."""
    sessions = repository.list_sessions(db, limit=200)
    return render(request, "console/scrutineer.html",
                  {"sessions": sessions, "server_url": str(request.base_url).rstrip("/")})
