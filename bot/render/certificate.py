"""Adoption certificate rendering: a PNG in Chinese, Lao or English with a QR deep link.

The page's layout and decoration; fonts.py has the fonts, text.py lays text out in runs,
illustrations.py draws the species emblem. From the top: emblem, title, the statement ("This
certifies that" – holder – what they adopted), the table of facts, the footer, then the issuer
with the date and a seal on the left and the QR code on the right. Space left over is shared out
between the sections, so a short certificate has no empty band in one place.
"""

from __future__ import annotations

import io
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.exceptions
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from bot.render.fonts import DRAW_LOCK
from bot.render.illustrations import emblem
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
PREAMBLE_SIZES = (32, 30, 28, 26, 24)
STATEMENT_SIZES = (36, 34, 32, 30, 28, 26, 24, 22, 20)
ISSUER_SIZES = (30, 28, 26, 24, 22, 20, 18)
EMBLEM_SIZE = 160
EMBLEM_TOP = 84
MIN_GAP, MAX_GAP = 18, 70  # space between the page's sections
SEAL_RADIUS = 92
QR_LEFT, QR_TOP = WIDTH - 105 - QR_SIZE, HEIGHT - 105 - QR_SIZE

PAPER = (251, 247, 234)
GREEN = (38, 92, 54)
GOLD = (190, 150, 72)
LABEL_INK = (112, 92, 56)
SOFT_LINE = (220, 208, 176)
SEAL_RED = (196, 48, 40, 210)


@dataclass(frozen=True)
class CertificateContent:
    """Already-translated text of one certificate; the renderer only lays it out."""

    title: str
    holder: str
    lines: tuple[tuple[str, str], ...]
    footer: str
    qr_url: str
    preamble: str = ""  # "This certifies that", above the holder's name
    statement: str = ""  # what the holder adopted, below their name
    issuer: tuple[str, ...] = ()  # who issued it (drawn bold), where, and when
    emblem: str = "tree"  # the species' slug: which emblem is drawn at the top
    seal: str = ""  # a few characters in the seal (the season)


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


def _draw_emblem(page: Image.Image, kind: str, cx: int, top: int) -> int:
    """The species emblem (peach, kiwi, tea …) above the title; returns the y below it."""
    picture = emblem(kind, EMBLEM_SIZE)
    page.paste(picture, (cx - EMBLEM_SIZE // 2, top), picture)
    return top + EMBLEM_SIZE - 10


def _star(cx: float, cy: float, outer: float, inner: float) -> list[tuple[float, float]]:
    """The ten corners of a five-pointed star, one point up."""
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy - radius * math.sin(angle)))
    return points


def _draw_seal(page: Image.Image, cx: int, cy: int, text: str) -> None:
    """A round red post-office seal with a star and the season, like an ink stamp."""
    big = SEAL_RADIUS * 2 * 4
    stamp = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(stamp)
    c = big / 2
    d.ellipse((8, 8, big - 8, big - 8), outline=SEAL_RED, width=22)
    d.ellipse((52, 52, big - 52, big - 52), outline=SEAL_RED, width=7)
    d.polygon(_star(c, c - big * 0.08, big * 0.2, big * 0.08), fill=SEAL_RED)
    small = stamp.resize((SEAL_RADIUS * 2, SEAL_RADIUS * 2), Image.Resampling.LANCZOS)
    page.paste(small, (cx - SEAL_RADIUS, cy - SEAL_RADIUS), small)
    if text:
        style = Style(30, True, SEAL_RED[:3])
        draw = ImageDraw.Draw(page)
        draw_line(draw, cx - text_width(text, style) / 2, cy + SEAL_RADIUS * 0.55, text, style)


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


@dataclass
class _Table:
    """The label/value table wrapped at one size, ready to draw."""

    label_width: float
    wrapped: list[tuple[list[str], list[str]]]
    label_style: Style
    value_style: Style
    heights: list[float]
    pad: float

    @property
    def height(self) -> float:
        """The whole table's height."""
        return sum(self.heights)


def _rows_layout(rows: Sequence[tuple[str, str]], size: int, max_value_lines: int | None) -> _Table:
    """Wraps every (label, value) row at one size."""
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
    pad = size * 0.6
    heights = [_row_height(lab, val, label_style, value_style) + pad for lab, val in wrapped]
    return _Table(label_width, wrapped, label_style, value_style, heights, pad)


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
    """Height of one row's text."""
    ascent, descent = _row_metrics(label_lines, value_lines, label_style, value_style)
    return max(len(label_lines), len(value_lines)) * (ascent + descent)


def _fit_table(rows: Sequence[tuple[str, str]], room: float) -> _Table | None:
    """The table at the largest size that fits room: shrinks it, then cuts long values."""
    if not rows:
        return None
    attempts = [(size, None) for size in ROW_SIZES] + [(ROW_SIZES[-1], n) for n in (4, 3, 2, 1)]
    for size, max_lines in attempts:
        table = _rows_layout(rows, size, max_lines)
        if table.height <= room:
            break
    return table


def _spread_rows(table: _Table, spare: float) -> float:
    """Gives the rows more padding out of spare space (up to a limit); returns what is left."""
    if not table.heights:
        return spare
    extra = min(spare / len(table.heights), table.value_style.size * 0.5)
    table.heights = [h + extra for h in table.heights]
    table.pad += extra
    return spare - extra * len(table.heights)


def _draw_rows(draw: ImageDraw.ImageDraw, table: _Table, top: float, bottom: float) -> None:
    """Draws the table from top; rows that would pass bottom are dropped, never overflowed."""
    y = top
    value_left = MARGIN + table.label_width + table.value_style.size
    value_width = CONTENT_WIDTH - table.label_width - table.value_style.size
    draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=SOFT_LINE, width=1)
    count = len(table.wrapped)
    for index, ((label_lines, value_lines), height) in enumerate(
        zip(table.wrapped, table.heights, strict=True)
    ):
        if y + height > bottom + 1:  # only with very many rows: drop the rest, never overflow
            log.warning("certificate: %d of %d rows do not fit", count - index, count)
            break
        metrics = _row_metrics(label_lines, value_lines, table.label_style, table.value_style)
        pad = table.pad / 2
        draw_block(
            draw,
            label_lines,
            table.label_style,
            MARGIN,
            y + pad,
            table.label_width,
            metrics=metrics,
        )
        draw_block(
            draw, value_lines, table.value_style, value_left, y + pad, value_width, metrics=metrics
        )
        y += height
        draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=SOFT_LINE, width=1)


def _draw_bottom(draw: ImageDraw.ImageDraw, page: Image.Image, content: CertificateContent) -> None:
    """The issuer, date and seal on the left; the QR code in the bottom-right corner."""
    code = qr_image(content.qr_url, QR_SIZE - 20)
    if code is not None:
        draw.rounded_rectangle(
            (QR_LEFT, QR_TOP, QR_LEFT + QR_SIZE, QR_TOP + QR_SIZE),
            radius=12,
            fill=(255, 255, 255),
            outline=GOLD,
            width=2,
        )
        offset = (QR_SIZE - code.width) // 2
        page.paste(code, (QR_LEFT + offset, QR_TOP + offset))
    right = QR_LEFT - 40 if code is not None else WIDTH - MARGIN
    seal_cx = right - SEAL_RADIUS
    _draw_seal(page, seal_cx, QR_TOP + QR_SIZE // 2, content.seal)
    if not content.issuer:
        return
    width = seal_cx - SEAL_RADIUS - 24 - MARGIN
    first, *rest = content.issuer
    style, lines = fit_block(first, ISSUER_SIZES, width, 2, bold=True, fill=GREEN)
    blocks = [(style, lines)]
    for line in rest:
        small = Style(max(18, style.size - 4), False, LABEL_INK)
        blocks.append((small, cut_lines(wrap_text(line, small, width), 2, small, width)))
    total = sum(block_height(lines, st) + 8 for st, lines in blocks)
    y = QR_TOP + (QR_SIZE - total) / 2
    draw.line((MARGIN, y - 14, MARGIN + width * 0.8, y - 14), fill=GOLD, width=2)
    for st, lines in blocks:
        y = draw_block(draw, lines, st, MARGIN, y, width) + 8


def certificate_metadata(content: CertificateContent) -> str:
    """The JSON stored in the PNG: exactly the content that was given."""
    data = {
        "title": content.title,
        "preamble": content.preamble,
        "holder": content.holder,
        "statement": content.statement,
        "lines": [[label, value] for label, value in content.lines],
        "footer": content.footer,
        "issuer": list(content.issuer),
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
    page.save(buffer, format="PNG", pnginfo=info, compress_level=6)
    return buffer.getvalue()


def render_certificate(content: CertificateContent) -> bytes:
    """Renders the certificate as PNG bytes (blocking: callers run it in a thread)."""
    with DRAW_LOCK:
        page = _draw_page(content)
    return _png_bytes(page, content)


def _fit(
    text: str, sizes: Sequence[int], width: float, lines: int, **style: object
) -> tuple[Style, list[str]]:
    """fit_block, or nothing for empty text."""
    if not text.strip():
        return Style(sizes[-1]), []
    return fit_block(text, sizes, width, lines, **style)  # type: ignore[arg-type]


@dataclass
class _Middle:
    """The measured parts between the title and the issuer."""

    heads: list[tuple[Style, list[str]]]  # preamble, holder, statement (those with text)
    table: _Table | None
    footer: tuple[Style, list[str]]
    spare: float  # height left over once everything is placed with the smallest gaps

    @property
    def head_height(self) -> float:
        """Height of the statement part, the name included."""
        return sum(block_height(lines, st) for st, lines in self.heads) + HEAD_GAP * (
            len(self.heads) - 1
        )


HEAD_GAP = 12
GAPS = 4  # above the statement, above the table, above the footer, below the footer
DIVIDER_ROOM = 56  # the divider between the statement and the table, with room around it
# Largest statement and footer sizes tried, biggest first: a long table makes them smaller
# rather than shrinking the table's text below TABLE_MIN_SIZE.
HEAD_CAPS = (36, 32, 28, 24, 20)
TABLE_MIN_SIZE = 24


def _measure(content: CertificateContent, top: float, cap: int) -> _Middle:
    """Measures the middle of the page with the statement and footer at most cap pixels."""
    preamble = _fit(content.preamble, PREAMBLE_SIZES, CONTENT_WIDTH, 2, fill=LABEL_INK)
    holder = fit_block(
        content.holder, HOLDER_SIZES, CONTENT_WIDTH, 2, bold=True, fill=INK, one_line_down_to=54
    )
    statement_sizes = tuple(size for size in STATEMENT_SIZES if size <= cap) or (20,)
    statement = _fit(content.statement, statement_sizes, CONTENT_WIDTH, 4, fill=INK)
    footer_sizes = tuple(size for size in FOOTER_SIZES if size <= cap - 4) or (18,)
    footer = _fit(content.footer, footer_sizes, CONTENT_WIDTH, 3, fill=GREEN, max_height=150)
    heads = [block for block in (preamble, holder, statement) if block[1]]
    middle = _Middle(heads, None, footer, 0.0)
    room = (
        QR_TOP
        - 30
        - top
        - middle.head_height
        - block_height(footer[1], footer[0])
        - GAPS * MIN_GAP
        - DIVIDER_ROOM
    )
    middle.table = _fit_table(content.lines, room)
    middle.spare = room - (middle.table.height if middle.table else 0)
    return middle


def _draw_page(content: CertificateContent) -> Image.Image:
    """Draws every part of the certificate on a fresh page."""
    page = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(page)
    _draw_border(draw)
    y: float = _draw_emblem(page, content.emblem, WIDTH // 2, EMBLEM_TOP) + 12
    style, lines = fit_block(
        content.title, TITLE_SIZES, CONTENT_WIDTH, 2, bold=True, fill=GREEN, one_line_down_to=60
    )
    y = draw_block(draw, lines, style, MARGIN, y, CONTENT_WIDTH, "center") + 16
    _draw_divider(draw, y)
    top = y + 8
    for cap in HEAD_CAPS:
        middle = _measure(content, top, cap)
        table = middle.table
        if table is None or (table.value_style.size >= TABLE_MIN_SIZE and middle.spare >= 0):
            break
    spare = middle.spare
    if table is not None and spare > GAPS * MAX_GAP:
        spare = _spread_rows(table, spare - GAPS * MAX_GAP) + GAPS * MAX_GAP
    gap = MIN_GAP + max(0.0, spare) / GAPS
    y = top + gap
    for index, (st, lines) in enumerate(middle.heads):
        y = draw_block(draw, lines, st, MARGIN, y, CONTENT_WIDTH, "center")
        y += HEAD_GAP if index < len(middle.heads) - 1 else 0
    y += gap / 2 + DIVIDER_ROOM / 2
    _draw_divider(draw, y, 180)
    y += gap / 2 + DIVIDER_ROOM / 2
    footer_style, footer_lines = middle.footer
    footer_top = QR_TOP - 30 - gap - block_height(footer_lines, footer_style)
    if table is not None:
        _draw_rows(draw, table, y, footer_top - gap)
    draw_block(draw, footer_lines, footer_style, MARGIN, footer_top, CONTENT_WIDTH, "center")
    _draw_bottom(draw, page, content)
    return page
