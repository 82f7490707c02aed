"""zh-CN by default, English on request; both catalogues complete."""

from __future__ import annotations

import re

import jinja2
import pytest

from voting.i18n import (
    DEFAULT_LANG,
    SUPPORTED_LANGS,
    catalog,
    install_jinja_globals,
    negotiate,
    normalize_lang,
    parse_accept_language,
    translate,
)


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh-CN"), catalog("en")
    assert set(zh) == set(en)
    for key in zh:
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_default_is_chinese() -> None:
    assert DEFAULT_LANG == "zh-CN" and SUPPORTED_LANGS == ("zh-CN", "en")
    assert negotiate() == "zh-CN"
    assert translate("app.name") == "人大代表电子票决系统"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("zh", "zh-CN"), ("zh-Hans-CN", "zh-CN"), ("zh_TW", "zh-CN"), ("en-GB", "en"),
     ("EN", "en"), ("fr", None), ("", None), (None, None)],
)
def test_normalize(tag: str | None, expected: str | None) -> None:
    assert normalize_lang(tag) == expected


def test_accept_language_order_and_quality() -> None:
    assert parse_accept_language("fr;q=0.2, en-US, zh;q=0.8, de;q=0") == ["en-US", "zh", "fr"]
    assert parse_accept_language("*, en;q=bad") == []
    assert negotiate(accept_language="fr, en;q=0.5") == "en"


def test_precedence_query_cookie_header() -> None:
    assert negotiate("en", "zh-CN", "zh") == "en"
    assert negotiate(None, "en", "zh") == "en"
    assert negotiate("xx", None, "en") == "en"


def test_translate_formats_and_falls_back() -> None:
    assert translate("import.seat_taken", "en", seat="1排1座") == "Seat 1排1座 already has a deputy"
    assert translate("import.seat_taken", "zh-CN") == "座位 {seat} 已有代表"
    assert translate("no.such.key", "en") == "no.such.key"
    assert translate("app.name", "fr") == translate("app.name", "zh-CN")


def test_templates_translate_into_the_context_language() -> None:
    env = jinja2.Environment(autoescape=True)
    install_jinja_globals(env)
    template = env.from_string('{{ _("level.county") }}|{{ _("import.rows", rows=3) }}')
    assert template.render(lang="en").startswith("County|")
    assert template.render(lang="zh-CN").startswith("县级|")
