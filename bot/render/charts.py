"""A bar chart of sales over time as a PNG, with labels in any of the bot's scripts."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from PIL import Image, ImageDraw

from bot.render.fonts import DRAW_LOCK
from bot.render.text import Style, draw_line, text_width

WIDTH, HEIGHT = 1200, 700
LEFT, RIGHT, TOP, BOTTOM = 170, 40, 110, 110
BAR = (46, 125, 50)
GRID = (220, 220, 210)
INK = (40, 40, 40)


def _nice_step(maximum: int, lines: int = 5) -> int:
    """A round grid step (1, 2 or 5 times a power of ten) giving about `lines` gridlines."""
    raw = max(1, maximum // lines)
    power: int = 10 ** (len(str(raw)) - 1)
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def render_bar_chart(
    *,
    title: str,
    bars: Sequence[tuple[str, int]],
    value_label: Callable[[int], str],
    empty_text: str,
) -> bytes:
    """Draws `bars` (label, value) under `title`; values are labelled with `value_label`."""
    page = Image.new("RGB", (WIDTH, HEIGHT), (252, 250, 243))
    draw = ImageDraw.Draw(page)
    with DRAW_LOCK:
        draw_line(draw, LEFT, 60, title, Style(34, bold=True, fill=INK))
        if not bars or max(v for _, v in bars) <= 0:
            draw_line(draw, LEFT, HEIGHT // 2, empty_text, Style(28, fill=INK))
        else:
            _draw_axes_and_bars(draw, bars, value_label)
    buffer = io.BytesIO()
    page.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _draw_axes_and_bars(
    draw: ImageDraw.ImageDraw, bars: Sequence[tuple[str, int]], value_label: Callable[[int], str]
) -> None:
    """Gridlines with value labels, then one bar per entry with its label below."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = _nice_step(max(v for _, v in bars))
    top_value = step * (max(v for _, v in bars) // step + 1)
    small = Style(20, fill=INK)
    for value in range(0, top_value + 1, step):
        y = TOP + plot_h - plot_h * value / top_value
        draw.line([(LEFT, y), (WIDTH - RIGHT, y)], fill=GRID, width=2)
        label = value_label(value)
        draw_line(draw, LEFT - 12 - text_width(label, small), y + 7, label, small)
    slot = plot_w / len(bars)
    every = max(1, round(len(bars) / 12))  # at most about 12 labels under the bars
    for i, (label, value) in enumerate(bars):
        x0 = LEFT + i * slot + slot * 0.15
        height = plot_h * value / top_value
        draw.rectangle([x0, TOP + plot_h - height, x0 + slot * 0.7, TOP + plot_h], fill=BAR)
        if i % every == 0:
            x = LEFT + i * slot + slot / 2 - text_width(label, small) / 2
            draw_line(draw, x, TOP + plot_h + 34, label, small)
