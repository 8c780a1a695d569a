"""Adoption certificate rendering: a PNG in Chinese, Lao or English with a QR deep link.

The page's layout and decoration; fonts.py has the fonts, text.py lays text out in runs.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.exceptions
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from bot.render.fonts import DRAW_LOCK
from bot.render.text import (
    INK,
    Style,
    block_height,
    cut_lines,
    draw_line,
    fit_block,
    line_metrics,
    text_width,
    wrap_text,
)

log = logging.getLogger(__name__)

METADATA_KEY = "certificate"

WIDTH, HEIGHT = 1240, 1754  # A4 portrait at 150 dpi
MARGIN = 130  # left/right edge of the text area
CONTENT_WIDTH = WIDTH - 2 * MARGIN
QR_SIZE = 250
BOTTOM_ZONE = QR_SIZE + 150  # QR, footer and bottom border
TITLE_SIZES = (84, 76, 68, 60, 54, 48, 42, 36)
HOLDER_SIZES = (76, 68, 60, 54, 48, 42, 38, 34, 30)
ROW_SIZES = (34, 31, 28, 26, 24, 22, 20, 18, 16)
FOOTER_SIZES = (32, 29, 26, 24, 22, 20, 18)

PAPER = (251, 247, 234)
GREEN = (38, 92, 54)
GOLD = (190, 150, 72)
LABEL_INK = (112, 92, 56)
SOFT_LINE = (220, 208, 176)
ORANGE = (236, 140, 36)
BROWN = (120, 80, 44)


@dataclass(frozen=True)
class CertificateContent:
    """Already-translated text of one certificate; the renderer only lays it out."""

    title: str
    holder: str
    lines: tuple[tuple[str, str], ...]
    footer: str
    qr_url: str


# ---------------------------------------------------------------- drawing text


def draw_block(
    draw: ImageDraw.ImageDraw,
    lines: Sequence[str],
    style: Style,
    left: float,
    top: float,
    width: float,
    align: str = "left",
    metrics: tuple[int, int] | None = None,
) -> float:
    """Draws wrapped lines inside a column; returns the y below the block."""
    if not lines:
        return top
    ascent, descent = metrics or line_metrics(lines, style)
    for i, line in enumerate(lines):
        shift = {"left": 0.0, "center": 0.5, "right": 1.0}[align] * (
            width - text_width(line, style)
        )
        draw_line(draw, left + max(0.0, shift), top + ascent + i * (ascent + descent), line, style)
    return top + len(lines) * (ascent + descent)


# ---------------------------------------------------------------- decoration


def _draw_border(draw: ImageDraw.ImageDraw) -> None:
    """Double frame with corner ornaments."""
    draw.rectangle((36, 36, WIDTH - 37, HEIGHT - 37), outline=GREEN, width=10)
    draw.rectangle((62, 62, WIDTH - 63, HEIGHT - 63), outline=GOLD, width=3)
    for cx, cy in ((62, 62), (WIDTH - 63, 62), (62, HEIGHT - 63), (WIDTH - 63, HEIGHT - 63)):
        draw.regular_polygon((cx, cy, 18), 4, rotation=45, fill=GOLD, outline=GREEN)
        draw.ellipse((cx - 6, cy - 6, cx + 6, cy + 6), fill=PAPER)


def _draw_emblem(draw: ImageDraw.ImageDraw, cx: int, top: int) -> int:
    """A small fruit tree; returns the y below it."""
    draw.rounded_rectangle((cx - 9, top + 62, cx + 9, top + 112), radius=4, fill=BROWN)
    for dx, dy, r in ((-34, 46, 32), (34, 46, 32), (0, 30, 40), (-14, 60, 28), (16, 62, 28)):
        draw.ellipse((cx + dx - r, top + dy - r, cx + dx + r, top + dy + r), fill=GREEN)
    for dx, dy in ((-30, 40), (22, 24), (38, 58), (-6, 62), (4, 14)):
        draw.ellipse((cx + dx - 7, top + dy - 7, cx + dx + 7, top + dy + 7), fill=ORANGE)
    draw.line((cx - 70, top + 114, cx + 70, top + 114), fill=BROWN, width=4)
    return top + 120


def _draw_divider(draw: ImageDraw.ImageDraw, y: float, half_width: int = 300) -> None:
    """A gold rule with a diamond in the middle."""
    cx = WIDTH // 2
    draw.line((cx - half_width, y, cx - 16, y), fill=GOLD, width=2)
    draw.line((cx + 16, y, cx + half_width, y), fill=GOLD, width=2)
    draw.regular_polygon((cx, y, 9), 4, rotation=45, fill=GOLD)


def qr_image(url: str, size: int) -> Image.Image | None:
    """The URL as a crisp QR code of about size pixels, or None if it cannot be encoded."""
    if not url:
        return None
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    try:
        qr.add_data(url)
        qr.make(fit=True)
    except (qrcode.exceptions.DataOverflowError, ValueError):
        log.warning("certificate QR: URL of %d characters cannot be encoded", len(url))
        return None
    matrix = qr.get_matrix()
    modules = len(matrix)
    small = Image.new("L", (modules, modules))
    small.putdata([0 if cell else 255 for row in matrix for cell in row])
    scale = max(1, size // modules)
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST).convert("RGB")


# ---------------------------------------------------------------- page sections


def _rows_layout(
    rows: Sequence[tuple[str, str]], size: int, max_value_lines: int | None
) -> tuple[float, list[tuple[list[str], list[str]]], Style, Style]:
    """Wraps every (label, value) row at one size; returns the label column width and the lines."""
    label_style = Style(size, True, LABEL_INK)
    value_style = Style(size, False, INK)
    widest = max((text_width(label, label_style) for label, _ in rows), default=0.0)
    label_width = min(widest + 2, CONTENT_WIDTH * 0.38)
    value_width = CONTENT_WIDTH - label_width - size
    wrapped = []
    for label, value in rows:
        label_lines = wrap_text(label, label_style, label_width)
        value_lines = wrap_text(value, value_style, value_width) or [""]
        if max_value_lines is not None:
            label_lines = cut_lines(label_lines, max_value_lines, label_style, label_width)
            value_lines = cut_lines(value_lines, max_value_lines, value_style, value_width)
        wrapped.append((label_lines, value_lines))
    return label_width, wrapped, label_style, value_style


def _row_metrics(
    label_lines: list[str], value_lines: list[str], label_style: Style, value_style: Style
) -> tuple[int, int]:
    """One line box for label and value, so both sides of a row share their baselines."""
    label_ascent, label_descent = line_metrics(label_lines, label_style)
    value_ascent, value_descent = line_metrics(value_lines, value_style)
    return max(label_ascent, value_ascent), max(label_descent, value_descent)


def _row_height(
    label_lines: list[str], value_lines: list[str], label_style: Style, value_style: Style
) -> float:
    """Height of one row including its padding."""
    ascent, descent = _row_metrics(label_lines, value_lines, label_style, value_style)
    return max(len(label_lines), len(value_lines)) * (ascent + descent) + value_style.size * 0.6


def _draw_rows(
    draw: ImageDraw.ImageDraw, rows: Sequence[tuple[str, str]], top: float, bottom: float
) -> None:
    """Draws the label/value table above bottom: shrinks it, then cuts long values."""
    if not rows:
        return
    attempts = [(size, None) for size in ROW_SIZES] + [(ROW_SIZES[-1], n) for n in (4, 3, 2, 1)]
    for size, max_lines in attempts:
        label_width, wrapped, label_style, value_style = _rows_layout(rows, size, max_lines)
        heights = [_row_height(lab, val, label_style, value_style) for lab, val in wrapped]
        if sum(heights) <= bottom - top:
            break
    y = top + max(0.0, (bottom - top - sum(heights)) / 3)  # a short table sits a bit lower
    value_left = MARGIN + label_width + value_style.size
    value_width = CONTENT_WIDTH - label_width - value_style.size
    for index, ((label_lines, value_lines), height) in enumerate(
        zip(wrapped, heights, strict=True)
    ):
        if y + height > bottom + 1:  # only with very many rows: drop the rest, never overflow
            log.warning("certificate: %d of %d rows do not fit", len(rows) - index, len(rows))
            break
        metrics = _row_metrics(label_lines, value_lines, label_style, value_style)
        pad = value_style.size * 0.3
        draw_block(draw, label_lines, label_style, MARGIN, y + pad, label_width, metrics=metrics)
        draw_block(
            draw, value_lines, value_style, value_left, y + pad, value_width, metrics=metrics
        )
        y += height
        draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=SOFT_LINE, width=1)


def _draw_bottom(draw: ImageDraw.ImageDraw, page: Image.Image, content: CertificateContent) -> None:
    """QR code in the bottom-right corner and the footer to its left."""
    qr_top = HEIGHT - 105 - QR_SIZE
    qr_left = WIDTH - 105 - QR_SIZE
    code = qr_image(content.qr_url, QR_SIZE - 20)
    if code is not None:
        draw.rounded_rectangle(
            (qr_left, qr_top, qr_left + QR_SIZE, qr_top + QR_SIZE),
            radius=12,
            fill=(255, 255, 255),
            outline=GOLD,
            width=2,
        )
        offset = (QR_SIZE - code.width) // 2
        page.paste(code, (qr_left + offset, qr_top + offset))
    footer_width = (qr_left - 40 - MARGIN) if code is not None else CONTENT_WIDTH
    style, lines = fit_block(
        content.footer, FOOTER_SIZES, footer_width, 6, fill=GREEN, max_height=QR_SIZE
    )
    height = block_height(lines, style)
    align = "left" if code is not None else "center"
    draw_block(draw, lines, style, MARGIN, qr_top + (QR_SIZE - height) / 2, footer_width, align)


def certificate_metadata(content: CertificateContent) -> str:
    """The JSON stored in the PNG: exactly the content that was given."""
    data = {
        "title": content.title,
        "holder": content.holder,
        "lines": [[label, value] for label, value in content.lines],
        "footer": content.footer,
        "qr_url": content.qr_url,
    }
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates in user text: keep them as \u escapes
        text = json.dumps(data)
    return text


def _png_bytes(page: Image.Image, content: CertificateContent) -> bytes:
    """Encodes the page as PNG with the content in an iTXt chunk."""
    info = PngInfo()
    info.add_itxt(METADATA_KEY, certificate_metadata(content))
    buffer = io.BytesIO()
    page.save(buffer, format="PNG", pnginfo=info, compress_level=3)
    return buffer.getvalue()


def render_certificate(content: CertificateContent) -> bytes:
    """Renders the certificate as PNG bytes (blocking: callers run it in a thread)."""
    with DRAW_LOCK:
        page = _draw_page(content)
    return _png_bytes(page, content)


def _draw_page(content: CertificateContent) -> Image.Image:
    """Draws every part of the certificate on a fresh page."""
    page = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(page)
    _draw_border(draw)
    y: float = _draw_emblem(draw, WIDTH // 2, 100) + 20
    style, lines = fit_block(
        content.title, TITLE_SIZES, CONTENT_WIDTH, 2, bold=True, fill=GREEN, one_line_down_to=60
    )
    y = draw_block(draw, lines, style, MARGIN, y, CONTENT_WIDTH, "center") + 16
    _draw_divider(draw, y)
    style, lines = fit_block(
        content.holder, HOLDER_SIZES, CONTENT_WIDTH, 2, bold=True, fill=INK, one_line_down_to=54
    )
    y = draw_block(draw, lines, style, MARGIN, y + 24, CONTENT_WIDTH, "center") + 24
    _draw_divider(draw, y, 180)
    _draw_rows(draw, content.lines, y + 30, HEIGHT - BOTTOM_ZONE - 20)
    _draw_bottom(draw, page, content)
    return page
