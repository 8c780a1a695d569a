"""The new-product dialogue's last step: a photo of the product (stored as `/photo SKU` stores
it), a clear hint for anything else, or Skip to add it without one."""

from __future__ import annotations

from sqlmodel import select

from models.catalog.places import Village
from tests.conftest import ADMIN_ID
from tests.factories import TgUser, make_photo_update, make_sticker_update
from tests.harness import Harness, last_text
from tests.shop_helpers import product

OP_EN = TgUser(id=ADMIN_ID, first_name="Operator", language_code="en")
OP_ZH = TgUser(id=ADMIN_ID, first_name="Operator", language_code="zh-CN")
OP_LO = TgUser(id=ADMIN_ID, first_name="Operator", language_code="lo")
SKU = "PHONSAVANG-COFFEE"


async def up_to_the_photo(bot: Harness, op: TgUser) -> str:
    """Answers every question of a new product (Phonsavang coffee); returns the photo prompt."""
    with bot.db.session() as session:
        village = session.exec(select(Village).where(Village.slug == "phonsavang")).one()
    await bot.command(op, "/ops")
    for data in ("OPP new", f"OPP new-village {village.id}", "OPP new-farmer 0"):
        await bot.press(op, data)
    await bot.press(op, "OPP new-shelf tea")
    await bot.text(op, "蓬萨旺咖啡\nກາເຟ ໂພນສະຫວ່າງ\nPhonsavang coffee")
    await bot.text(op, "250克袋\nຖົງ 250 ກຣາມ\n250 g bag")
    await bot.press(op, "OPP new-skip")  # no description
    for answer in ("58", "300 g"):
        await bot.text(op, answer)
    return last_text(await bot.text(op, "12"))


async def test_a_photo_becomes_the_product_s_picture(bot: Harness, ann: TgUser) -> None:
    prompt = await up_to_the_photo(bot, OP_EN)
    assert prompt.startswith("<b>New product</b> (10/10)\nSend a photo of the product")
    assert ("⏭ Skip", "OPP new-nophoto") in bot.buttons(OP_EN)
    update = make_photo_update(OP_EN, "AgACphoto-large")
    small = {"file_id": "AgACphoto-small", "file_unique_id": "small", "width": 90, "height": 60}
    update["message"]["photo"].insert(0, small)  # Telegram lists the sizes smallest first
    summary = last_text(await bot.send(update))
    assert "Please check the new product" in summary and "📷 Picture: your photo" in summary
    assert "Added and on sale: PHONSAVANG-COFFEE" in last_text(
        await bot.tap(OP_EN, "Add and put on sale")
    )
    assert product(bot.db, SKU).photo == "AgACphoto-large"  # the largest size, as /photo keeps
    calls = await bot.command(ann, f"/start product_{SKU}")  # the buyer's card shows it
    [card] = [c for c in calls if c.method == "sendPhoto"]
    assert (
        card.params["photo"] == "AgACphoto-large" and "Phonsavang coffee" in card.params["caption"]
    )


async def test_anything_but_a_photo_gets_a_hint_in_chinese_then_skip(bot: Harness) -> None:
    await up_to_the_photo(bot, OP_ZH)
    calls = await bot.send(make_sticker_update(OP_ZH))
    assert last_text(calls).startswith("⚠️ 这不是照片。请以照片（不是文件）方式发送图片")
    assert "（10/10）" in last_text(calls)
    calls = await bot.text(OP_ZH, "没有照片")
    assert last_text(calls).startswith("⚠️ 这不是照片")
    summary = last_text(await bot.tap(OP_ZH, "跳过"))
    assert "📷 图片：暂无" in summary
    await bot.press(OP_ZH, "OPP new-save")
    assert product(bot.db, SKU).photo is None  # no picture until one is sent with /photo
    assert product(bot.db, SKU).name_zh == "蓬萨旺咖啡"


async def test_the_photo_step_in_lao(bot: Harness) -> None:
    prompt = await up_to_the_photo(bot, OP_LO)
    assert "ສົ່ງຮູບສິນຄ້າ" in prompt and "(10/10)" in prompt
    assert "ນີ້ບໍ່ແມ່ນຮູບ" in last_text(await bot.text(OP_LO, "ບໍ່ມີຮູບ"))
    summary = last_text(await bot.send(make_photo_update(OP_LO, "AgACphoto-lo")))
    assert "ຮູບ: ຮູບທີ່ທ່ານສົ່ງ" in summary
    await bot.press(OP_LO, "OPP new-save")
    assert product(bot.db, SKU).photo == "AgACphoto-lo"


async def test_a_buyer_cannot_skip_or_send_the_photo_step(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    calls = await bot.press(ann, "OPP new-nophoto")
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == "Sorry, this is not allowed for your account."
