"""Text layout in runs, one font per script: measuring, wrapping (Lao, CJK, Latin), drawing.

A line is split into runs each drawn with the font of its script (fonts.py); emoji are drawn in
colour from Noto Color Emoji, scaled to the text; a character no shipped font covers is drawn as a
box (REPLACEMENT), never dropped.

Line breaking: at spaces, zero-width spaces and around CJK characters; an overlong word (Lao is
written without spaces between words, and no Lao dictionary is available offline) is broken
between syllables found by spelling (before a preposed vowel ເ ແ ໂ ໃ ໄ, after ະ and ໆ), and only
as a last resort between grapheme clusters, never inside one (a consonant keeps its vowel and
tone marks, a preposed vowel its consonant, an emoji sequence stays whole). A Chinese paragraph
never ends in a line of one character.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex
from PIL import Image, ImageDraw

from bot.render.fonts import (
    CJK,
    EMOJI,
    EMOJI_SIZE,
    FALLBACK_ORDER,
    LAO,
    LATIN,
    MISSING,
    font_coverage,
    load_font,
    preferred_font,
)

REPLACEMENT = "\u25a1"  # what an uncovered character looks like: a drawn box
INK = (40, 36, 30)  # the default text colour
_NO_LINE_START = set("、。，．：；！？）」』】〕〉》”’,.:;!?)]}…%")
_PREPOSED_LAO_VOWELS = set("\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4")
_BREAK_AFTER = set("\u0eb0\u0ec6-/_.")
ZWSP = "\u200b"  # a break opportunity that draws nothing (for Lao, which has no spaces in words)
EMOJI_EM = 1.08  # an emoji's advance relative to the text size (its picture is about 0.9 em)
_EMOJI_DEFAULT = regex.compile(r"[\p{Emoji_Presentation}\p{Regional_Indicator}]")
_PICTOGRAPH = regex.compile(r"\p{Extended_Pictographic}")
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class Run:
    """A stretch of text drawn with one font ("lao", "cjk", "latin", "emoji") or as one box
    ("missing")."""

    text: str
    font: str


# ---------------------------------------------------------------- runs


def _is_ignorable(cp: int) -> bool:
    """Invisible joiners, selectors and modifiers that belong to the preceding character."""
    return (
        cp in (0x00AD, 0x034F, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)
        or 0xFE00 <= cp <= 0xFE0F
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0000 <= cp <= 0xE0FFF
    )


def _starts_emoji(ch: str, following: str) -> bool:
    """Whether a character is drawn as a colour emoji: emoji by default, or asked for with VS16,
    or a pictograph that no text font has."""
    cp = ord(ch)
    if cp not in font_coverage(EMOJI) or _is_ignorable(cp):
        return False
    if following == "\ufe0f" or _EMOJI_DEFAULT.match(ch):
        return True
    in_text_font = any(cp in font_coverage(script) for script in FALLBACK_ORDER)
    return not in_text_font and _PICTOGRAPH.match(ch) is not None


def _continues_emoji(ch: str, cluster: str) -> bool:
    """Whether a character belongs to the emoji sequence before it (joiner, selector, skin tone,
    keycap, tag, or the emoji after a zero-width joiner)."""
    cp = ord(ch)
    if _is_ignorable(cp) or cp == 0x20E3:
        return True
    return cluster[-1] == "\u200d" and cp in font_coverage(EMOJI)


def _font_for(ch: str, previous: str | None, following: str = "") -> str:
    """Chooses a font for one character: its script's font, else any shipped font that has it."""
    cp = ord(ch)
    if _starts_emoji(ch, following):
        return EMOJI
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
    cleaned = _clean(text)
    for i, ch in enumerate(cleaned):
        previous = runs[-1] if runs else None
        if previous and previous.font == EMOJI and _continues_emoji(ch, previous.text):
            runs[-1] = Run(previous.text + ch, EMOJI)
            continue
        font = _font_for(ch, previous.font if previous else None, cleaned[i + 1 : i + 2])
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


def _emoji_scale(style: Style) -> float:
    """How much an emoji glyph (drawn at EMOJI_SIZE) is scaled to sit in text of this size."""
    font = load_font(EMOJI, False, EMOJI_SIZE)
    return style.size * EMOJI_EM / font.getlength("\U0001f351")


def _run_width(run: Run, style: Style) -> float:
    """Advance width of one run."""
    if run.font == MISSING:
        return style.size * 0.8
    if run.font == EMOJI:
        return load_font(EMOJI, False, EMOJI_SIZE).getlength(run.text) * _emoji_scale(style)
    return load_font(run.font, style.bold, style.size).getlength(run.text)


@lru_cache(maxsize=8192)
def text_width(text: str, style: Style) -> float:
    """Advance width of a line of text drawn in runs."""
    return sum(_run_width(run, style) for run in _split_runs(text))


def line_metrics(texts: Iterable[str], style: Style) -> tuple[int, int]:
    """Ascent and descent of a line box that fits every font these texts use."""
    scripts = {LATIN} | {r.font for t in texts for r in _split_runs(t) if r.font != MISSING}
    metrics = [load_font(s, style.bold, style.size).getmetrics() for s in sorted(scripts - {EMOJI})]
    if EMOJI in scripts:
        ascent, descent = load_font(EMOJI, False, EMOJI_SIZE).getmetrics()
        scale = _emoji_scale(style)
        metrics.append((round(ascent * scale), round(descent * scale)))
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
    return ch == ZWSP or (ch.isspace() and ch not in "\u00a0\u2007\u202f")


def _words(text: str) -> list[str]:
    """Splits text at break opportunities: after spaces and around CJK characters."""
    words: list[str] = []
    current = ""
    for ch in text:
        if (
            current
            and ch not in _NO_LINE_START
            and not ch.isspace()
            and ch != ZWSP
            and (_is_break_space(current[-1]) or _is_cjk_char(ch) or _is_cjk_char(current[-1]))
        ):
            words.append(current)
            current = ""
        current += ch
    if current:
        words.append(current)
    return words


def _graphemes(text: str) -> list[str]:
    """Splits text into the pieces a line may never split: extended grapheme clusters (a letter
    with its marks, an emoji sequence, a flag), a Lao preposed vowel with the consonant after it,
    and closing punctuation with what it closes."""
    pieces: list[str] = []
    for cluster in _GRAPHEME.findall(text):
        attaches = cluster[0] in _NO_LINE_START or unicodedata.category(cluster[0]).startswith("M")
        if pieces and (attaches or pieces[-1][-1] in _PREPOSED_LAO_VOWELS):
            pieces[-1] += cluster
        else:
            pieces.append(cluster)
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
    return _no_orphan(lines, style, width)


def _is_cjk_piece(piece: str) -> bool:
    """Whether a grapheme piece is one CJK character (with any punctuation attached)."""
    return _is_cjk_char(piece[0])


def _no_orphan(lines: list[str], style: Style, width: float) -> list[str]:
    """Moves a Chinese character down from the line before, so no paragraph ends in a line of a
    single character (a native reader's first complaint about machine-set Chinese)."""
    if len(lines) < 2:
        return lines
    last = [piece for piece in _graphemes(lines[-1]) if not piece.isspace()]
    before = _graphemes(lines[-2])
    letters = [piece for piece in last if _split_runs(piece)[0].font not in (EMOJI, MISSING)]
    if len(letters) != 1 or not _is_cjk_piece(letters[0]) or len(before) < 3:
        return lines
    if not _is_cjk_piece(before[-1]) or not _is_cjk_piece(before[-2]):
        return lines
    moved = before[-1] + lines[-1]
    if text_width(moved, style) > width:
        return lines
    return [*lines[:-2], "".join(before[:-1]), moved]


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
    return style, cut_lines(lines, max_lines, style, width)


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


def cut_lines(lines: list[str], max_lines: int, style: Style, width: float) -> list[str]:
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


@lru_cache(maxsize=512)
def emoji_image(text: str, size: int) -> tuple[Image.Image, int]:
    """A run of emoji in colour at a text size, and its ascent (where its baseline is)."""
    font = load_font(EMOJI, False, EMOJI_SIZE)
    ascent, descent = font.getmetrics()
    canvas = Image.new("RGBA", (max(1, round(font.getlength(text))), ascent + descent))
    ImageDraw.Draw(canvas).text((0, ascent), text, font=font, embedded_color=True, anchor="ls")
    scale = _emoji_scale(Style(size))
    scaled = canvas.resize(
        (max(1, round(canvas.width * scale)), max(1, round(canvas.height * scale))),
        Image.Resampling.LANCZOS,
    )
    return scaled, round(ascent * scale)


def _draw_emoji(
    draw: ImageDraw.ImageDraw, x: float, baseline: float, run: Run, style: Style
) -> None:
    """Pastes a run of colour emoji onto the image the draw object paints on."""
    picture, ascent = emoji_image(run.text, style.size)
    # ImageDraw keeps the image it draws on; pasting needs the image itself.
    page: Image.Image = draw._image
    page.paste(picture, (round(x), round(baseline) - ascent), picture)


def draw_line(
    draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, style: Style
) -> float:
    """Draws one line run by run from the left baseline point; returns the end x."""
    for run in _split_runs(text):
        if run.font == MISSING:
            _draw_box(draw, x, baseline, style)
        elif run.font == EMOJI:
            _draw_emoji(draw, x, baseline, run, style)
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
