"""Browsing, the product card and its deep link, and the cart's versioned buttons."""

from __future__ import annotations

import copy

from sqlmodel import select

from models.shop.products import Cart, CartItem
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import product, set_stock


def cart_items(bot: Harness, user_id: int) -> dict[int, int]:
    """product id → quantity in the user's cart."""
    with bot.db.session() as session:
        cart = session.exec(select(Cart).where(Cart.user_id == user_id)).first()
        if cart is None:
            return {}
        items = session.exec(select(CartItem).where(CartItem.cart_id == cart.id)).all()
    return {item.product_id: item.quantity for item in items}


async def test_shelves_and_prices_with_kip_for_lao(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start")
    await bot.tap(noy, "ຮ້ານຄ້າຂອງບ້ານ")
    calls = await bot.tap(noy, "ໝາກໄມ້")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    text = last_text(calls)
    assert "ໝາກກີວີໄສ້ແດງ ຊືປາຕົງ" in text and "ແກັດ 5 ກິໂລ" in text
    assert "128 ຢວນ (≈" in text and "ກີບ)" in text  # the kip estimate next to the yuan price
    assert any(data == "SHOP" for _, data in bot.buttons(noy))  # a way back


async def test_chinese_buyer_sees_yuan_only(bot: Harness, li: TgUser) -> None:
    await bot.command(li, "/shop")
    text = last_text(await bot.tap(li, "蜂蜜"))
    assert "十八洞土蜂蜜" in text and "¥88.00" in text and "₭" not in text


async def test_deep_link_opens_the_card_and_unknown_sku_says_so(bot: Harness, ann: TgUser) -> None:
    text = last_text(await bot.command(ann, "/start product_KIWI-5KG"))
    assert "Shibadong red-heart kiwifruit" in text and "Long Xiannian" in text
    assert any("Add to cart" in label for label, _ in bot.buttons(ann))
    text = last_text(await bot.command(ann, "/start product_NOPE"))
    assert text.startswith("That product is not sold any more.")


async def test_card_with_photo_is_sent_as_photo(bot: Harness, ann: TgUser) -> None:
    with bot.db.session() as session:
        honey = product(bot.db, "HONEY-500G")
        honey.photo = "AgACAgIAAxkBAAIB"
        session.add(honey)
        session.commit()
    calls = await bot.command(ann, "/start product_HONEY-500G")
    assert [c.method for c in calls] == ["sendPhoto"]
    assert calls[0].params["photo"] == "AgACAgIAAxkBAAIB"
    assert "Shibadong wild honey" in calls[0].params["caption"]


async def test_add_plus_minus_remove_recompute_totals(bot: Harness, ann: TgUser) -> None:
    kiwi = product(bot.db, "KIWI-5KG")
    await bot.command(ann, "/start product_KIWI-5KG")
    calls = await bot.tap(ann, "Add to cart")
    assert calls[0].params["text"] == "Added. In your cart: 1."
    await bot.tap(ann, "My cart")
    text = last_text(await bot.tap(ann, "➕ More"))
    assert "2 × CN¥128.00 = CN¥256.00" in text and "Subtotal: CN¥256.00" in text
    text = last_text(await bot.tap(ann, "➖ Less"))
    assert "Subtotal: CN¥128.00" in text
    text = last_text(await bot.tap(ann, "➖ Less"))
    assert "The least is 1" in text and cart_items(bot, ann.id) == {kiwi.id: 1}
    text = last_text(await bot.tap(ann, "🗑 Remove"))
    assert "Your cart is empty." in text and cart_items(bot, ann.id) == {}


async def test_quantity_never_exceeds_stock(bot: Harness, ann: TgUser) -> None:
    set_stock(bot.db, "TEA-250G", 2)
    tea = product(bot.db, "TEA-250G")
    for _ in range(3):
        calls = await bot.press(ann, f"SHOP add {tea.id}")
    assert calls[0].params["text"] == "You already have all we have in stock (2)."
    await bot.command(ann, "/cart")
    text = last_text(await bot.tap(ann, "➕ More"))
    assert "That is all we have in stock." in text
    assert cart_items(bot, ann.id) == {tea.id: 2}


async def test_button_on_an_old_cart_message_is_not_applied(bot: Harness, ann: TgUser) -> None:
    kiwi = product(bot.db, "KIWI-5KG")
    await bot.press(ann, f"SHOP add {kiwi.id}")
    old = await bot.command(ann, "/cart")
    old_message = copy.deepcopy(old[-1].result)  # edits change the stored message in place
    await bot.tap(ann, "➕ More")  # now 2, from the current message
    old_minus = next(
        b["callback_data"]
        for row in old_message["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "➖ Less"
    )
    calls = await bot.press(ann, old_minus, old_message)
    assert calls[0].method == "answerCallbackQuery"
    text = last_text(calls)
    assert text.startswith("<i>That message was out of date.")
    assert "2 × CN¥128.00" in text  # the current cart, not the old numbers
    assert cart_items(bot, ann.id) == {kiwi.id: 2}


async def test_choose_one_to_ten_at_once_in_lao(bot: Harness, noy: TgUser) -> None:
    kiwi = product(bot.db, "KIWI-5KG")
    await bot.command(noy, "/start")
    await bot.press(noy, f"SHOP add {kiwi.id}")
    await bot.command(noy, "/cart")
    text = last_text(await bot.tap(noy, "🔢 ຈັກອັນ? 1–10"))
    assert "ໝາກກີວີໄສ້ແດງ ຊືປາຕົງ" in text and "ກົດຕົວເລກ" in text
    labels = [label for label, _ in bot.buttons(noy)]
    assert labels[:10] == ["✅ 1", *map(str, range(2, 11))] and "⬅️ ກັບຄືນ" in labels
    text = last_text(await bot.tap(noy, "7"))
    assert "7 × 128 ຢວນ" in text and cart_items(bot, noy.id) == {kiwi.id: 7}


async def test_the_numbers_stop_at_the_stock_in_chinese(bot: Harness, li: TgUser) -> None:
    set_stock(bot.db, "TEA-250G", 3)
    tea = product(bot.db, "TEA-250G")
    await bot.command(li, "/start")
    await bot.press(li, f"SHOP add {tea.id}")
    await bot.command(li, "/cart")
    picker = await bot.tap(li, "🔢 选数量 1–10")
    assert [label for label, _ in bot.buttons(li)][:4] == ["✅ 1", "2", "3", "⬅️ 返回"]
    old_message = copy.deepcopy(picker[-1].result)
    set_stock(bot.db, "TEA-250G", 2)  # sold meanwhile: the tap is capped, and says so
    set_three = next(
        b["callback_data"]
        for row in old_message["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "3"
    )
    text = last_text(await bot.press(li, set_three, old_message))
    assert "库存只有这么多了。" in text
    assert cart_items(bot, li.id) == {tea.id: 2}


async def test_a_product_without_a_farmer_is_grown_by_its_village(bot: Harness, li: TgUser) -> None:
    with bot.db.session() as session:
        honey = product(bot.db, "HONEY-500G")
        honey.farmer_id = None  # the village's own, no one farmer's
        session.add(honey)
        session.commit()
    text = last_text(await bot.command(li, "/start product_HONEY-500G"))
    assert "十八洞" in text and "龙" not in text.split("\n")[-1]
    assert any("加入购物车" in label for label, _ in bot.buttons(li))
