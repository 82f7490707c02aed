"""The jinja2 environment shared by every page (kiosk, projector, consoles, home)."""

from __future__ import annotations

from pathlib import Path

import jinja2
from starlette.templating import Jinja2Templates

import kiosk_ui
from voting.i18n import install_jinja_globals

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "make_templates"]

TEMPLATES_DIR = Path(kiosk_ui.__file__).parent / "templates"
STATIC_DIR = Path(kiosk_ui.__file__).parent / "static"


def make_templates() -> Jinja2Templates:
    """Templates from kiosk_ui/templates, autoescaped, with ``_()`` for translations."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly in tests
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_jinja_globals(env)
    return Jinja2Templates(env=env)
