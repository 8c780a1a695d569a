"""Buttons carry a word as well as an emoji, and the main menu fits one phone screen."""

from __future__ import annotations

import unicodedata

from sqlmodel import select

from models.shop.products import CartItem, add_to_cart
from tests.adoption_helpers import paid_adoption
from tests.backoffice_helpers import paid_order
from tests.factories import TgUser
from tests.harness import Harness
from tests.shop_helpers import buyer, product


def has_a_word(label: str) -> bool:
    """Whether a button's label has letters (of any script), not only emoji and arrows."""
    return any(unicodedata.category(ch).startswith("L") for ch in label)


async def test_paged_lists_say_previous_and_next(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start")
    await bot.press(noy, "TREE list species 1 1")
    labels = [label for label, _ in bot.buttons(noy)]
    assert "◀️ ໜ້າກ່ອນ" in labels and "ໜ້າຕໍ່ໄປ ▶️" in labels
    assert all(has_a_word(label) for label in labels)


async def test_the_main_menu_fits_one_screen_with_words(
    bot: Harness, admin: TgUser, li: TgUser
) -> None:
    for user in (admin, li):
        await bot.command(user, "/start")
        rows = bot._last_keyboard[user.id]["reply_markup"]["inline_keyboard"]
        assert len(rows) <= 5 and all(len(row) <= 2 for row in rows)
        assert all(has_a_word(label) and not label[0].isalnum() for label, _ in bot.buttons(user))


def emoji_and_word(labels: list[str]) -> list[str]:
    """The labels that lack an emoji or a word."""
    return [
        label
        for label in labels
        if not has_a_word(label) or not any(unicodedata.category(ch) == "So" for ch in label)
    ]


async def test_shelf_products_carry_their_shelf_s_icon_in_lao(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start")
    await bot.press(noy, "SHOP shelf fruit")
    labels = [label for label, _ in bot.buttons(noy)]
    assert "🥝 ໝາກກີວີໄສ້ແດງ ຊືປາຕົງ" in labels and emoji_and_word(labels) == []


async def test_the_back_office_lists_carry_an_emoji_and_a_word_in_chinese(
    bot: Harness, admin: TgUser, li: TgUser
) -> None:
    await bot.command(li, "/start")
    order = paid_order(bot.db, li.id, "HONEY-500G")
    paid_adoption(bot.db, li.id, "PEACH-0001")
    await bot.command(admin, "/start")
    seen: list[str] = []
    for data in ("OPO list ready 0", f"OPO pack {order.id}", f"OPO ship {order.id}"):
        await bot.press(admin, data)
        seen += [label for label, _ in bot.buttons(admin)]
    assert f"📦 {order.number}" in seen and "🚚 顺丰速运" in seen
    for data in ("OPH list ready 0", "BC"):
        await bot.press(admin, data)
        seen += [label for label, _ in bot.buttons(admin)]
    assert "👥 所有用户" in seen
    assert any(label.startswith("🍑 PEACH-0001 · ") for label in seen)
    assert emoji_and_word(seen) == []


async def test_cart_buttons_carry_an_emoji_and_a_word_in_english(bot: Harness, ann: TgUser) -> None:
    buyer(bot.db, ann.id, "en")
    bot.db.call(add_to_cart, user_id=ann.id, product_id=product(bot.db, "KIWI-5KG").id)
    await bot.command(ann, "/cart")
    labels = [label for label, _ in bot.buttons(ann)]
    # one line: no number to tell lines apart
    assert labels[:4] == ["➖ Less", "➕ More", "🗑 Remove", "🔢 How many? 1–10"]
    assert emoji_and_word(labels) == []


async def test_a_cart_of_two_lines_numbers_its_buttons_in_chinese(bot: Harness, li: TgUser) -> None:
    buyer(bot.db, li.id, "zh")
    for sku in ("KIWI-5KG", "HONEY-500G"):
        bot.db.call(add_to_cart, user_id=li.id, product_id=product(bot.db, sku).id)
    await bot.command(li, "/cart")
    rows = [
        [b["text"] for b in row]
        for row in bot._last_keyboard[li.id]["reply_markup"]["inline_keyboard"]
    ]
    assert rows[:4] == [
        ["➖ 1：减少", "➕ 1：增加", "🗑 1：删除"],
        ["🔢 1：选数量 1–10"],
        ["➖ 2：减少", "➕ 2：增加", "🗑 2：删除"],
        ["🔢 2：选数量 1–10"],
    ]
    assert emoji_and_word([label for row in rows for label in row]) == []
    await bot.tap(li, "➕ 2：增加")
    with bot.db.session() as session:
        honey = product(bot.db, "HONEY-500G").id
        quantity = session.exec(select(CartItem.quantity).where(CartItem.product_id == honey)).one()
    assert quantity == 2
