"""The shipped fonts (Noto Sans Lao, Noto Sans, Noto Sans CJK, Noto Color Emoji) and coverage.

Coverage comes from each file's own cmap table, read here without fontTools, so text is drawn
in runs with the font of each script and only a character no font has becomes a box.
"""

from __future__ import annotations

import logging
import struct
import threading
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageFont, features

log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
LAO, CJK, LATIN, EMOJI, MISSING = "lao", "cjk", "latin", "emoji", "missing"
# Noto Color Emoji is a bitmap (CBDT) font with one strike: FreeType loads it at this size only,
# and the glyph images are scaled to the text size afterwards (text.py).
EMOJI_SIZE = 109
FONT_FILES: dict[tuple[str, bool], str] = {
    (LAO, False): "NotoSansLao-Regular.ttf",
    (LAO, True): "NotoSansLao-Bold.ttf",
    (LATIN, False): "NotoSans-Regular.ttf",
    (LATIN, True): "NotoSans-Bold.ttf",
    (CJK, False): "NotoSansCJKsc-Regular-subset.otf",
    (CJK, True): "NotoSansCJKsc-Regular-subset.otf",  # no bold CJK shipped: stroked instead
    (EMOJI, False): "NotoColorEmoji.ttf",
    (EMOJI, True): "NotoColorEmoji.ttf",
}
FALLBACK_ORDER = (LATIN, CJK, LAO)

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
    """The cached font object for a script, weight and pixel size (emoji: always EMOJI_SIZE)."""
    if script == EMOJI:
        size = EMOJI_SIZE
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


def preferred_font(cp: int) -> str:
    """The font a codepoint should be drawn with, by script."""
    if 0x0E80 <= cp <= 0x0EFF:
        return LAO
    if any(lo <= cp <= hi for lo, hi in _CJK_RANGES):
        return CJK
    return LATIN
