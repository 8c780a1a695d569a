"""Payment receipts: a PNG a buyer can keep or show, in their language (Lao shaped, Chinese
correct), laid out with the certificate's text code (bot/render/text.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from bot.render.fonts import DRAW_LOCK
from bot.render.text import (
    Style,
    draw_line,
    ellipsize,
    line_metrics,
    text_width,
    wrap_text,
)

WIDTH = 900
MARGIN = 60
CONTENT = WIDTH - 2 * MARGIN
AMOUNT_COLUMN = 260  # the right-hand column of amounts
PAPER = (255, 255, 255)
GREEN = (38, 92, 54)
GREY = (110, 110, 110)
RULE = (210, 210, 210)
TITLE = Style(44, bold=True, fill=GREEN)
ISSUER = Style(28, bold=True)
BODY = Style(26)
LABEL = Style(24, fill=GREY)
TOTAL = Style(32, bold=True)
FOOTER = Style(22, fill=GREY)


@dataclass(frozen=True)
class ReceiptContent:
    """Already-translated text of one receipt; the renderer only lays it out."""

    title: str
    issuer: str
    facts: tuple[tuple[str, str], ...]  # (label, value): number, reference, method, paid
    items: tuple[tuple[str, str], ...]  # (description, amount)
    total: tuple[str, str]
    notes: tuple[str, ...]  # the collective's share, and the like
    footer: str


def render_receipt(content: ReceiptContent) -> bytes:
    """The receipt as PNG bytes."""
    with DRAW_LOCK:
        layout = _layout(content)
        height = int(layout[-1][1]) + MARGIN
        image = Image.new("RGB", (WIDTH, height), PAPER)
        draw = ImageDraw.Draw(image)
        for kind, y, left, right in layout[:-1]:
            _draw(draw, kind, y, left, right)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


Item = tuple[object, float, str, str]  # (style or "rule", top, left text, right text)


def _layout(content: ReceiptContent) -> list[Item]:
    """Every line's style and top, then the end of the page."""
    items: list[Item] = []
    y = float(MARGIN)

    def block(style: Style, text: str, right: str = "", width: float = CONTENT) -> None:
        nonlocal y
        lines = wrap_text(text, style, width) or [""]
        for i, line in enumerate(lines):
            items.append((style, y, line, right if i == 0 else ""))
            ascent, descent = line_metrics([line, right], style)
            y += ascent + descent

    def rule(gap: float = 18) -> None:
        nonlocal y
        y += gap
        items.append(("rule", y, "", ""))
        y += gap

    block(TITLE, content.title)
    block(ISSUER, content.issuer)
    rule()
    for label, value in content.facts:
        block(LABEL, label)
        block(BODY, value)
        y += 6
    rule()
    for description, amount in content.items:
        block(BODY, description, amount, CONTENT - AMOUNT_COLUMN)
        y += 4
    rule()
    block(TOTAL, content.total[0], content.total[1], CONTENT - AMOUNT_COLUMN)
    for note in content.notes:
        y += 8
        block(LABEL, note)
    rule()
    block(FOOTER, content.footer)
    items.append(("end", y, "", ""))
    return items


def _draw(draw: ImageDraw.ImageDraw, kind: object, top: float, left: str, right: str) -> None:
    """Draws one laid-out line."""
    if kind == "rule":
        draw.line((MARGIN, top, WIDTH - MARGIN, top), fill=RULE, width=2)
        return
    assert isinstance(kind, Style)
    ascent, _ = line_metrics([left, right], kind)
    draw_line(draw, MARGIN, top + ascent, left, kind)
    if right:
        if text_width(right, kind) > AMOUNT_COLUMN:
            right = ellipsize(right, kind, AMOUNT_COLUMN)
        draw_line(draw, WIDTH - MARGIN - text_width(right, kind), top + ascent, right, kind)
