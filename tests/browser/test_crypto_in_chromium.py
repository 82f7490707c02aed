"""The browser crypto in real Chromium: the Python-made fixture ballots are reproduced byte
for byte by the ES modules exactly as the kiosk loads them (no build step, same origin)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kiosk_ui.bench_browser import CHROMIUM_ARGS, serve_static

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FIXTURE = ROOT / "tests" / "js" / "fixtures" / "cross.json"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("CI"),
        reason="Debian chromium is not installed",
    ),
]

_SCRIPT = """
async (cases) => {
  const api = await import('/js/crypto/index.js');
  const { fromHex, toHex } = await import('/js/crypto/bytes.js');
  return cases.map((c) => {
    const ctx = api.makeContext(c.context);
    const out = api.encryptBallot(ctx, c.choices, api.seededRng(fromHex(c.rng_seed)));
    api.verifyBallot(ctx, out.ballot);
    return {
      election_hash: toHex(ctx.electionHash),
      ballot: out.ballot,
      opening: out.opening,
      ballot_hash: out.ballotHash,
      opened: api.openBallot(ctx, out.ballot, out.opening),
    };
  });
}
"""


def test_chromium_reproduces_python_ballots() -> None:
    from playwright.sync_api import sync_playwright

    cases: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))["ballots"]
    with serve_static() as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/js/")
            results = page.evaluate(_SCRIPT, cases)
        finally:
            browser.close()
    assert len(results) == len(cases)
    for case, got in zip(cases, results, strict=True):
        expected = case["expected"]
        assert got["election_hash"] == expected["election_hash"], case["name"]
        assert got["ballot"] == expected["ballot"], case["name"]
        assert got["opening"] == expected["opening"], case["name"]
        assert got["ballot_hash"] == expected["ballot_hash"], case["name"]
        assert got["opened"] == case["choices"], case["name"]
