"""What the kiosk's browser tests stand on: a real `voting serve` process on SQLite, the
sample session with its three votes opened through the operator API (scrutineer devices
run the key ceremony), printed ballot cards issued at the desk, and a camera video made
from the first printed card.

The cards come out of the real printing path: ``POST …/cards`` answers the A4 PDF, its
backup codes are read back with ``pdftotext`` and issued with ``POST …/cards/issue``, and
``pdftoppm`` rasterises the first card into the frames of a ``.y4m`` video that Chromium's
fake camera plays.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image

from keys.scrutineer import ScrutineerDevice
from tally.key_ceremony import CeremonyParams, CommitmentMessage
from tally.rng import seeded_rng
from voting.api.auth import operator_token
from voting.db import make_engine, session_scope
from voting.demo import find_scenario, load_sample
from voting.settings import Settings

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "KioskServer", "card_video", "kiosk_server",
           "open_votes"]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_SECONDS = 30
_CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b")
# The card grid of voting/card_print.py's default layout, in PDF points (A4, 12 mm margins,
# two columns, four rows): the first card is the top-left one.
_MM = 72 / 25.4
_MARGIN = 12 * _MM
_CARD_W = (595.2756 - 2 * _MARGIN) / 2
_CARD_H = (841.8898 - 2 * _MARGIN) / 4


@dataclass
class KioskServer:
    """A running server, its database and operator token, and the sample session."""

    base: str
    db_url: str
    token: str
    session_id: int = 0
    cards: dict[str, list[str]] = field(default_factory=dict)
    """Backup codes of the issued cards of each vote (slug → codes)."""
    first_card_pdf: Path | None = None

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30,
                            headers={"authorization": f"Bearer {self.token}"})

    def status(self, slug: str) -> dict[str, object]:
        with self.client() as http:
            answer: dict[str, object] = http.get(
                f"/api/sessions/{self.session_id}/votes/{slug}/status").json()
            return answer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def kiosk_server(tmp: Path) -> Iterator[KioskServer]:
    """`python -m voting serve` in production mode on a temp SQLite database."""
    key = secrets.token_urlsafe(32)
    db_url = f"sqlite:///{tmp / 'voting.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOTING_")}
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
               VOTING_DATABASE_URL=db_url, VOTING_MODE="production", VOTING_SECRET_KEY=key)
    port = _free_port()
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "voting", "serve", "--port", str(port)],
            cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited: {log_path.read_text()}")
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not up in {STARTUP_SECONDS}s")
                time.sleep(0.2)
            settings = Settings(database_url=db_url, mode="production", secret_key=key)
            yield KioskServer(base, db_url, operator_token(settings))
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _ceremony(http: httpx.Client, sid: int, n: int = 3, k: int = 2) -> None:
    rng = seeded_rng(b"kiosk browser tests")
    devices = [ScrutineerDevice(i, f"监票人{i}", rng) for i in range(1, n + 1)]
    for d in devices:
        http.post(f"/api/sessions/{sid}/scrutineers", json={
            "index": d.index, "name": d.name, "signing_key": d.signing_public.hex(),
            "transport_key": d.transport_public.hex()}).raise_for_status()
    params = CeremonyParams.from_json(
        http.post(f"/api/sessions/{sid}/ceremony", json={"n": n, "k": k}).json())
    for d in devices:
        http.post(f"/api/sessions/{sid}/ceremony/commitments",
                  json=d.commit(params).to_json()).raise_for_status()
    state = http.get(f"/api/sessions/{sid}/ceremony").json()
    keys = {int(i): bytes.fromhex(key) for i, key in state["transport_keys"].items()}
    for d in devices:
        for message in d.sealed_share_messages(params, keys):
            http.post(f"/api/sessions/{sid}/ceremony/shares",
                      json=message.to_json()).raise_for_status()
    commitments = {int(i): CommitmentMessage.from_json(c) for i, c in
                   http.get(f"/api/sessions/{sid}/ceremony").json()["commitments"].items()}
    for d in devices:
        sealed = {int(s): bytes.fromhex(b) for s, b in
                  http.get(f"/api/sessions/{sid}/ceremony/shares/{d.index}").json().items()}
        d.receive_shares(params, commitments, sealed)
    http.post(f"/api/sessions/{sid}/ceremony/complete").raise_for_status()


def _pdftotext(pdf: Path, *crop: str) -> str:
    return subprocess.run(["pdftotext", "-layout", *crop, str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def open_votes(server: KioskServer, tmp: Path, cards_per_vote: int = 8) -> None:
    """Load the sample session; hold the ceremony; prepare, print, issue and open every vote."""
    engine = make_engine(server.db_url)
    try:
        scenario = json.loads(find_scenario().read_text(encoding="utf-8"))
        with session_scope(engine) as db:
            server.session_id = load_sample(db, scenario).session_id
    finally:
        engine.dispose()
    sid = server.session_id
    with server.client() as http:
        _ceremony(http, sid)
        deputies = http.get(f"/api/sessions/{sid}/deputies").json()
        for deputy in deputies[:cards_per_vote]:
            http.post(f"/api/sessions/{sid}/attendance",
                      json={"deputy_id": deputy["id"]}).raise_for_status()
        for vote in http.get(f"/api/sessions/{sid}/votes").json():
            base = f"/api/sessions/{sid}/votes/{vote['slug']}"
            http.post(f"{base}/prepare").raise_for_status()
            printed = http.post(f"{base}/cards", json={"count": cards_per_vote})
            printed.raise_for_status()
            pdf = tmp / f"{vote['slug']}-cards.pdf"
            pdf.write_bytes(printed.content)
            codes = _CODE.findall(_pdftotext(pdf))
            assert len(set(codes)) == cards_per_vote, codes
            for code in codes:
                http.post(f"{base}/cards/issue", json={"card": code}).raise_for_status()
            http.post(f"{base}/open").raise_for_status()
            if vote["kind"] == "selection":
                # The card the camera will see first is the top-left one of page 1.
                crop = ["-f", "1", "-l", "1", "-r", "72", "-x", str(int(_MARGIN)),
                        "-y", str(int(_MARGIN)), "-W", str(int(_CARD_W)),
                        "-H", str(int(_CARD_H))]
                first = _CODE.findall(_pdftotext(pdf, *crop))
                assert len(first) == 1, first
                codes.remove(first[0])
                codes.insert(0, first[0])
                server.first_card_pdf = pdf
            server.cards[vote["slug"]] = codes


def _first_card_image(pdf: Path, dpi: int) -> Image.Image:
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", str(dpi), "-png", "-singlefile",
                    str(pdf), str(prefix)], check=True, timeout=60)
    page = Image.open(prefix.with_suffix(".png")).convert("RGB")
    scale = dpi / 72
    box = (int(_MARGIN * scale), int(_MARGIN * scale), int((_MARGIN + _CARD_W) * scale),
           int((_MARGIN + _CARD_H) * scale))
    return page.crop(box)


def _y4m_frame(image: Image.Image) -> bytes:
    """One 4:2:0 frame (full-range BT.601, as C420jpeg says) of an RGB image."""
    y, cb, cr = image.convert("YCbCr").split()
    half = (image.width // 2, image.height // 2)
    return (b"FRAME\n" + y.tobytes() + cb.resize(half, Image.Resampling.BOX).tobytes()
            + cr.resize(half, Image.Resampling.BOX).tobytes())


def card_video(pdf: Path, out: Path, *, blank_frames: int = 12, card_frames: int = 8,
               size: tuple[int, int] = (640, 480), dpi: int = 150) -> Path:
    """A y4m video at 10 frames/s: an empty desk for a moment, then the printed card held
    up to the camera. Chromium loops it, so the card comes back after each blank spell."""
    card = _first_card_image(pdf, dpi)
    card.thumbnail((size[0] - 40, size[1] - 40))
    desk = Image.new("RGB", size, (92, 96, 104))
    held = desk.copy()
    held.paste(card, ((size[0] - card.width) // 2, (size[1] - card.height) // 2))
    header = f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode()
    blank, shown = _y4m_frame(desk), _y4m_frame(held)
    out.write_bytes(header + blank * blank_frames + shown * card_frames)
    held.save(out.with_suffix(".png"))
    return out
