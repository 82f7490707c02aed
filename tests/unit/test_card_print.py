"""Printable ballot cards: a valid A4 PDF, the right pages, the right codes on it."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from voting.card_codes import CardCode, decode_card_input, encode_qr_payload
from voting.card_print import CardLayout, render_cards_pdf

SESSION = "资兴市第十七届人民代表大会第四次会议"
TITLE = "2019年度民生实事项目票决（13选10）"


def _cards(n: int) -> list[CardCode]:
    return [CardCode(bytes([i]) * 16) for i in range(n)]


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def _content(pdf: bytes) -> bytes:
    """All page content streams, decoded (reportlab writes ASCII85 over Flate)."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = m.group(1).strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data[:-2])
        out.append(zlib.decompress(data))
    return b"\n".join(out)


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _shown_strings(content: bytes) -> list[bytes]:
    """The byte strings of every `(...) Tj` text-showing operator, unescaped."""

    def unescape(m: re.Match[bytes]) -> bytes:
        e = m.group(1)
        if e[:1].isdigit():
            return bytes([int(e, 8)])
        return _ESCAPES.get(e, e)

    return [
        re.sub(rb"\\([0-7]{1,3}|.)", unescape, m.group(1), flags=re.S)
        for m in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S)
    ]


@pytest.fixture(scope="module")
def ten_cards_pdf() -> bytes:
    return render_cards_pdf(TITLE, "projects-2019", _cards(10), SESSION)


def test_valid_pdf_with_two_a4_pages(ten_cards_pdf: bytes) -> None:
    pdf = ten_cards_pdf
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert _pages(pdf) == 2
    assert re.findall(rb"/MediaBox \[ 0 0 595\.2756 841\.8898 \]", pdf)  # A4 in points


def test_every_backup_code_printed_once_and_nothing_numbered(ten_cards_pdf: bytes) -> None:
    shown = _shown_strings(_content(ten_cards_pdf))
    for card in _cards(10):
        assert shown.count(card.backup_code.encode()) == 1
    # The Chinese text is drawn in the CID font as UCS-2 big-endian strings.
    chinese = [s.decode("utf-16-be") for s in shown if not s.isascii() or b"\x00" in s]
    assert chinese.count(SESSION) == 10
    assert chinese.count(TITLE) == 10
    assert "共 10 张选票卡 · 第 2/2 页" in chinese
    # Besides the page footer, no number on the page tells one card from another.
    numbers = [s for s in shown if re.fullmatch(rb"[0-9]+", s)]
    assert numbers == []


def test_same_cards_same_bytes() -> None:
    a = render_cards_pdf(TITLE, "v", _cards(3), SESSION)
    b = render_cards_pdf(TITLE, "v", _cards(3), SESSION)
    assert a == b


def test_layout_sets_cards_per_page() -> None:
    pdf = render_cards_pdf(TITLE, "v", _cards(7), SESSION, layout=CardLayout(columns=2, rows=3))
    assert _pages(pdf) == 2
    assert _pages(render_cards_pdf(TITLE, "v", _cards(8), SESSION)) == 1
    assert _pages(render_cards_pdf(TITLE, "v", _cards(9), SESSION)) == 2


def test_long_titles_do_not_break_rendering() -> None:
    pdf = render_cards_pdf("关于" + "某" * 200 + "的决议", "v", _cards(1), "会" * 100)
    assert _pages(pdf) == 1


def test_refusals() -> None:
    with pytest.raises(ValueError, match="no cards"):
        render_cards_pdf(TITLE, "v", [], SESSION)
    with pytest.raises(ValueError):
        render_cards_pdf(TITLE, "bad:id", _cards(1), SESSION)

    class Mismatched:
        secret = bytes(16)
        backup_code = CardCode(b"\x01" * 16).backup_code

    with pytest.raises(ValueError, match="does not match"):
        render_cards_pdf(TITLE, "v", [Mismatched()], SESSION)
    with pytest.raises(ValueError):
        CardLayout(columns=0)


def test_pdftoppm_renders_two_pages(ten_cards_pdf: bytes, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    src = tmp_path / "cards.pdf"
    src.write_bytes(ten_cards_pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(src), str(tmp_path / "p")], check=True)
    assert len(list(tmp_path.glob("p-*.png"))) == 2


def test_qr_codes_decode_to_the_payloads(ten_cards_pdf: bytes) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    found = []
    doc = pdfium.PdfDocument(ten_cards_pdf)
    for page in doc:
        image = page.render(scale=2).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(image)]
    doc.close()
    expected = {encode_qr_payload("projects-2019", c.secret) for c in _cards(10)}
    assert sorted(found) == sorted(expected)
    assert {decode_card_input(t)[1] for t in found} == {c.secret for c in _cards(10)}


def test_embedded_truetype_font() -> None:
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font.exists():
        pytest.skip("no TrueType font at hand")
    pdf = render_cards_pdf("Vote on projects", "v", _cards(2), "Session", font_file=font)
    assert _pages(pdf) == 1
    assert b"/FontFile2" in pdf  # the font program is embedded
