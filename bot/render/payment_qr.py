"""The sample catalog's placeholder payment QR codes: a QR code that pays nobody, labelled
"sample" in Chinese, Lao and English, so a test install shows what a real one looks like."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw

from bot.render.certificate import qr_image
from bot.render.fonts import DRAW_LOCK
from bot.render.text import Style, draw_line, text_width

WIDTH, HEIGHT = 600, 760
QR_SIZE = 440
RED = (200, 40, 40)
PAPER = (255, 255, 255)
SAMPLE_WORDS = "样例 · ຕົວຢ່າງ · SAMPLE"
NOT_REAL = "仅供演示 · ໃຊ້ສະແດງເທົ່ານັ້ນ · not a real account"


@lru_cache(maxsize=16)
def sample_qr_png(title: str, payload: str) -> bytes:
    """A placeholder QR image with `title` (the method's name) and the word "sample"."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    qr = qr_image(payload, QR_SIZE)
    with DRAW_LOCK:
        _centred(draw, 70, title, Style(38, bold=True))
        if qr is not None:
            image.paste(qr, ((WIDTH - qr.width) // 2, 100))
        _centred(draw, HEIGHT - 90, SAMPLE_WORDS, Style(40, bold=True, fill=RED))
        _centred(draw, HEIGHT - 40, NOT_REAL, Style(22, fill=RED))
    draw.rectangle((6, 6, WIDTH - 7, HEIGHT - 7), outline=RED, width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _centred(draw: ImageDraw.ImageDraw, baseline: float, text: str, style: Style) -> None:
    """Draws one line centred on the page."""
    draw_line(draw, (WIDTH - text_width(text, style)) / 2, baseline, text, style)
