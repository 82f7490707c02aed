"""Who may call the operator API.

Until operator logins exist (see the console issue), the secretariat's tools authenticate
with a bearer token derived from the deployment's secret key; ``voting operator-token``
prints it. No secret key, no operator API: the settings refuse to start without one.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Header

from voting.api.deps import get_settings_dep
from voting.errors import DomainError
from voting.settings import Settings

__all__ = ["Operator", "OperatorRequired", "operator_token", "require_operator"]


class OperatorRequired(DomainError):
    """The operator API needs the operator's bearer token."""

    code = "auth.operator_required"
    http_status = 401
    message_zh = "需要秘书处操作员身份"
    message_en = "Operator authentication required"


def operator_token(settings: Settings) -> str:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    return hmac.new(secret.encode(), b"rendavote/v1/operator-api", hashlib.sha256).hexdigest()


def require_operator(
    settings: Annotated[Settings, Depends(get_settings_dep)],
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """The operator's name for the audit log; refuses without the right token."""
    expected = f"Bearer {operator_token(settings)}"
    if authorization is None or not hmac.compare_digest(authorization, expected):
        raise OperatorRequired()
    return "operator"


Operator = Annotated[str, Depends(require_operator)]
