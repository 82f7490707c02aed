"""Printable ballot cards: an A4 PDF, eight cards a page, with cut marks.

Each card shows the session and vote titles, a QR code of the card payload and the typed
backup code under it (docs/cards.md). A card carries no serial number and nothing that
tells cards apart except the secret itself: cards are shuffled at the check-in desk like
paper ballots, so nobody can tell which deputy received which.

The PDF holds every card secret of a vote: hand it to the printer and do not keep it.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from voting.card_codes import (
    check_vote_id,
    decode_card_input,
    encode_qr_payload,
)

__all__ = ["CardLayout", "PrintableCard", "render_cards_pdf"]

# A CID font every PDF reader with Chinese support knows; nothing to embed or ship. A
# TrueType font can be embedded instead (``font_file``) for readers without it.
_CID_FONT = "STSong-Light"
_EMBEDDED_FONT = "CardCJK"
_CODE_FONT = "Courier-Bold"

_TEXT = {
    "heading": "选票卡",
    "once": "仅限本次表决使用一次。",
    "scan": "请在投票终端扫描左侧二维码。",
    "type": "无法扫描时，输入下方备用码。",
    "anonymous": "本卡不记名、不编号，请勿折损。",
    "code_label": "备用码",
    "footer": "共 {cards} 张选票卡 · 第 {page}/{pages} 页",
}


class PrintableCard(Protocol):
    """What printing needs of a card: its secret and its backup code."""

    @property
    def secret(self) -> bytes: ...

    @property
    def backup_code(self) -> str: ...


@dataclass(frozen=True)
class CardLayout:
    """The page grid: ``columns`` × ``rows`` cards on an A4 page inside ``margin`` (pt).
    The card face is drawn for the default 2 × 4 (also fine at 2 × 3); narrower cards
    squeeze the instructions beside the QR code."""

    columns: int = 2
    rows: int = 4
    margin: float = 12 * mm

    def __post_init__(self) -> None:
        if self.columns < 1 or self.rows < 1 or self.margin < 5 * mm:
            raise ValueError("a card layout needs at least one row, one column, 5 mm margin")

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def card_size(self) -> tuple[float, float]:
        width, height = A4
        return (
            (width - 2 * self.margin) / self.columns,
            (height - 2 * self.margin) / self.rows,
        )


def _register_font(font_file: str | os.PathLike[str] | None) -> str:
    """Register the Chinese font and return its name."""
    if font_file is None:
        if _CID_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(_CID_FONT))
        return _CID_FONT
    path = os.fspath(font_file)
    name = f"{_EMBEDDED_FONT}-{hashlib.sha256(path.encode()).hexdigest()[:12]}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path))
    return name


# Latin words and numbers stay whole; every other character may end a line.
_TOKENS = re.compile(r"[A-Za-z0-9.,:;'\"()\-]+|\s+|.")


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        candidate = line + token
        if line and pdfmetrics.stringWidth(candidate, font, size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit(
    text: str, font: str, size: float, width: float, max_lines: int, min_size: float
) -> tuple[list[str], float]:
    """Wrap ``text`` into at most ``max_lines``, shrinking the font down to ``min_size``
    and, failing that, cutting the last line with an ellipsis."""
    while True:
        lines = _wrap(text, font, size, width)
        if len(lines) <= max_lines:
            return lines, size
        if size - 0.5 < min_size:
            break
        size -= 0.5
    lines = lines[:max_lines]
    last = lines[-1]
    while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines, size


def _qr_matrix(payload: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(payload)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def _draw_qr(c: Canvas, payload: str, x: float, y: float, size: float) -> None:
    """A vector QR code with its 4-module quiet zone inside the ``size`` square at (x, y)."""
    matrix = _qr_matrix(payload)
    modules = len(matrix)
    module = size / (modules + 8)
    top = y + size - 4 * module
    path = c.beginPath()
    for r, row in enumerate(matrix):
        col = 0
        while col < modules:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < modules and row[col]:
                col += 1
            # One rectangle per run of dark modules; filled as one path so that renderers
            # leave no hairline seams between neighbours.
            path.rect(
                x + (4 + start) * module,
                top - (r + 1) * module,
                (col - start) * module,
                module,
            )
    c.setFillGray(0)
    c.drawPath(path, stroke=0, fill=1)


def _draw_cut_marks(c: Canvas, layout: CardLayout) -> None:
    page_w, page_h = A4
    card_w, card_h = layout.card_size
    m = layout.margin
    c.setLineWidth(0.4)
    c.setStrokeGray(0.35)
    xs = [m + i * card_w for i in range(layout.columns + 1)]
    ys = [m + j * card_h for j in range(layout.rows + 1)]
    gap, tick = 2 * mm, min(6 * mm, m - 3 * mm)
    for x in xs:  # ticks in the top and bottom margins
        c.line(x, m - gap, x, m - gap - tick)
        c.line(x, page_h - m + gap, x, page_h - m + gap + tick)
    for y in ys:  # ticks in the left and right margins
        c.line(m - gap, y, m - gap - tick, y)
        c.line(page_w - m + gap, y, page_w - m + gap + tick, y)
    arm = 2.5 * mm
    for x in xs[1:-1]:  # small crosses where inner cut lines meet
        for y in ys:
            c.line(x - arm, y, x + arm, y)
    for y in ys[1:-1]:
        for x in xs:
            c.line(x, y - arm, x, y + arm)


def _draw_card(
    c: Canvas,
    font: str,
    x: float,
    y: float,
    layout: CardLayout,
    session_title: str,
    vote_title: str,
    payload: str,
    backup_code: str,
) -> None:
    card_w, card_h = layout.card_size
    pad = 5 * mm
    inner_w = card_w - 2 * pad
    cursor = y + card_h - pad

    c.setFillGray(0.3)
    lines, size = _fit(session_title, font, 8, inner_w, 1, 6)
    cursor -= size
    c.setFont(font, size)
    c.drawCentredString(x + card_w / 2, cursor, lines[0] if lines else "")

    c.setFillGray(0)
    lines, size = _fit(vote_title, font, 11, inner_w, 2, 8)
    c.setFont(font, size)
    for line in lines:
        cursor -= size * 1.3
        c.drawCentredString(x + card_w / 2, cursor, line)

    code_size = 10.0
    code_base = y + pad
    label_base = code_base + code_size + 1.5 * mm
    qr_top = cursor - 2 * mm
    qr_size = min(qr_top - (label_base + 7 + 1 * mm), 40 * mm)
    qr_x = x + pad
    _draw_qr(c, payload, qr_x, qr_top - qr_size, qr_size)

    text_x = qr_x + qr_size + 2 * mm
    text_w = x + card_w - pad - text_x
    c.setFont(font, 12)
    ty = qr_top - 4 * mm - 12
    c.drawString(text_x, ty, _TEXT["heading"])
    ty -= 2 * mm
    c.setFont(font, 7.5)
    for key in ("once", "scan", "type", "anonymous"):
        for line in _wrap(_TEXT[key], font, 7.5, text_w):
            ty -= 7.5 * 1.45
            c.drawString(text_x, ty, line)
        ty -= 0.8 * mm

    c.setFont(font, 7)
    c.setFillGray(0.3)
    c.drawCentredString(x + card_w / 2, label_base, _TEXT["code_label"])
    c.setFillGray(0)
    c.setFont(_CODE_FONT, code_size)
    c.drawCentredString(x + card_w / 2, code_base, backup_code)


def render_cards_pdf(
    vote_title: str,
    vote_id: str,
    cards: Sequence[PrintableCard],
    session_title: str,
    *,
    layout: CardLayout | None = None,
    font_file: str | os.PathLike[str] | None = None,
) -> bytes:
    """The print-ready A4 PDF of ``cards`` for one vote.

    ``font_file``: a TrueType font with Chinese glyphs to embed (e.g. WenQuanYi Micro Hei);
    by default the text uses the standard STSong-Light CID font, which the reader supplies.
    """
    layout = layout or CardLayout()
    check_vote_id(vote_id)
    if not cards:
        raise ValueError("no cards to print")
    for card in cards:
        # A backup code that does not open the same card would strand its deputy.
        if decode_card_input(card.backup_code) != (None, card.secret):
            raise ValueError("a card's backup code does not match its secret")
    font = _register_font(font_file)

    buf = io.BytesIO()
    # invariant: no timestamp or random document id, so the same cards give the same bytes.
    c = Canvas(buf, pagesize=A4, invariant=True, pageCompression=True)
    c.setTitle(f"{vote_title} 选票卡")
    c.setSubject(session_title)
    c.setCreator("rendavote")
    card_w, card_h = layout.card_size
    _, page_h = A4
    pages = (len(cards) + layout.per_page - 1) // layout.per_page
    for page in range(pages):
        _draw_cut_marks(c, layout)
        c.setFont(font, 7)
        c.setFillGray(0.4)
        c.drawRightString(
            layout.margin + (layout.columns - 0.5) * card_w,
            page_h - layout.margin + 3 * mm,
            _TEXT["footer"].format(cards=len(cards), page=page + 1, pages=pages),
        )
        chunk = cards[page * layout.per_page : (page + 1) * layout.per_page]
        for n, card in enumerate(chunk):
            col, row = n % layout.columns, n // layout.columns
            x = layout.margin + col * card_w
            y = page_h - layout.margin - (row + 1) * card_h
            _draw_card(
                c,
                font,
                x,
                y,
                layout,
                session_title,
                vote_title,
                encode_qr_payload(vote_id, card.secret),
                card.backup_code,
            )
        c.showPage()
    c.save()
    return buf.getvalue()
