"""Emblems and catalog illustrations drawn with Pillow primitives (no downloaded art).

Each species or product kind has an emblem (peach, kiwi, tea, honey, coffee, rice, and a plain
tree for anything else). Emblems are drawn four times larger and scaled down, so their edges are
smooth; the same drawing makes the certificate's emblem and the sample catalog's pictures
(scripts/make_pictures.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter

Colour = tuple[int, int, int] | tuple[int, int, int, int]
Painter = Callable[[ImageDraw.ImageDraw, float, float, float], None]

SUPERSAMPLE = 4
LEAF = (64, 128, 60)
LEAF_DARK = (38, 92, 54)
LEAF_LIGHT = (118, 170, 84)
BARK = (120, 80, 44)
PEACH = (246, 164, 82)
PEACH_BLUSH = (232, 92, 84)
KIWI_SKIN = (140, 100, 58)
KIWI_FLESH = (132, 184, 60)
KIWI_CORE = (236, 240, 196)
HONEY = (232, 160, 36)
HONEY_DARK = (184, 112, 20)
COFFEE = (110, 62, 34)
COFFEE_DARK = (70, 38, 20)
RICE = (246, 240, 220)
STRAW = (214, 172, 84)


def _ellipse(
    d: ImageDraw.ImageDraw, cx: float, cy: float, rx: float, ry: float, **kw: object
) -> None:
    """An ellipse by centre and radii."""
    d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), **kw)  # type: ignore[arg-type]


def _leaf(
    d: ImageDraw.ImageDraw,
    cx: float,
    cy: float,
    length: float,
    angle: float,
    fill: Colour = LEAF,
    vein: Colour = LEAF_DARK,
) -> None:
    """A pointed leaf from (cx, cy) along angle (degrees), with its midrib."""
    a = math.radians(angle)
    ux, uy = math.cos(a), math.sin(a)
    px, py = -uy, ux
    width = length * 0.36
    points = []
    for i in range(21):
        t = i / 20
        half = width * math.sin(math.pi * t) ** 0.9
        points.append((cx + ux * length * t + px * half, cy + uy * length * t + py * half))
    for i in range(20, -1, -1):
        t = i / 20
        half = width * math.sin(math.pi * t) ** 0.9
        points.append((cx + ux * length * t - px * half, cy + uy * length * t - py * half))
    d.polygon(points, fill=fill)
    d.line(
        (cx, cy, cx + ux * length * 0.92, cy + uy * length * 0.92),
        fill=vein,
        width=max(1, round(length / 22)),
    )


def paint_peach(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A yellow peach with a blush, its crease and two leaves."""
    _leaf(d, cx + r * 0.05, cy - r * 0.78, r * 0.9, -30)
    _leaf(d, cx - r * 0.05, cy - r * 0.8, r * 0.75, -150, fill=LEAF_LIGHT)
    _ellipse(d, cx, cy, r, r * 0.94, fill=PEACH)
    _ellipse(d, cx + r * 0.3, cy - r * 0.1, r * 0.55, r * 0.6, fill=(240, 130, 80))
    _ellipse(d, cx + r * 0.42, cy - r * 0.18, r * 0.32, r * 0.38, fill=PEACH_BLUSH)
    _ellipse(d, cx - r * 0.45, cy - r * 0.35, r * 0.16, r * 0.12, fill=(252, 214, 150))
    d.arc(
        (cx - r * 1.1, cy - r * 0.95, cx + r * 0.05, cy + r * 0.9),
        -70,
        60,
        fill=(214, 112, 60),
        width=max(1, round(r / 14)),
    )
    d.line((cx, cy - r * 0.92, cx + r * 0.04, cy - r * 1.12), fill=BARK, width=round(r / 10))


def paint_kiwi(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A whole kiwifruit behind a cut half: green flesh, pale core, a ring of black seeds."""
    _ellipse(d, cx - r * 0.45, cy - r * 0.25, r * 0.7, r * 0.58, fill=KIWI_SKIN)
    _ellipse(d, cx - r * 0.62, cy - r * 0.42, r * 0.18, r * 0.1, fill=(168, 128, 80))
    ox, oy = cx + r * 0.25, cy + r * 0.15
    _ellipse(d, ox, oy, r * 0.75, r * 0.75, fill=KIWI_SKIN)
    _ellipse(d, ox, oy, r * 0.68, r * 0.68, fill=KIWI_FLESH)
    _ellipse(d, ox, oy, r * 0.5, r * 0.5, fill=(160, 204, 84))
    for i in range(14):
        a = 2 * math.pi * i / 14
        sx, sy = ox + math.cos(a) * r * 0.33, oy + math.sin(a) * r * 0.33
        _ellipse(d, sx, sy, r * 0.045, r * 0.045, fill=(30, 24, 20))
    for i in range(14):  # rays from the core
        a = 2 * math.pi * (i + 0.5) / 14
        d.line(
            (
                ox + math.cos(a) * r * 0.2,
                oy + math.sin(a) * r * 0.2,
                ox + math.cos(a) * r * 0.55,
                oy + math.sin(a) * r * 0.55,
            ),
            fill=(196, 224, 120),
            width=max(1, round(r / 30)),
        )
    _ellipse(d, ox, oy, r * 0.2, r * 0.15, fill=KIWI_CORE)
    _leaf(d, cx - r * 0.3, cy - r * 0.75, r * 0.7, -40)


def paint_tea(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A tea shoot: two leaves and a bud on a stem (the "one bud, two leaves" pickers take)."""
    r *= 1.2
    cy += r * 0.1
    stem = max(2, round(r / 12))
    d.line((cx, cy + r * 0.95, cx, cy - r * 0.5), fill=(96, 120, 52), width=stem)
    _leaf(d, cx, cy + r * 0.35, r * 1.0, -20, fill=LEAF)
    _leaf(d, cx, cy + r * 0.05, r * 0.9, -160, fill=(84, 148, 64))
    _leaf(d, cx, cy - r * 0.3, r * 0.62, -75, fill=LEAF_LIGHT, vein=(84, 140, 60))
    _leaf(d, cx, cy - r * 0.3, r * 0.5, -108, fill=(150, 196, 100), vein=(96, 150, 64))


def paint_honey(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A piece of honeycomb with a drop of honey."""
    cell = r * 0.34
    for col, row in (
        (0, 0),
        (1, 0),
        (-1, 0),
        (0.5, -0.87),
        (-0.5, -0.87),
        (0.5, 0.87),
        (-0.5, 0.87),
    ):
        x = cx + col * cell * 1.74
        y = cy - r * 0.1 + row * cell * 1.74
        d.regular_polygon((x, y, cell), 6, rotation=30, fill=HONEY_DARK)
        d.regular_polygon((x, y, cell * 0.8), 6, rotation=30, fill=HONEY)
        _ellipse(
            d, x - cell * 0.25, y - cell * 0.25, cell * 0.18, cell * 0.12, fill=(250, 214, 120)
        )
    dx, dy = cx + r * 0.15, cy + r * 0.75
    d.polygon(
        [(dx, dy - r * 0.42), (dx - r * 0.17, dy - r * 0.02), (dx + r * 0.17, dy - r * 0.02)],
        fill=HONEY,
    )
    _ellipse(d, dx, dy, r * 0.18, r * 0.18, fill=HONEY)


def paint_coffee(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """Three roasted coffee beans with their crease."""
    for bx, by, angle, size in (
        (-0.42, 0.2, 30, 0.55),
        (0.42, 0.25, -25, 0.55),
        (0, -0.3, 80, 0.6),
    ):
        x, y, s = cx + bx * r, cy + by * r, size * r
        bean = Image.new("L", (round(s * 2.4), round(s * 2.4)))
        bd = ImageDraw.Draw(bean)
        c = s * 1.2
        _ellipse(bd, c, c, s * 0.72, s, fill=255)
        mask = bean.rotate(angle, resample=Image.Resampling.BICUBIC)
        image = d._image  # the image this draw object paints on
        image.paste(COFFEE, (round(x - c), round(y - c)), mask)
        a = math.radians(angle + 90)
        ux, uy = math.cos(a) * s * 0.85, -math.sin(a) * s * 0.85
        d.line((x - ux, y - uy, x + ux * 0.1, y + uy * 0.1), fill=COFFEE_DARK, width=round(s / 7))
        d.line((x + ux * 0.1, y + uy * 0.1, x + ux, y + uy), fill=COFFEE_DARK, width=round(s / 7))


def paint_rice(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A bowl of sticky rice with an ear of rice above it."""
    d.line(
        (cx - r * 0.2, cy - r * 0.2, cx + r * 0.5, cy - r * 1.0), fill=STRAW, width=round(r / 14)
    )
    for i in range(6):
        t = 0.25 + i * 0.13
        x, y = cx - r * 0.2 + r * 0.7 * t, cy - r * 0.2 - r * 0.8 * t
        _ellipse(d, x - r * 0.09, y + r * 0.02, r * 0.07, r * 0.12, fill=(226, 190, 96))
        _ellipse(d, x + r * 0.08, y + r * 0.06, r * 0.07, r * 0.12, fill=(226, 190, 96))
    _ellipse(d, cx, cy + r * 0.1, r * 0.85, r * 0.45, fill=RICE)
    for i in range(18):
        a = i * 2.4
        gx = cx + math.cos(a) * r * 0.6 * ((i % 5) / 5 + 0.2)
        gy = cy + r * 0.05 + math.sin(a) * r * 0.25 * ((i % 4) / 4 + 0.2)
        _ellipse(d, gx, gy, r * 0.07, r * 0.035, fill=(232, 224, 200))
    d.chord(
        (cx - r * 0.95, cy - r * 0.55, cx + r * 0.95, cy + r * 1.05), 0, 180, fill=(70, 120, 170)
    )
    d.chord(
        (cx - r * 0.95, cy - r * 0.55, cx + r * 0.95, cy + r * 1.05),
        0,
        180,
        outline=(40, 80, 120),
        width=round(r / 18),
    )
    d.line(
        (cx - r * 0.6, cy + r * 0.5, cx + r * 0.6, cy + r * 0.5),
        fill=(210, 170, 60),
        width=round(r / 16),
    )


def paint_tree(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    """A small round tree on a strip of ground (for a kind with no emblem of its own)."""
    d.rounded_rectangle((cx - r * 0.1, cy, cx + r * 0.1, cy + r * 0.95), radius=r * 0.05, fill=BARK)
    for dx, dy, rr in ((-0.45, -0.1, 0.45), (0.45, -0.1, 0.45), (0, -0.4, 0.55), (0, 0.05, 0.45)):
        _ellipse(d, cx + dx * r, cy + dy * r, rr * r, rr * r, fill=LEAF_DARK if dy else LEAF)
    d.line((cx - r, cy + r * 0.95, cx + r, cy + r * 0.95), fill=BARK, width=round(r / 18))


EMBLEMS: dict[str, Painter] = {
    "peach": paint_peach,
    "kiwi": paint_kiwi,
    "tea": paint_tea,
    "honey": paint_honey,
    "coffee": paint_coffee,
    "rice": paint_rice,
    "tree": paint_tree,
}


def emblem_kind(slug: str) -> str:
    """The emblem for a species slug or product SKU ("PEACH-5KG" → peach; unknown → tree)."""
    word = slug.lower().split("-")[0]
    return word if word in EMBLEMS else "tree"


def emblem(kind: str, size: int) -> Image.Image:
    """An emblem as a transparent square image of size pixels, smoothly drawn."""
    big = size * SUPERSAMPLE
    canvas = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    EMBLEMS[emblem_kind(kind)](ImageDraw.Draw(canvas), big / 2, big / 2, big * 0.36)
    return canvas.resize((size, size), Image.Resampling.LANCZOS)


# ---------------------------------------------------------------- catalog pictures


def _background(width: int, height: int, top: Colour, bottom: Colour) -> Image.Image:
    """A vertical two-colour gradient."""
    strip = Image.new("RGB", (1, 2))
    strip.putpixel((0, 0), top[:3])
    strip.putpixel((0, 1), bottom[:3])
    return strip.resize((width, height), Image.Resampling.BILINEAR)


def _shadowed(base: Image.Image, picture: Image.Image, x: int, y: int) -> None:
    """Pastes a transparent picture with a soft shadow below it."""
    shadow = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    shadow.putalpha(picture.getchannel("A").point(lambda a: a * 0.35))
    shadow = shadow.filter(ImageFilter.GaussianBlur(picture.width // 40))
    base.paste(shadow, (x + picture.width // 40, y + picture.width // 25), shadow)
    base.paste(picture, (x, y), picture)


def product_picture(kind: str, width: int = 800, height: int = 600) -> Image.Image:
    """A product's illustration: its emblem large on a warm background, on a wooden board."""
    base = _background(width, height, (253, 246, 228), (240, 222, 186))
    d = ImageDraw.Draw(base)
    d.rounded_rectangle(
        (width * 0.12, height * 0.72, width * 0.88, height * 0.86), radius=18, fill=(196, 150, 98)
    )
    d.line((width * 0.14, height * 0.79, width * 0.86, height * 0.79), fill=(176, 130, 80), width=3)
    size = round(height * 0.78)
    picture = emblem(kind, size)
    _shadowed(base, picture, (width - size) // 2, round(height * 0.02))
    return base


def tree_picture(kind: str, width: int = 800, height: int = 600) -> Image.Image:
    """A tree's illustration: the plant on a terraced hillside, its fruit or leaves on it."""
    base = _background(width, height, (198, 226, 240), (236, 244, 226))
    scale = SUPERSAMPLE
    big = Image.new("RGBA", (width * scale, height * scale), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    w, h = width * scale, height * scale
    _ellipse(d, w * 0.84, h * 0.16, h * 0.08, h * 0.08, fill=(252, 220, 120))
    for i, colour in enumerate(((150, 190, 120), (120, 170, 96), (96, 150, 80))):
        top = h * (0.58 + i * 0.12)
        d.polygon(
            [(0, top + h * 0.05), (w * 0.5, top - h * 0.03), (w, top + h * 0.04), (w, h), (0, h)],
            fill=colour,
        )
    kind = emblem_kind(kind)
    cx, ground = w * 0.5, h * 0.8
    if kind == "kiwi":
        _kiwi_vine(d, cx, ground, h)
    elif kind == "tea":
        _tea_bush(d, cx, ground, h)
    else:
        _fruit_tree(d, cx, ground, h, kind)
    small = big.resize((width, height), Image.Resampling.LANCZOS)
    base.paste(small, (0, 0), small)
    return base


def _fruit_tree(d: ImageDraw.ImageDraw, cx: float, ground: float, h: float, kind: str) -> None:
    """A round-crowned tree hung with its fruit."""
    d.polygon(
        [
            (cx - h * 0.035, ground),
            (cx + h * 0.035, ground),
            (cx + h * 0.02, ground - h * 0.32),
            (cx - h * 0.02, ground - h * 0.32),
        ],
        fill=BARK,
    )
    for dx, dy, rr, colour in (
        (-0.2, -0.42, 0.16, LEAF_DARK),
        (0.2, -0.42, 0.16, LEAF_DARK),
        (0, -0.55, 0.2, LEAF),
        (-0.1, -0.36, 0.15, LEAF),
        (0.12, -0.34, 0.14, (84, 148, 64)),
    ):
        _ellipse(d, cx + dx * h, ground + dy * h, rr * h, rr * h * 0.9, fill=colour)
    painter = EMBLEMS.get(kind, paint_peach) if kind != "tree" else paint_peach
    for dx, dy in (
        (-0.22, -0.4),
        (0.05, -0.62),
        (0.22, -0.45),
        (-0.05, -0.33),
        (0.14, -0.3),
        (-0.15, -0.55),
    ):
        painter(d, cx + dx * h, ground + dy * h, h * 0.038)


def _kiwi_vine(d: ImageDraw.ImageDraw, cx: float, ground: float, h: float) -> None:
    """A kiwifruit vine on a trellis, fruit hanging under the leaves."""
    top = ground - h * 0.42
    for x in (cx - h * 0.42, cx + h * 0.42):
        d.rectangle((x - h * 0.012, top, x + h * 0.012, ground), fill=(140, 110, 80))
    d.line((cx - h * 0.5, top, cx + h * 0.5, top), fill=(140, 110, 80), width=round(h * 0.012))
    d.line((cx, ground, cx - h * 0.05, top), fill=BARK, width=round(h * 0.025))
    for i in range(11):
        x = cx - h * 0.48 + i * h * 0.096
        _leaf(d, x, top - h * 0.01, h * 0.11, 200 + (i % 3) * 30, fill=LEAF if i % 2 else LEAF_DARK)
        _leaf(d, x + h * 0.03, top, h * 0.1, -20 - (i % 4) * 25, fill=(84, 148, 64))
    for i in range(9):
        x = cx - h * 0.4 + i * h * 0.1
        y = top + h * (0.06 + 0.03 * (i % 2))
        _ellipse(d, x, y, h * 0.028, h * 0.036, fill=KIWI_SKIN)


def _tea_bush(d: ImageDraw.ImageDraw, cx: float, ground: float, h: float) -> None:
    """An old tea tree: a twisted trunk and a broad crown of small leaves."""
    d.polygon(
        [
            (cx - h * 0.05, ground),
            (cx + h * 0.05, ground),
            (cx + h * 0.01, ground - h * 0.2),
            (cx + h * 0.08, ground - h * 0.3),
            (cx - h * 0.03, ground - h * 0.3),
            (cx - h * 0.03, ground - h * 0.18),
        ],
        fill=(104, 76, 50),
    )
    _ellipse(d, cx, ground - h * 0.42, h * 0.34, h * 0.18, fill=LEAF_DARK)
    _ellipse(d, cx - h * 0.15, ground - h * 0.36, h * 0.2, h * 0.12, fill=LEAF)
    _ellipse(d, cx + h * 0.16, ground - h * 0.38, h * 0.2, h * 0.12, fill=(84, 148, 64))
    for i in range(26):
        a = i * 2.39996
        rr = (i / 26) ** 0.5
        x = cx + math.cos(a) * rr * h * 0.3
        y = ground - h * 0.43 + math.sin(a) * rr * h * 0.14
        _leaf(d, x, y, h * 0.05, (i * 47) % 360, fill=LEAF_LIGHT if i % 3 else (150, 196, 100))
