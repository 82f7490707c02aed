"""User-facing text in zh-CN (the default) and English.

Catalogues are flat JSON files in ``voting/locales/`` (``"home.title": "…"``), one per
language, with the same keys (a test checks it). Placeholders use ``str.format`` syntax.

A request's language is chosen, first match wins, from the ``?lang=`` query parameter, then
the ``lang`` cookie that remembers it; otherwise zh-CN. The browser's ``Accept-Language`` is
deliberately not consulted: the hall's tablets, projector and consoles speak Chinese unless
someone picks English, whatever locale a device happens to be set up with.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request

__all__ = [
    "DEFAULT_LANG",
    "LANG_COOKIE",
    "SUPPORTED_LANGS",
    "catalog",
    "install_jinja_globals",
    "negotiate",
    "normalize_lang",
    "parse_accept_language",
    "request_lang",
    "translate",
]

DEFAULT_LANG = "zh-CN"
SUPPORTED_LANGS: tuple[str, ...] = ("zh-CN", "en")
LANG_COOKIE = "lang"

_LOCALES_DIR = Path(__file__).parent / "locales"


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """The message catalogue of a supported language (read once per process)."""
    if lang not in SUPPORTED_LANGS:
        raise ValueError(f"unsupported language {lang!r}")
    data = json.loads((_LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"locale file for {lang} must be a flat object of strings")
    return data


class _KeepMissing(dict[str, Any]):
    """Shows a placeholder nobody filled in as itself rather than failing the page."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(key: str, lang: str = DEFAULT_LANG, /, **kw: Any) -> str:
    """The text for ``key`` in ``lang``, formatted with ``kw``.

    Falls back to zh-CN, then to the key itself, so a missing entry shows up on screen
    rather than crashing a page in the middle of a session.
    """
    lang = normalize_lang(lang) or DEFAULT_LANG
    text = catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key) or key
    return text.format_map(_KeepMissing(kw)) if kw else text


def normalize_lang(tag: str | None) -> str | None:
    """Map a language tag (``zh``, ``zh-Hans-CN``, ``en_US``…) to a supported language."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    if primary == "zh":
        return "zh-CN"
    if primary == "en":
        return "en"
    return None


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an ``Accept-Language`` header, best first (q=0 dropped)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        fields = part.strip().split(";")
        tag = fields[0].strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(
    query_lang: str | None = None,
    cookie_lang: str | None = None,
    accept_language: str | None = None,
) -> str:
    """Pick the language: explicit query, then cookie, then the browser's preferences."""
    for explicit in (query_lang, cookie_lang):
        chosen = normalize_lang(explicit)
        if chosen:
            return chosen
    for tag in parse_accept_language(accept_language):
        chosen = normalize_lang(tag)
        if chosen:
            return chosen
    return DEFAULT_LANG


def request_lang(request: Request) -> str:
    """The language of ``request``: an explicit choice, else zh-CN (module docstring)."""
    return negotiate(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


@jinja2.pass_context
def _template_gettext(context: jinja2.runtime.Context, key: str, /, **kw: Any) -> str:
    return translate(key, context.get("lang", DEFAULT_LANG), **kw)


def install_jinja_globals(env: jinja2.Environment) -> None:
    """Add ``_()`` to templates; it translates into the ``lang`` of the render context."""
    env.globals["_"] = _template_gettext
    env.globals["supported_langs"] = SUPPORTED_LANGS
