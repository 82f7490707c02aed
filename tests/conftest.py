"""Shared fixtures for the crypto tests: a small ceremony and election contexts."""

from __future__ import annotations

import pytest

from tests.fixtures import Setup, make_setup


@pytest.fixture(scope="session")
def setup() -> Setup:
    """A 3-of-5 ceremony and a 13选10 selection vote under it (deterministic)."""
    return make_setup(b"tests/conftest")
