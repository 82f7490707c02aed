"""The one error tree of the service, and its mapping to HTTP responses.

Every refusal the service gives is a :class:`DomainError` with a stable machine ``code``,
an ``http_status`` and a message in zh-CN and in English::

    DomainError                      (500  "internal")
     ├── NotFound                    (404  "not_found")
     ├── Conflict                    (409  "conflict")
     ├── InvalidTransition           (409  "vote.invalid_transition")
     ├── VoteNotOpen                 (409  "vote.not_open")
     ├── NotReady                    (409  "state.not_ready")
     ├── InvalidInput                (422  "request.invalid")
     │    ├── ImportRejected         (422  "import.invalid_rows")
     │    ├── BallotRejected         (422  "ballot.rejected")
     │    └── MessageRejected        (422  "scrutineer.message_rejected")
     ├── CardRejected                (403  "card.rejected")
     ├── TooManyCardAttempts         (429  "card.too_many_attempts")
     ├── RequestTooLarge             (413  "request.too_large")
     ├── AuthRequired                (401  "auth.required")
     │    └── OperatorRequired       (401  "auth.operator_required")
     ├── ScrutineerSignatureRejected (401  "auth.scrutineer_signature")
     ├── WrongRole                   (403  "auth.wrong_role")
     ├── CsrfRejected                (403  "auth.csrf")
     ├── DeviceCodeRejected          (403  "auth.device_code")
     └── DemoOnly                    (403  "demo.only")

Codes are part of the API: clients and tests match on them, never on messages.

``CardRejected`` is deliberately a single, detail-free refusal: a forged, unknown,
unissued or spent ballot card must be indistinguishable to the caller (see
docs/architecture.md), so it takes no arguments.

The HTTP side (:func:`install_error_handlers`) answers every error — domain errors,
request-validation errors, unknown routes and methods, crashes — in one JSON shape::

    {"error": {"code": "...", "message": "...", "message_zh": "...",
               "message_en": "...", "details": {...}}}

``message`` is in the negotiated language (``?lang=``, cookie, ``Accept-Language``;
zh-CN by default).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypedDict

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from voting.i18n import request_lang

__all__ = [
    "AuthRequired",
    "BallotRejected",
    "CardRejected",
    "Conflict",
    "CsrfRejected",
    "DemoOnly",
    "DeviceCodeRejected",
    "DomainError",
    "ImportRejected",
    "InvalidInput",
    "InvalidTransition",
    "MessageRejected",
    "NotFound",
    "NotReady",
    "OperatorRequired",
    "RequestTooLarge",
    "RowError",
    "ScrutineerSignatureRejected",
    "TooManyCardAttempts",
    "VoteNotOpen",
    "WrongRole",
    "error_body",
    "install_error_handlers",
]

_log = logging.getLogger(__name__)


class _SafeFormat(dict[str, Any]):
    """Leaves unknown placeholders visible instead of raising while formatting a message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class DomainError(Exception):
    """Base of every refusal; subclasses set the class attributes below.

    ``details`` is JSON-serialisable context, used both to format the messages and as the
    ``details`` object of the response. It must never hold ballot content or card secrets.
    """

    code: ClassVar[str] = "internal"
    http_status: ClassVar[int] = 500
    message_zh: ClassVar[str] = "服务器内部错误"
    message_en: ClassVar[str] = "Internal server error"

    def __init__(self, **details: Any) -> None:
        self.details: dict[str, Any] = details
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        """The human message in ``lang`` ("zh-CN" or "en"), formatted with the details."""
        template = self.message_en if lang == "en" else self.message_zh
        return template.format_map(_SafeFormat(self._format_args(lang)))

    def _format_args(self, lang: str) -> Mapping[str, Any]:
        return self.details


# Resource names for NotFound messages; unknown names are shown as given.
_RESOURCE_ZH = {
    "session": "会议",
    "session_code": "会议代码",
    "deputy": "代表",
    "candidate_list": "候选项目清单",
    "candidate": "候选项目",
    "vote": "表决事项",
    "seat": "座位",
    "ballot": "选票",
}


class _ResourceError(DomainError):
    """An error about one named thing: ``resource`` is a short English noun, ``key`` its id."""

    def __init__(self, resource: str, key: object) -> None:
        super().__init__(resource=resource, key=str(key))

    def _format_args(self, lang: str) -> Mapping[str, Any]:
        resource = str(self.details.get("resource", ""))
        shown = resource.replace("_", " ") if lang == "en" else _RESOURCE_ZH.get(resource, resource)
        return {**self.details, "resource": shown}


class NotFound(_ResourceError):
    """A named thing does not exist."""

    code = "not_found"
    http_status = 404
    message_zh = "未找到{resource}：{key}"
    message_en = "No {resource} {key}"


class Conflict(_ResourceError):
    """The thing would clash with one that exists (same code, seat, title, id…)."""

    code = "conflict"
    http_status = 409
    message_zh = "{resource}已存在：{key}"
    message_en = "The {resource} {key} already exists"


class InvalidTransition(DomainError):
    """A vote (or session) cannot move from its current state to the requested one."""

    code = "vote.invalid_transition"
    http_status = 409
    message_zh = "表决事项不能从“{current}”变为“{target}”"
    message_en = "Cannot move the vote from '{current}' to '{target}'"

    def __init__(self, current: str, target: str, **details: Any) -> None:
        super().__init__(current=current, target=target, **details)


class VoteNotOpen(DomainError):
    """The vote is not accepting ballots (not yet opened, or already closed)."""

    code = "vote.not_open"
    http_status = 409
    message_zh = "该表决事项当前未开放投票"
    message_en = "This vote is not open for ballots"


class NotReady(DomainError):
    """A step was asked for before what it needs exists (keys, a closed tally, a key…)."""

    code = "state.not_ready"
    http_status = 409
    message_zh = "当前还不能进行此操作：{reason}"
    message_en = "This cannot be done yet: {reason}"

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason=reason, **details)


class InvalidInput(DomainError):
    """The request is well-formed HTTP but its content is not acceptable."""

    code = "request.invalid"
    http_status = 422
    message_zh = "请求内容无效"
    message_en = "The request is invalid"


class RowError(TypedDict):
    """One bad row of an imported file. ``line`` is 0 for problems with the file as a whole."""

    line: int
    field: str
    reason_zh: str
    reason_en: str


class ImportRejected(InvalidInput):
    """An imported file was refused as a whole; ``rows`` lists every problem found."""

    code = "import.invalid_rows"
    message_zh = "导入文件有{count}处错误，未导入任何数据"
    message_en = "The file has {count} problem(s); nothing was imported"

    def __init__(self, rows: Sequence[RowError]) -> None:
        self.rows: list[RowError] = list(rows)
        super().__init__(count=len(self.rows), rows=self.rows)


class BallotRejected(InvalidInput):
    """The ballot box refused a ballot (a proof or a limit failed); ``reason`` is a code."""

    code = "ballot.rejected"
    message_zh = "选票未被接受：{reason}"
    message_en = "The ballot was not accepted: {reason}"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)


class MessageRejected(InvalidInput):
    """A scrutineer's message (commitment, sealed share, decryption share, signature) failed
    its signature or proof check; ``reason`` says which check, ``scrutineer`` who sent it."""

    code = "scrutineer.message_rejected"
    message_zh = "监票人{scrutineer}的消息未通过验证：{reason}"
    message_en = "The message of scrutineer {scrutineer} did not verify: {reason}"

    def __init__(self, scrutineer: int, reason: str) -> None:
        super().__init__(scrutineer=scrutineer, reason=reason)


class CardRejected(DomainError):
    """The one refusal for every bad ballot card: forged, unknown, unissued or spent.

    Takes no arguments on purpose, so no caller can leak which case it was.
    """

    code = "card.rejected"
    http_status = 403
    message_zh = "选票卡无效或已使用"
    message_en = "The ballot card is not valid or has already been used"

    def __init__(self) -> None:
        super().__init__()


class TooManyCardAttempts(DomainError):
    """Too many refused card attempts from one device: it must wait (voting/hardening.py)."""

    code = "card.too_many_attempts"
    http_status = 429
    message_zh = "选票卡尝试次数过多，请{retry_after}秒后再试或联系工作人员"
    message_en = "Too many card attempts; try again in {retry_after} s or ask the staff"

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after=retry_after)


class RequestTooLarge(DomainError):
    """The request body is larger than the service accepts (voting/hardening.py)."""

    code = "request.too_large"
    http_status = 413
    message_zh = "请求内容过大（上限{limit}字节）"
    message_en = "The request is too large (limit {limit} bytes)"

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit)


# --- who may do what (voting/api/auth.py, login.py, demo_ops.py) ---------------------

_ROLE_ZH = {"operator": "秘书处操作员", "presidium": "主席团", "scrutineer": "监票人",
            "kiosk": "投票终端", "public": "公众"}


class AuthRequired(DomainError):
    """No credentials for a route that needs a role."""

    code = "auth.required"
    http_status = 401
    message_zh = "需要登录（{role_zh}）"
    message_en = "Authentication required ({role})"

    def __init__(self, role: str) -> None:
        super().__init__(role=role, role_zh=_ROLE_ZH.get(role, role))


class OperatorRequired(AuthRequired):
    """The operator API needs an operator's login (or the operator bearer token)."""

    code = "auth.operator_required"
    message_zh = "需要秘书处操作员身份"
    message_en = "Operator authentication required"

    def __init__(self) -> None:
        super().__init__("operator")


class WrongRole(DomainError):
    """Credentials of a role this route does not admit."""

    code = "auth.wrong_role"
    http_status = 403
    message_zh = "当前身份（{have_zh}）无权进行此操作"
    message_en = "Your role ({have}) may not do this"

    def __init__(self, have: str) -> None:
        super().__init__(have=have, have_zh=_ROLE_ZH.get(have, have))


class CsrfRejected(DomainError):
    """A cookie-authenticated change without the page's CSRF token."""

    code = "auth.csrf"
    http_status = 403
    message_zh = "请求缺少有效的安全令牌，请刷新页面后重试"
    message_en = "Missing or wrong CSRF token; reload the page and try again"

    def __init__(self) -> None:
        super().__init__()


class ScrutineerSignatureRejected(DomainError):
    """A scrutineer request whose signature is unknown, stale or wrong."""

    code = "auth.scrutineer_signature"
    http_status = 401
    message_zh = "监票人请求签名无效：{reason}"
    message_en = "Scrutineer request signature rejected: {reason}"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)


class DeviceCodeRejected(DomainError):
    """A device enrollment code that is unknown or revoked."""

    code = "auth.device_code"
    http_status = 403
    message_zh = "设备登记码无效或已撤销"
    message_en = "The enrollment code is not valid or was revoked"

    def __init__(self) -> None:
        super().__init__()


class DemoOnly(DomainError):
    """A demo-only helper called outside demo mode."""

    code = "demo.only"
    http_status = 403
    message_zh = "仅演示模式可用：正式会议中由监票人在各自设备上操作"
    message_en = "Demo mode only: in a real session each scrutineer acts on their own device"

    def __init__(self) -> None:
        super().__init__()


# --- HTTP mapping ------------------------------------------------------------------------

_HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("http.bad_request", "请求格式错误", "Bad request"),
    401: ("http.unauthorized", "需要登录", "Authentication required"),
    403: ("http.forbidden", "无权访问", "Forbidden"),
    404: ("http.not_found", "页面或接口不存在", "No such page or endpoint"),
    405: ("http.method_not_allowed", "不支持该请求方法", "Method not allowed"),
    413: ("http.too_large", "请求内容过大", "Request too large"),
    429: ("http.too_many_requests", "请求过于频繁", "Too many requests"),
}


def _body(
    code: str, message_zh: str, message_en: str, lang: str, details: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message_en if lang == "en" else message_zh,
            "message_zh": message_zh,
            "message_en": message_en,
            "details": dict(details),
        }
    }


def error_body(exc: DomainError, lang: str) -> dict[str, Any]:
    """The JSON body for ``exc`` with ``message`` in ``lang``."""
    return _body(exc.code, exc.message("zh-CN"), exc.message("en"), lang, exc.details)


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return JSONResponse(error_body(exc, request_lang(request)), status_code=exc.http_status)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Keep only where and what; the offending input is not echoed back (it may be a secret).
    errors = [
        {"loc": [str(part) for part in err.get("loc", ())], "type": err.get("type", ""),
         "msg": err.get("msg", "")}
        for err in exc.errors()
    ]
    body = _body(InvalidInput.code, InvalidInput.message_zh, InvalidInput.message_en,
                 request_lang(request), {"errors": errors})
    return JSONResponse(body, status_code=InvalidInput.http_status)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, zh, en = _HTTP_MESSAGES.get(
        exc.status_code, (f"http.{exc.status_code}", f"HTTP 错误 {exc.status_code}",
                          f"HTTP error {exc.status_code}")
    )
    body = _body(code, zh, en, request_lang(request), {})
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
    _log.exception("unhandled error on %s %s", request.method, request.url.path)
    body = _body(DomainError.code, DomainError.message_zh, DomainError.message_en,
                 request_lang(request), {})
    return JSONResponse(body, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` answer in the shape drawn in this module's docstring."""
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_crash)
