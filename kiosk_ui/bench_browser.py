"""Time ballot encryption in headless Chromium (issue 5 item 7; target ≤ 300 ms).

Serves kiosk_ui/static on 127.0.0.1, opens js/bench.html in Debian's Chromium through
Playwright, and prints a table, then one JSON line with ``browser_encrypt_ms`` (the median
time to encrypt a 13-option / max-10 ballot with all its proofs) as the last line.

    python -m kiosk_ui.bench_browser [--runs 10] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_ARGS", "TARGET_MS", "main", "measure", "serve_static"]

STATIC = Path(__file__).resolve().parent / "static"
TARGET_MS = 300.0
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _QuietHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        # Module scripts need a JavaScript MIME type whatever /etc/mime.types says.
        if str(path).endswith(".js"):
            return "text/javascript"
        return super().guess_type(path)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_static(root: Path = STATIC) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def measure(runs: int = 10, chromium: str = "/usr/bin/chromium") -> dict[str, Any]:
    """Run js/bench.html in headless Chromium and return its result object."""
    from playwright.sync_api import sync_playwright

    with serve_static() as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            foreign: list[str] = []
            page.on(
                "request",
                lambda req: None if req.url.startswith(base) else foreign.append(req.url),
            )
            page.goto(f"{base}/js/bench.html?runs={runs}")
            page.wait_for_function("window.benchResult !== undefined", timeout=300_000)
            result: dict[str, Any] = page.evaluate("window.benchResult")
            result["browser_version"] = browser.version
        finally:
            browser.close()
    if "error" in result:
        raise RuntimeError(f"benchmark page failed: {result['error']}")
    if foreign:
        raise RuntimeError(f"the page reached other origins: {foreign}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    result = measure(args.runs, args.chromium)
    rows = [
        ("context (once per vote)", result["context_ms"]),
        ("first encryption", result["first_encrypt_ms"]),
        (f"encryption, median of {result['runs']}", result["browser_encrypt_ms"]),
        ("encryption, min", min(result["encrypt_ms"])),
        ("encryption, max", max(result["encrypt_ms"])),
        (f"verification, median of {result['runs']}", result["browser_verify_ms"]),
    ]
    print(f"Chromium {result['browser_version']}: 13 options, at most 10, 10 marked")
    for label, ms in rows:
        print(f"  {label:<28} {ms:8.1f} ms")
    verdict = "meets" if result["browser_encrypt_ms"] <= TARGET_MS else "MISSES"
    print(f"  {verdict} the {TARGET_MS:.0f} ms target")
    summary = {
        "browser_encrypt_ms": round(result["browser_encrypt_ms"], 1),
        "browser_verify_ms": round(result["browser_verify_ms"], 1),
        "browser_context_ms": round(result["context_ms"], 1),
        "browser_first_encrypt_ms": round(result["first_encrypt_ms"], 1),
        "runs": result["runs"],
        "target_ms": TARGET_MS,
        "chromium": result["browser_version"],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
