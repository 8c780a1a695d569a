"""Pictures: emoji in colour, certificates of every species and language, catalog pictures."""

from __future__ import annotations

import importlib.util
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image, ImageDraw
from sqlmodel import select

from bot.db import Database
from bot.i18n import translator
from bot.render import certificate
from bot.render.certificate import METADATA_KEY, render_certificate
from bot.render.fonts import EMOJI, font_coverage
from bot.render.text import (
    REPLACEMENT,
    ZWSP,
    Style,
    draw_line,
    drawn_text,
    split_runs,
    text_width,
    wrap_text,
)
from handlers.adoption.certificate import certificate_content
from handlers.kit.pictures import CACHE_KEY
from models.adoption.adoptions import Adoption, AdoptionStatus, AdoptionView
from models.catalog.pictures import PICTURES_DIR, sample_picture_path
from models.catalog.places import Farmer, Village
from models.catalog.trees import Species, Tree
from models.core.contact import clean_text
from models.shop.products import Product
from tests.factories import TgUser
from tests.harness import Harness, last_text

ROOT = Path(__file__).resolve().parent.parent
NICKNAMES = {"zh": "小桃 🍑", "lo": "ນ້ອງຊາ 🍵✨", "en": "Peachy 👨‍👩‍👧 🇱🇦"}
HOLDERS = {"zh": "王喆堃", "lo": "ສຸກສະຫວັນ ພົມມະວົງ", "en": "Maria-José O'Connor"}


def _view(db: Database, slug: str, language: str, gift: bool) -> AdoptionView:
    """An adoption of the first sample tree of a species, with emoji in what the user typed."""
    with db.session() as session:
        species = session.exec(select(Species).where(Species.slug == slug)).one()
        tree = session.exec(select(Tree).where(Tree.species_id == species.id)).first()
        assert tree is not None
        village = session.get_one(Village, tree.village_id)
        farmer = session.get_one(Farmer, tree.farmer_id)
    adoption = Adoption(
        tree_id=tree.id or 0,
        season="2026",
        user_id=1,
        nickname=NICKNAMES[language],
        certificate_name=HOLDERS[language],
        gift=gift,
        gift_recipient="Bo Chen 🎁" if gift else "",
        gift_message="生日快乐！🎂 ຂໍໃຫ້ມີຄວາມສຸກ 🎉" if gift else "",
        country="CN",
        address="-",
        phone="-",
        amount_fen=tree.price_fen,
        status=AdoptionStatus.ACTIVE,
        certificate_no="CERT-2026-7QX4-K9M2",
        reserved_until=datetime(2026, 3, 2, tzinfo=UTC),
        paid_at=datetime(2026, 3, 1, 2, tzinfo=UTC),
    )
    return AdoptionView(adoption, tree, species, village, farmer)


def _texts(content: certificate.CertificateContent) -> list[str]:
    """Every piece of text the certificate draws."""
    texts = [content.title, content.preamble, content.holder, content.statement, content.footer]
    texts += [text for row in content.lines for text in row]
    return [*texts, *content.issuer, content.seal]


@pytest.mark.parametrize("language", ["zh", "lo", "en"])
@pytest.mark.parametrize("slug", ["peach", "kiwi", "tea"])
@pytest.mark.parametrize("gift", [False, True])
def test_every_character_of_every_certificate_has_a_glyph(
    db: Database, slug: str, language: str, gift: bool
) -> None:
    content = certificate_content(
        translator(language), _view(db, slug, language, gift), "VillageOrchardBot"
    )
    assert content.emblem == slug
    for text in _texts(content):
        assert REPLACEMENT not in drawn_text(text), text  # no □: a font covers every character
    assert any(run.font == EMOJI for run in split_runs(content.lines[2][1]))  # the nickname
    image = Image.open(io.BytesIO(render_certificate(content)))
    stored = json.loads(image.text[METADATA_KEY])  # type: ignore[attr-defined]
    assert stored["statement"] == content.statement and stored["issuer"] == list(content.issuer)


def test_certificate_says_what_it_certifies_in_each_language(db: Database) -> None:
    zh = certificate_content(translator("zh"), _view(db, "tea", "zh", False), "VillageOrchardBot")
    assert zh.preamble == "兹证明" and zh.holder == "王喆堃"
    assert zh.statement == "认养了蓬萨旺村种植户诺伊的一棵古茶树（TEA-0001），认养季为2026年。"
    assert zh.issuer == ("蓬萨旺村邮政所", "老挝乌多姆赛省纳莫县", "颁发日期：2026年3月1日")
    assert "果" not in zh.footer  # a tea tree: no fruit promised
    lo = certificate_content(translator("lo"), _view(db, "tea", "lo", False), "VillageOrchardBot")
    assert lo.preamble == "ຂໍຢັ້ງຢືນວ່າ" and lo.issuer[0] == "ໄປສະນີບ້ານໂພນສະຫວ່າງ"
    assert "TEA-0001" in lo.statement and "ນ້ອຍ" in lo.statement
    en = certificate_content(translator("en"), _view(db, "kiwi", "en", True), "VillageOrchardBot")
    assert en.title == "Certificate of Adoption (a gift)" and en.holder == "Bo Chen 🎁"
    assert en.statement.startswith("has received, as a gift from Maria-José O'Connor,")
    assert ("Season", "2026, until Sep 30, 2026") in en.lines
    assert "fruit" not in en.footer


def _has_colour(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    """Whether a region holds strongly coloured pixels (not just black ink on white)."""
    colours = image.crop(box).convert("RGB").getcolors(maxcolors=1 << 20) or []
    return any(max(rgb) - min(rgb) > 50 for _count, rgb in colours)


@pytest.mark.parametrize("emoji", ["🍑", "🎂", "👍🏽", "🇱🇦", "❤️", "1️⃣"])
def test_emoji_are_drawn_in_colour_in_their_box(emoji: str) -> None:
    style = Style(48)
    image = Image.new("RGB", (400, 100), "white")
    end = draw_line(ImageDraw.Draw(image), 10, 70, f"A{emoji}B", style)
    left = 10 + text_width("A", style)
    right = left + text_width(emoji, style)
    assert end == pytest.approx(right + text_width("B", style))
    assert _has_colour(image, (int(left), 10, int(right), 90))
    assert not _has_colour(image, (0, 0, int(left) - 1, 100))  # the A is plain ink
    assert len([r for r in split_runs(emoji) if r.font == EMOJI]) == 1


def test_an_emoji_in_a_certificate_is_drawn_in_colour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    boxes: list[tuple[int, int, int, int]] = []
    original = certificate.draw_line

    def spy(draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, style: Style) -> float:
        if text.startswith("Peachy"):
            left = x + text_width("Peachy ", style)
            boxes.append(
                (int(left), int(baseline - style.size), int(left + style.size), int(baseline))
            )
        return original(draw, x, baseline, text, style)

    monkeypatch.setattr(certificate, "draw_line", spy)
    content = certificate.CertificateContent(
        title="Certificate", holder="Ann", lines=(("Nickname", "Peachy 🍑"),), footer="", qr_url=""
    )
    image = Image.open(io.BytesIO(render_certificate(content)))
    assert len(boxes) == 1 and _has_colour(image, boxes[0])


def test_no_chinese_paragraph_ends_in_a_single_character() -> None:
    style = Style(30)
    text = "愿这棵桃树和我们的友谊一样，年年开花结果。祝你生日快乐"
    for width in range(200, 700, 7):
        lines = wrap_text(text, style, width)
        assert "".join(lines) == text
        assert all(text_width(line, style) <= width for line in lines)
        if len(lines) > 1:
            assert len(lines[-1].rstrip("，。！")) > 1, (width, lines)


def test_lao_breaks_at_zero_width_spaces_and_keeps_clusters() -> None:
    style = Style(30)
    words = ["ຂໍໃຫ້", "ຕົ້ນໄມ້", "ນີ້", "ເຕີບໃຫຍ່", "ແຂງແຮງ", "ແລະ", "ໃຫ້ໝາກຫຼາຍໆ"]
    text = ZWSP.join(words * 3)
    lines = wrap_text(text, style, 260)
    assert len(lines) > 2
    for line in lines:
        assert text_width(line, style) <= 260
        assert line.rstrip(ZWSP).split(ZWSP)[-1] in words  # broken between words only
    # with no break opportunity at all, a line still never parts ເ from its consonant
    for line in wrap_text("ເກົ້າແມ່ນໂຕເລກ" * 6, style, 150):
        assert line[-1] not in "ເແໂໃໄ" and line[0] not in "ັິີຶືຸູົຼ່້໊໋"


def test_typed_emoji_sequences_are_kept_whole() -> None:
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    for typed in (f"{scotland} Scot", "👨‍👩‍👧 family", "❤️ 1️⃣"):
        assert clean_text(typed, 20, room=40) == typed
        assert next(r.text for r in split_runs(typed) if r.font == EMOJI) == typed.split()[0]


def test_emoji_font_is_shipped_with_its_licence() -> None:
    fonts = ROOT / "bot" / "render" / "fonts"
    assert (fonts / "NotoColorEmoji.ttf").is_file()
    assert "Noto Color Emoji" in (fonts / "OFL.txt").read_text()
    assert "SIL-1.1" in (fonts / "NotoColorEmoji-COPYRIGHT.txt").read_text()
    assert ord("🍑") in font_coverage(EMOJI)


# ---------------------------------------------------------------- the sample catalog's pictures


def _make_pictures() -> ModuleType:
    """scripts/make_pictures.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "make_pictures", ROOT / "scripts/make_pictures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_sample_product_and_tree_has_a_small_picture(db: Database) -> None:
    with db.session() as session:
        photos = [p.photo for p in session.exec(select(Product))]
        photos += [t.photo for t in session.exec(select(Tree))]
    assert photos and all(photos)
    for photo in set(photos):
        assert photo is not None
        path = sample_picture_path(photo)
        assert path is not None, photo
        assert path.stat().st_size < 200_000
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.size == (800, 600)


def test_catalog_pictures_are_what_the_script_draws() -> None:
    files = _make_pictures().catalog_pictures()
    assert files == {path.name: path.read_bytes() for path in PICTURES_DIR.glob("*.jpg")}


def test_sample_photo_names_cannot_leave_the_folder() -> None:
    assert sample_picture_path("sample:../../bot/render/fonts/OFL.txt") is None
    assert sample_picture_path("sample:nothing-here.jpg") is None
    assert sample_picture_path("AgACAgIAAxkBAAIB") is None


async def test_tree_card_sends_its_picture_once_then_its_file_id(bot: Harness, li: TgUser) -> None:
    await bot.command(li, "/start")
    calls = await bot.press(li, "TREE list species 1 0")
    text = last_text(calls)
    # the list shows what tells the trees apart: age, share and price
    assert "PEACH-0001" in text and "树龄" in text and "至少 20 公斤" in text and "¥" in text
    first = await bot.command(li, "/start tree_PEACH-0003")
    photo = next(c for c in first if c.method == "sendPhoto")
    assert photo.files["photo"][0] == "tree-peach.jpg"  # the JPEG file is uploaded
    assert photo.files["photo"][1][:3] == b"\xff\xd8\xff"
    assert "PEACH-0003" in photo.params["caption"]
    again = await bot.command(li, "/start tree_PEACH-0004")
    photo = next(c for c in again if c.method == "sendPhoto")
    assert not photo.files and isinstance(photo.params["photo"], str)  # the file_id is reused
    assert bot.app.bot_data[CACHE_KEY]["sample:tree-peach.jpg"] == photo.params["photo"]


async def test_lao_tree_list_shows_age_share_and_price_in_kip(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start")
    with bot.db.session() as session:
        tea = session.exec(select(Species).where(Species.slug == "tea")).one()
    text = last_text(await bot.press(noy, f"TREE list species {tea.id} 0"))
    line = next(line for line in text.splitlines() if "TEA-0001" in line)
    assert "ອາຍຸ" in line and "ຢ່າງໜ້ອຍ 2 ກິໂລ" in line
    assert "900.000 ກີບ" in line and "ຢວນ" not in line  # the Lao village's tea is priced in kip
    with bot.db.session() as session:
        peach = session.exec(select(Species).where(Species.slug == "peach")).one()
    text = last_text(await bot.press(noy, f"TREE list species {peach.id} 0"))
    line = next(line for line in text.splitlines() if "PEACH-0001" in line)
    assert "ຢວນ (≈" in line and "ກີບ)" in line  # a Chinese village's yuan, with kip beside


async def test_product_card_sends_its_picture(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start product_HONEY-500G")
    photo = bot.api.sent("sendPhoto")[-1]
    assert photo.files["photo"][1][:3] == b"\xff\xd8\xff"
    assert "ນ້ຳເຜິ້ງ" in photo.params["caption"]
    buttons = [
        b["callback_data"] for row in photo.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert any(data.startswith("SHOP add ") for data in buttons)


async def test_a_card_too_long_for_a_caption_comes_below_its_picture(
    bot: Harness, noy: TgUser
) -> None:
    with bot.db.session() as session:
        tree = session.exec(select(Tree).where(Tree.code == "TEA-0002")).one()
        tree.description_lo = ("<ຊາ> " + "ຍອດຊາລະດູໃບໄມ້ປົ່ງເກັບດ້ວຍມື " * 26)[:800]
        village = session.get_one(Village, tree.village_id)
        village.region_lo = ("ເມືອງນາໝໍ້, ແຂວງອຸດົມໄຊ, ລາວ " * 6)[:160]
        session.add_all([tree, village])
        session.commit()
    calls = await bot.command(noy, "/start tree_TEA-0002")
    assert [c.method for c in calls] == ["sendPhoto", "sendMessage"]
    assert "caption" not in calls[0].params
    text = calls[1].params["text"]
    assert len(text) > 1024 and "&lt;ຊາ&gt;" in text and text.endswith(text.split("\n")[-1])
    assert any("ADOPT go" in str(row) for row in calls[1].params["reply_markup"]["inline_keyboard"])


async def test_operator_replaces_a_tree_and_a_product_picture(
    bot: Harness, admin: TgUser, li: TgUser
) -> None:
    calls = await bot.photo(admin, "AgACphotoOfPeach3", "/photo peach-0003")
    assert "PEACH-0003" in last_text(calls) and "已保存" in last_text(calls)
    calls = await bot.photo(admin, "AgACphotoOfHoney", "/photo HONEY-500G")
    assert "HONEY-500G" in last_text(calls)
    with bot.db.session() as session:
        assert session.exec(select(Tree).where(Tree.code == "PEACH-0003")).one().photo == (
            "AgACphotoOfPeach3"
        )
        honey = session.exec(select(Product).where(Product.sku == "HONEY-500G")).one()
        assert honey.photo == "AgACphotoOfHoney"
    calls = await bot.command(li, "/start tree_PEACH-0003")
    photo = next(c for c in calls if c.method == "sendPhoto")
    assert photo.params["photo"] == "AgACphotoOfPeach3" and not photo.files
    assert "没有编号为 NOPE-1 的树或商品" in last_text(
        await bot.photo(admin, "AgACx", "/photo NOPE-1")
    )
    assert "/photo PEACH-0003" in last_text(await bot.photo(admin, "AgACx", "/photo"))
    assert "/photo PEACH-0003" in last_text(await bot.command(admin, "/photo"))


async def test_only_operators_can_replace_pictures(bot: Harness, li: TgUser) -> None:
    calls = await bot.photo(li, "AgACmine", "/photo PEACH-0003")
    assert "无权" in last_text(calls)
    with bot.db.session() as session:
        tree = session.exec(select(Tree).where(Tree.code == "PEACH-0003")).one()
    assert tree.photo == "sample:tree-peach.jpg"
