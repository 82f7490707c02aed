"""Each module of the rules/cards/keys/certificate pieces declares its public names."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

MODULES = [
    "tally.rules",
    "tally.canonical",
    "tally.certificate",
    "keys",
    "keys.storage",
    "keys.fingerprint",
    "voting.card_codes",
    "voting.card_print",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist_once(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported))
    for attr in exported:
        assert hasattr(module, attr), f"{name}.{attr}"


def test_pure_core_loads_no_service_module() -> None:
    # A fresh interpreter: what importing the pure modules pulls in, and nothing else.
    code = (
        "import sys, tally.rules, tally.canonical, tally.certificate, keys; "
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'fastapi', 'starlette', 'sqlmodel', 'sqlalchemy', 'jinja2', 'voting'})))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == ""
