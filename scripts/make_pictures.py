"""Draws the sample catalog's illustrations and the pictures in docs/pictures/ (deterministic).

    .venv/bin/python scripts/make_pictures.py            # both
    .venv/bin/python scripts/make_pictures.py --catalog  # models/catalog/pictures/ only
    .venv/bin/python scripts/make_pictures.py --docs     # docs/pictures/ only

The catalog pictures are illustrations drawn with Pillow (bot/render/illustrations.py) and say
so in a corner; the docs pictures are what the bot sends: a certificate for each species and
language, the sales chart, a product card. The same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.i18n import compile_catalogs, translator  # noqa: E402
from bot.render.certificate import render_certificate  # noqa: E402
from bot.render.charts import render_bar_chart  # noqa: E402
from bot.render.illustrations import product_picture, tree_picture  # noqa: E402
from bot.render.text import Style, draw_line, text_width, wrap_text  # noqa: E402
from handlers.adoption.certificate import certificate_content  # noqa: E402
from models.adoption.adoptions import Adoption, AdoptionStatus, AdoptionView  # noqa: E402
from models.catalog.pictures import (  # noqa: E402
    PICTURES_DIR,
    product_picture_name,
    tree_picture_name,
)
from models.catalog.places import Farmer, Village  # noqa: E402
from models.catalog.sample_products import PRODUCTS  # noqa: E402
from models.catalog.sample_trees import DESCRIPTIONS, SPECIES  # noqa: E402
from models.catalog.samples import FARMERS, VILLAGES  # noqa: E402
from models.catalog.trees import Tree  # noqa: E402

DOCS = ROOT / "docs" / "pictures"
LANGUAGES = ("zh", "lo", "en")
LABEL = "插图 · ຮູບແຕ້ມ · Illustration"
BOT = "VillageOrchardBot"
JPEG_QUALITY = 84
# who adopted what in the docs' certificates: species -> (tree, village, farmer, nickname, gift)
EXAMPLES = {
    "peach": ("PEACH-0005", "shibadong", "SBD-SHI", "小桃 🍑", ("李娜", "Bo Chen", "生日快乐！🎂")),
    "kiwi": ("KIWI-0002", "shibadong", "SBD-YANG", "", None),
    "tea": ("TEA-0003", "phonsavang", "PSV-KHAM", "ຊາຫອມ 🍵", None),
}
HOLDERS = {"zh": "王喆堃", "lo": "ສຸກສະຫວັນ ພົມມະວົງ", "en": "Maria-José O'Connor"}


def _labelled(picture: Image.Image) -> Image.Image:
    """Marks a picture as an illustration in the three languages, bottom right."""
    draw = ImageDraw.Draw(picture)
    style = Style(18, fill=(90, 80, 60))
    width = text_width(LABEL, style)
    x, y = picture.width - width - 18, picture.height - 16
    draw.rounded_rectangle((x - 10, y - 24, x + width + 10, y + 8), radius=8, fill=(255, 252, 240))
    draw_line(draw, x, y, LABEL, style)
    return picture


def _jpeg(picture: Image.Image) -> bytes:
    """A small JPEG for a Telegram photo (well under 200 KB)."""
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def catalog_pictures() -> dict[str, bytes]:
    """File name -> JPEG of each sample product's and species' tree illustration."""
    files = {}
    for product in PRODUCTS:
        sku = str(product["sku"])
        files[product_picture_name(sku)] = _jpeg(_labelled(product_picture(sku)))
    for species in SPECIES:
        files[tree_picture_name(species.slug)] = _jpeg(_labelled(tree_picture(species.slug)))
    return files


def _view(slug: str, language: str) -> AdoptionView:
    """A sample adoption of the example tree of a species, as the certificate code reads it."""
    code, village_slug, farmer_code, nickname, gift = EXAMPLES[slug]
    species = next(s for s in SPECIES if s.slug == slug)
    village = next(v for v in VILLAGES if v.slug == village_slug)
    names = next(f for f in FARMERS if f[0] == farmer_code)
    farmer = Farmer(
        code=farmer_code, village_id=0, name_zh=names[2], name_lo=names[3], name_en=names[4]
    )
    zh, lo, en = DESCRIPTIONS[slug]
    tree = Tree(
        code=code,
        species_id=0,
        village_id=0,
        farmer_id=0,
        year_planted=2014,
        price_fen=42000,
        harvest_kg={"peach": 20, "kiwi": 15, "tea": 2}[slug],
        description_zh=zh,
        description_lo=lo,
        description_en=en,
    )
    giver, recipient, message = gift or (HOLDERS[language], "", "")
    adoption = Adoption(
        tree_id=0,
        season="2026",
        user_id=1,
        nickname=nickname,
        certificate_name=giver,
        gift=gift is not None,
        gift_recipient=recipient,
        gift_message=message,
        country="CN",
        address="-",
        phone="-",
        amount_fen=42000,
        status=AdoptionStatus.ACTIVE,
        certificate_no=f"CERT-2026-{slug.upper()[:4]:X<4}-7QX4",
        reserved_until=datetime(2026, 3, 2, tzinfo=UTC),
        paid_at=datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
    )
    return AdoptionView(
        adoption=adoption,
        tree=tree,
        species=species,
        village=Village(**village.model_dump()),
        farmer=farmer,
    )


def _half(png: bytes) -> bytes:
    """The picture at half size (docs pictures are looked at on screen, not printed)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _chart(language: str) -> bytes:
    """The operators' sales chart with 30 days of made-up sales."""
    tr = translator(language)
    start = date(2026, 8, 3)
    bars = []
    for n in range(30):
        day = start + timedelta(days=n)
        bars.append((day.strftime("%m-%d"), (n * 37 % 11 + 2) * 180 + (900 if n % 7 == 5 else 0)))
    return render_bar_chart(
        title=tr._("Produce sales per day, last {days} days (yuan)").format(days=30),
        bars=bars,
        value_label=tr.number,
        empty_text=tr._("No sales in these days."),
    )


def _product_card(language: str) -> bytes:
    """A product card as a phone shows it: the picture with its caption under it."""
    tr = translator(language)
    rate = Settings().lak_per_cny  # the default rate, as the card shows it
    product = PRODUCTS[0]
    photo = _labelled(product_picture(str(product["sku"]))).resize((640, 480))
    name = str(product[f"name_{language}"])
    unit = str(product[f"unit_{language}"])
    lines = [
        (f"{name} ({unit})", Style(26, True)),
        (str(product[f"description_{language}"]), Style(22)),
        (tr._("Price: {price}").format(price=tr.price(int(product["price_fen"]), rate)), Style(22)),
    ]
    wrapped = [(line, style) for text, style in lines for line in wrap_text(text, style, 600)]
    height = 480 + 30 + sum(style.size + 14 for _, style in wrapped) + 20
    card = Image.new("RGB", (680, height + 40), (214, 228, 236))
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle((20, 20, 660, 20 + height), radius=18, fill=(255, 255, 255))
    corners = Image.new("L", (640, 480 + 18), 0)
    ImageDraw.Draw(corners).rounded_rectangle((0, 0, 639, 480 + 17), radius=18, fill=255)
    card.paste(photo, (20, 20), corners.crop((0, 0, 640, 480)))
    y = 20 + 480 + 20
    for line, style in wrapped:
        y += style.size + 14
        draw_line(draw, 40, y - 8, line, style)
    buffer = io.BytesIO()
    card.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def docs_pictures() -> dict[str, bytes]:
    """File name -> PNG of every picture the README shows."""
    compile_catalogs()
    files = {}
    for slug in EXAMPLES:
        for language in LANGUAGES:
            content = certificate_content(translator(language), _view(slug, language), BOT)
            files[f"certificate-{slug}-{language}.png"] = _half(render_certificate(content))
    for language in LANGUAGES:
        files[f"chart-{language}.png"] = _chart(language)
    files["product-card-zh.png"] = _product_card("zh")
    files["product-card-lo.png"] = _product_card("lo")
    return files


def _write(folder: Path, files: dict[str, bytes]) -> None:
    """Writes the files, saying which changed."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(files.items()):
        path = folder / name
        changed = not path.exists() or path.read_bytes() != data
        if changed:
            path.write_bytes(data)
        print(
            f"{'wrote' if changed else 'same '} {path.relative_to(ROOT)} ({len(data) // 1024} KB)"
        )


def main() -> None:
    """Writes the pictures asked for (both sets by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", action="store_true", help="only the catalog's pictures")
    parser.add_argument("--docs", action="store_true", help="only docs/pictures/")
    args = parser.parse_args()
    both = not args.catalog and not args.docs
    if args.catalog or both:
        _write(PICTURES_DIR, catalog_pictures())
    if args.docs or both:
        _write(DOCS, docs_pictures())


if __name__ == "__main__":
    main()
