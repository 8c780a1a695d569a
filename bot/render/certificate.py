"""Adoption certificate rendering: a PNG in Chinese, Lao or English with a QR deep link."""

from __future__ import annotations

import io
import json
import logging
import struct
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import qrcode
import qrcode.constants
import qrcode.exceptions
from PIL import Image, ImageDraw, ImageFont, features
from PIL.PngImagePlugin import PngInfo

log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
LAO, CJK, LATIN, MISSING = "lao", "cjk", "latin", "missing"
FONT_FILES: dict[tuple[str, bool], str] = {
    (LAO, False): "NotoSansLao-Regular.ttf",
    (LAO, True): "NotoSansLao-Bold.ttf",
    (LATIN, False): "NotoSans-Regular.ttf",
    (LATIN, True): "NotoSans-Bold.ttf",
    (CJK, False): "NotoSansCJKsc-Regular-subset.otf",
    (CJK, True): "NotoSansCJKsc-Regular-subset.otf",  # no bold CJK shipped: stroked instead
}
FALLBACK_ORDER = (LATIN, CJK, LAO)
METADATA_KEY = "certificate"
REPLACEMENT = "\u25a1"  # what an uncovered character looks like: a drawn box

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
INK = (40, 36, 30)
LABEL_INK = (112, 92, 56)
SOFT_LINE = (220, 208, 176)
ORANGE = (236, 140, 36)
BROWN = (120, 80, 44)

_CJK_RANGES = (
    (0x2E80, 0x2FDF),
    (0x2FF0, 0x2FFF),
    (0x3000, 0x303F),
    (0x3190, 0x319F),
    (0x31C0, 0x31EF),
    (0x3200, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)
_NO_LINE_START = set("、。，．：；！？）」』】〕〉》”’,.:;!?)]}…%")
_PREPOSED_LAO_VOWELS = set("\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4")
_BREAK_AFTER = set("\u0eb0\u0ec6-/_.")


@dataclass(frozen=True)
class CertificateContent:
    """Already-translated text of one certificate; the renderer only lays it out."""

    title: str
    holder: str
    lines: tuple[tuple[str, str], ...]
    footer: str
    qr_url: str


@dataclass(frozen=True)
class Run:
    """A stretch of text drawn with one font ("lao", "cjk", "latin") or as one box ("missing")."""

    text: str
    font: str


# ---------------------------------------------------------------- fonts and coverage


def _layout_engine() -> ImageFont.Layout:
    """RAQM (needed to stack Lao marks) when available, else BASIC with a warning."""
    if features.check_feature("raqm"):
        return ImageFont.Layout.RAQM
    log.warning("Pillow has no raqm layout engine: Lao vowels and tone marks will not stack")
    return ImageFont.Layout.BASIC


_LAYOUT = _layout_engine()
# FreeType faces are shared between calls; callers render in threads, so drawing is serialised.
DRAW_LOCK = threading.Lock()  # fonts are shared across threads


@lru_cache(maxsize=128)
def load_font(script: str, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    """The cached font object for a script, weight and pixel size."""
    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[script, bold]), size, layout_engine=_LAYOUT)


@cache
def read_cmap(path: Path) -> frozenset[int]:
    """The codepoints mapped to a real glyph by an sfnt (TTF/OTF) file's Unicode cmap."""
    data = path.read_bytes()
    num_tables = struct.unpack_from(">H", data, 4)[0]
    for i in range(num_tables):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        if tag == b"cmap":
            return _parse_cmap(data, offset)
    raise ValueError(f"{path.name} has no cmap table")


def _parse_cmap(data: bytes, cmap: int) -> frozenset[int]:
    """Picks the best Unicode subtable (format 12, else 4) and returns its codepoints."""
    count = struct.unpack_from(">H", data, cmap + 2)[0]
    subtables: dict[int, int] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        if (platform, encoding) in {(3, 10), (0, 4), (0, 6), (3, 1), (0, 3)}:
            fmt = struct.unpack_from(">H", data, cmap + offset)[0]
            subtables.setdefault(fmt, cmap + offset)
    if 12 in subtables:
        return _cmap_format12(data, subtables[12])
    if 4 in subtables:
        return _cmap_format4(data, subtables[4])
    raise ValueError("no Unicode cmap subtable of format 4 or 12")


def _cmap_format4(data: bytes, table: int) -> frozenset[int]:
    """Codepoints of a format 4 (BMP, segmented) cmap subtable."""
    segments = struct.unpack_from(">H", data, table + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", data, table + 14)
    starts = struct.unpack_from(f">{segments}H", data, table + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", data, table + 16 + 4 * segments)
    range_base = table + 16 + 6 * segments
    range_offsets = struct.unpack_from(f">{segments}H", data, range_base)
    found: set[int] = set()
    for i, (start, end, delta, roff) in enumerate(
        zip(starts, ends, deltas, range_offsets, strict=True)
    ):
        for cp in range(start, min(end, 0xFFFE) + 1):
            if roff == 0:
                glyph = (cp + delta) & 0xFFFF
            else:
                where = range_base + 2 * i + roff + 2 * (cp - start)
                glyph = struct.unpack_from(">H", data, where)[0]
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                found.add(cp)
    return frozenset(found)


def _cmap_format12(data: bytes, table: int) -> frozenset[int]:
    """Codepoints of a format 12 (full Unicode, grouped) cmap subtable."""
    groups = struct.unpack_from(">I", data, table + 12)[0]
    found: set[int] = set()
    for i in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, table + 16 + 12 * i)
        found.update(range(start + (glyph == 0), end + 1))
    return frozenset(found)


@cache
def font_coverage(script: str) -> frozenset[int]:
    """Codepoints the shipped regular and bold fonts of a script both cover."""
    regular = read_cmap(FONT_DIR / FONT_FILES[script, False])
    return regular & read_cmap(FONT_DIR / FONT_FILES[script, True])


# ---------------------------------------------------------------- runs


def preferred_font(cp: int) -> str:
    """The font a codepoint should be drawn with, by script."""
    if 0x0E80 <= cp <= 0x0EFF:
        return LAO
    if any(lo <= cp <= hi for lo, hi in _CJK_RANGES):
        return CJK
    return LATIN


def _is_ignorable(cp: int) -> bool:
    """Invisible joiners, selectors and modifiers that belong to the preceding character."""
    return (
        cp in (0x00AD, 0x034F, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)
        or 0xFE00 <= cp <= 0xFE0F
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0000 <= cp <= 0xE0FFF
    )


def _font_for(ch: str, previous: str | None) -> str:
    """Chooses a font for one character: its script's font, else any shipped font that has it."""
    cp = ord(ch)
    is_mark = unicodedata.category(ch).startswith("M")
    if is_mark and previous in (LAO, CJK, LATIN) and cp in font_coverage(previous):
        return previous
    for script in (preferred_font(cp), *FALLBACK_ORDER):
        if cp in font_coverage(script):
            return script
    return MISSING


def _joins_missing(ch: str, font: str, cluster: str) -> bool:
    """Whether a character continues the uncovered cluster before it (drawn as one box).

    Joiners, selectors, skin tones and marks always do, even where a font has them; after a
    zero-width joiner, so does the next uncovered character (emoji sequences); and so does the
    second of a pair of regional indicators (a flag).
    """
    cp, last = ord(ch), ord(cluster[-1])
    if _is_ignorable(cp) or unicodedata.category(ch).startswith("M"):
        return True
    if font != MISSING:
        return False
    if last == 0x200D:
        return True
    return 0x1F1E6 <= cp <= 0x1F1FF and len(cluster) == 1 and 0x1F1E6 <= last <= 0x1F1FF


def _clean(text: str) -> str:
    """Turns line breaks, tabs and odd spaces into plain spaces and drops control characters."""
    keep = ("\u00a0", "\u3000")
    text = "".join(" " if ch.isspace() and ch not in keep else ch for ch in text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


def split_runs(text: str) -> list[Run]:
    """Splits text into runs of one font each; each uncovered cluster is its own "missing" run."""
    return list(_split_runs(text))


@lru_cache(maxsize=4096)
def _split_runs(text: str) -> tuple[Run, ...]:
    """Cached run splitting (the same lines are measured many times while fitting)."""
    runs: list[Run] = []
    for ch in _clean(text):
        previous = runs[-1] if runs else None
        font = _font_for(ch, previous.font if previous else None)
        if previous and previous.font == MISSING and _joins_missing(ch, font, previous.text):
            runs[-1] = Run(previous.text + ch, MISSING)
        elif font == MISSING:
            if not _is_ignorable(ord(ch)):  # an invisible character nobody has: nothing to draw
                runs.append(Run(ch, MISSING))
        elif previous and previous.font == font:
            runs[-1] = Run(previous.text + ch, font)
        else:
            runs.append(Run(ch, font))
    return tuple(runs)


def drawn_text(text: str) -> str:
    """The text as it will appear, with REPLACEMENT for each uncovered cluster."""
    return "".join(REPLACEMENT if r.font == MISSING else r.text for r in split_runs(text))


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Style:
    """Size, weight and colour of a block of text."""

    size: int
    bold: bool = False
    fill: tuple[int, int, int] = INK


def _run_width(run: Run, style: Style) -> float:
    """Advance width of one run."""
    if run.font == MISSING:
        return style.size * 0.8
    return load_font(run.font, style.bold, style.size).getlength(run.text)


@lru_cache(maxsize=8192)
def text_width(text: str, style: Style) -> float:
    """Advance width of a line of text drawn in runs."""
    return sum(_run_width(run, style) for run in _split_runs(text))


def line_metrics(texts: Iterable[str], style: Style) -> tuple[int, int]:
    """Ascent and descent of a line box that fits every font these texts use."""
    scripts = {LATIN} | {r.font for t in texts for r in _split_runs(t) if r.font != MISSING}
    metrics = [load_font(s, style.bold, style.size).getmetrics() for s in sorted(scripts)]
    return max(m[0] for m in metrics), max(m[1] for m in metrics)


def block_height(lines: Sequence[str], style: Style) -> int:
    """Height of a block of wrapped lines."""
    if not lines:
        return 0
    ascent, descent = line_metrics(lines, style)
    return len(lines) * (ascent + descent)


# ---------------------------------------------------------------- wrapping


def _is_cjk_char(ch: str) -> bool:
    """Whether a character is a CJK character (a line may break before and after it)."""
    return preferred_font(ord(ch)) == CJK and not ch.isspace()


def _is_break_space(ch: str) -> bool:
    """Whether a line may break after this character (a space that is not a no-break space)."""
    return ch.isspace() and ch not in "\u00a0\u2007\u202f"


def _words(text: str) -> list[str]:
    """Splits text at break opportunities: after spaces and around CJK characters."""
    words: list[str] = []
    current = ""
    for ch in text:
        if (
            current
            and ch not in _NO_LINE_START
            and not ch.isspace()
            and (_is_break_space(current[-1]) or _is_cjk_char(ch) or _is_cjk_char(current[-1]))
        ):
            words.append(current)
            current = ""
        current += ch
    if current:
        words.append(current)
    return words


def _graphemes(text: str) -> list[str]:
    """Splits text into characters with their marks, joiners and closing punctuation attached."""
    pieces: list[str] = []
    for ch in text:
        attaches = unicodedata.category(ch).startswith("M") or _is_ignorable(ord(ch))
        if pieces and (attaches or ch in _NO_LINE_START or pieces[-1][-1] == "\u200d"):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return pieces


def _syllables(word: str) -> list[str]:
    """Splits an overlong word before Lao preposed vowels and after ະ ໆ - / _ ."""
    pieces: list[str] = []
    for cluster in _graphemes(word):
        if pieces and (cluster[0] in _PREPOSED_LAO_VOWELS or pieces[-1][-1] in _BREAK_AFTER):
            pieces.append(cluster)
        elif pieces:
            pieces[-1] += cluster
        else:
            pieces.append(cluster)
    return pieces


def _place(lines: list[str], line: str, piece: str, style: Style, width: float) -> str | None:
    """Appends piece to line if it fits, else starts a new line with it if it fits there."""
    if text_width((line + piece).rstrip(), style) <= width:
        return line + piece
    if line.strip() and text_width(piece.strip(), style) <= width:
        lines.append(line.rstrip())
        return piece.lstrip()
    return None


def _add_word(lines: list[str], line: str, word: str, style: Style, width: float) -> str:
    """Adds a word to the current line; a word longer than a line is broken into smaller pieces."""
    placed = _place(lines, line, word, style, width)
    if placed is not None:
        return placed
    for piece in _syllables(word):
        placed = _place(lines, line, piece, style, width)
        if placed is not None:
            line = placed
            continue
        for grapheme in _graphemes(piece):
            placed = _place(lines, line, grapheme, style, width)
            if placed is None:  # one character wider than the line: it gets a line of its own
                if line.strip():
                    lines.append(line.rstrip())
                placed = grapheme
            line = placed
    return line


def wrap_text(text: str, style: Style, width: float) -> list[str]:
    """Greedy wrapping at spaces and around CJK characters, never wider than width."""
    lines: list[str] = []
    line = ""
    for word in _words(_clean(text).strip()):
        line = _add_word(lines, line, word, style, width)
    if line.strip():
        lines.append(line.rstrip())
    return lines


def ellipsize(text: str, style: Style, width: float) -> str:
    """Shortens a line until it and a trailing ellipsis fit the width."""
    pieces = _graphemes(text)
    while pieces and text_width("".join(pieces).rstrip() + "…", style) > width:
        pieces.pop()
    return "".join(pieces).rstrip() + "…"


def fit_block(
    text: str,
    sizes: Sequence[int],
    width: float,
    max_lines: int,
    bold: bool = False,
    fill: tuple[int, int, int] = INK,
    max_height: float | None = None,
    one_line_down_to: int | None = None,
) -> tuple[Style, list[str]]:
    """The largest size at which text fits max_lines and max_height, else cut with an ellipsis.

    Sizes down to one_line_down_to are first tried on a single line, so a name shrinks a little
    before it wraps.
    """
    single = [(s, 1) for s in sizes if one_line_down_to is not None and s >= one_line_down_to]
    for size, allowed in [*single, *((s, max_lines) for s in sizes)]:
        style = Style(size, bold, fill)
        lines = wrap_text(text, style, width)
        if len(lines) <= allowed and (
            max_height is None or block_height(lines, style) <= max_height
        ):
            return style, balance(text, style, width, lines)
    style = Style(sizes[-1], bold, fill)
    lines = wrap_text(text, style, width)
    if max_height is not None:
        ascent, descent = line_metrics(lines, style)
        max_lines = max(1, min(max_lines, int(max_height // (ascent + descent))))
    return style, _cut(lines, max_lines, style, width)


def balance(text: str, style: Style, width: float, lines: list[str]) -> list[str]:
    """Rewraps text at the narrowest width that keeps the same number of lines (even lengths)."""
    if len(lines) < 2:
        return lines
    low, high = width / 2, width
    best = lines
    while high - low > 4:
        middle = (low + high) / 2
        attempt = wrap_text(text, style, middle)
        if len(attempt) == len(lines):
            best, high = attempt, middle
        else:
            low = middle
    return best


def _cut(lines: list[str], max_lines: int, style: Style, width: float) -> list[str]:
    """Keeps at most max_lines lines, the last one ending in an ellipsis if text was cut."""
    if len(lines) <= max_lines:
        return lines
    return [*lines[: max_lines - 1], ellipsize(lines[max_lines - 1], style, width)]


# ---------------------------------------------------------------- drawing text


def _stroke(run: Run, style: Style) -> int:
    """Stroke width that fakes bold for the CJK font, which ships in one weight."""
    return max(1, style.size // 36) if style.bold and run.font == CJK else 0


def _draw_box(draw: ImageDraw.ImageDraw, x: float, baseline: float, style: Style) -> None:
    """Draws the visible replacement for a character no shipped font has."""
    size = style.size
    line = max(1, size // 16)
    draw.rectangle(
        (x + size * 0.1, baseline - size * 0.72, x + size * 0.7, baseline),
        outline=style.fill,
        width=line,
    )


def draw_line(
    draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, style: Style
) -> float:
    """Draws one line run by run from the left baseline point; returns the end x."""
    for run in _split_runs(text):
        if run.font == MISSING:
            _draw_box(draw, x, baseline, style)
        else:
            font = load_font(run.font, style.bold, style.size)
            stroke = _stroke(run, style)
            draw.text(
                (x, baseline),
                run.text,
                font=font,
                fill=style.fill,
                anchor="ls",
                stroke_width=stroke,
                stroke_fill=style.fill,
            )
        x += _run_width(run, style)
    return x


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
            label_lines = _cut(label_lines, max_value_lines, label_style, label_width)
            value_lines = _cut(value_lines, max_value_lines, value_style, value_width)
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
