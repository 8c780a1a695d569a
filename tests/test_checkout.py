"""Checkout: a whole order in Lao and in Chinese, one order per confirm, never oversold, and
unpaid orders expiring with their stock given back."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from sqlmodel import select

from bot.notify import deliver_pending
from models.core.base import utcnow
from models.core.payments import Payment, PaymentError, PaymentMethod, open_payment
from models.shop.orders import (
    Order,
    OrderError,
    OrderEvent,
    OrderStatus,
    expire_orders,
    place_order,
)
from tests.factories import TgUser, make_callback_update
from tests.harness import Harness, last_text
from tests.shop_helpers import RATES, buyer, order_now, product, ready_cart, set_stock


def orders_of(bot: Harness, user_id: int | None = None) -> list[Order]:
    """Orders in the database (of one buyer)."""
    with bot.db.session() as session:
        statement = select(Order)
        if user_id is not None:
            statement = statement.where(Order.buyer_id == user_id)
        return list(session.exec(statement))


async def test_lao_buyer_orders_kiwifruit_to_vientiane(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start product_KIWI-5KG")
    await bot.tap(noy, "ໃສ່ກະຕ່າ")
    await bot.tap(noy, "🛒 ກະຕ່າ")
    text = last_text(await bot.tap(noy, "ສັ່ງສິນຄ້າ"))
    assert text == "<b>ຂັ້ນຕອນທີ 1 ຈາກ 4</b>\nຈະໃຫ້ສົ່ງອໍເດີໄປໃສ?"
    # before any address: one screen for the privacy notice and the cross-border transfer
    text = last_text(await bot.tap(noy, "ລາວ"))
    assert "ກ່ອນໃສ່ທີ່ຢູ່" in text and "ຊາຍແດນ" in text
    assert "ເຮືອນ" in last_text(await bot.tap(noy, "ຂ້ອຍຍິນຍອມ"))  # one tap: the address question
    text = last_text(await bot.text(noy, "ນະຄອນຫຼວງວຽງຈັນ, ເມືອງໄຊເສດຖາ, ບ້ານໂພນໄຊ, ເຮືອນ 12, ນ້ອຍ"))
    assert "ເບີໂທ" in text and "+856 20" in text
    text = last_text(await bot.text(noy, "138 0013 8000"))  # a Chinese number, not for Laos
    assert text.startswith("ເບີນີ້ໃຊ້ໂທບໍ່ໄດ້ໃນ 🇱🇦 ລາວ")
    await bot.text(noy, "020 5555 1234")
    summary = last_text(await bot.tap(noy, "ຂ້າມ"))
    # 5.5 kg to Laos: 40 yuan for the first kg + 5 × 15 yuan
    assert "ຄ່າສົ່ງໄປ 🇱🇦 ລາວ (5,5 ກິໂລ)" in summary and "115 ຢວນ" in summary
    assert "243 ຢວນ (≈" in summary and "ກີບ)" in summary  # total 128 + 115 yuan, with kip
    assert "+8562055551234" in summary
    calls = await bot.tap(noy, "ຢືນຢັນອໍເດີ")
    [order] = orders_of(bot, noy.id)
    assert (order.country, order.subtotal_fen, order.shipping_fen, order.total_fen) == (
        "LA",
        12800,
        11500,
        24300,
    )
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.phone == "+8562055551234"
    assert order.number in calls[1].params["text"]  # "thank you, order … is placed"
    assert "<code>P" in last_text(calls)  # offline payment instructions with a reference
    assert product(bot.db, "KIWI-5KG").stock == 39
    with bot.db.session() as session:
        events = session.exec(select(OrderEvent).where(OrderEvent.order_id == order.id)).all()
    assert [(e.from_status, e.to_status, e.by_user_id) for e in events] == [
        (None, OrderStatus.AWAITING_PAYMENT, noy.id)
    ]


async def test_chinese_buyer_orders_honey_within_china(bot: Harness, li: TgUser) -> None:
    honey = product(bot.db, "HONEY-500G")
    await bot.press(li, f"SHOP add {honey.id}")
    await bot.command(li, "/cart")
    await bot.tap(li, "去结算")
    await bot.tap(li, "中国")
    await bot.tap(li, "我同意")  # the notice only: Chinese buyer, delivery in China
    await bot.text(li, "湖南省长沙市岳麓区麓山南路 1 号 李娜")
    await bot.text(li, "+86 138 0013 8000")
    summary = last_text(await bot.text(li, "请放在门卫室"))
    assert "运费（寄往 🇨🇳 中国，0.7 公斤）：¥10.00" in summary and "合计：¥98.00" in summary
    assert "备注：请放在门卫室" in summary
    await bot.tap(li, "确认下单")
    [order] = orders_of(bot, li.id)
    assert (order.total_fen, order.note, order.phone) == (9800, "请放在门卫室", "+8613800138000")


async def test_double_tap_on_confirm_makes_one_order(bot: Harness, ann: TgUser) -> None:
    version = ready_cart(bot.db, ann.id, "PEACH-5KG", 2)
    buyer(bot.db, ann.id, "en")
    first = await bot.press(ann, f"CHK ok {version}")
    second = await bot.press(ann, f"CHK ok {version}")
    [order] = orders_of(bot, ann.id)
    assert "is placed" in first[1].params["text"]
    assert "This order has already been placed." in last_text(second)
    assert order.number in last_text(second)
    assert product(bot.db, "PEACH-5KG").stock == 28
    with bot.db.session() as session:
        assert len(session.exec(select(Payment)).all()) == 1


async def test_parallel_double_tap_makes_one_order(bot: Harness, ann: TgUser) -> None:
    version = ready_cart(bot.db, ann.id, "PEACH-5KG", 1)
    results: list[object] = []

    def tap() -> None:
        try:
            results.append(
                bot.db.call(
                    place_order, user_id=ann.id, version=version, rates=RATES, expiry_minutes=60
                )
            )
        except OrderError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(orders_of(bot, ann.id)) == 1
    assert product(bot.db, "PEACH-5KG").stock == 29
    assert sum(1 for r in results if getattr(r, "new", False)) == 1


def test_twenty_buyers_race_for_the_last_five_boxes(bot: Harness) -> None:
    set_stock(bot.db, "KIWI-5KG", 5)
    versions = {uid: ready_cart(bot.db, uid, "KIWI-5KG") for uid in range(2001, 2021)}
    barrier = threading.Barrier(len(versions))
    outcomes: dict[int, str] = {}

    def confirm(user_id: int) -> None:
        barrier.wait()
        try:
            bot.db.call(
                place_order,
                user_id=user_id,
                version=versions[user_id],
                rates=RATES,
                expiry_minutes=60,
            )
            outcomes[user_id] = "ordered"
        except OrderError as exc:
            outcomes[user_id] = exc.code

    threads = [threading.Thread(target=confirm, args=(uid,)) for uid in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()).count("ordered") == 5
    assert sorted(outcomes.values()).count("sold_out") == 15
    assert len(orders_of(bot)) == 5
    assert product(bot.db, "KIWI-5KG").stock == 0


async def test_buyers_who_lose_the_race_are_told_in_their_language(bot: Harness) -> None:
    set_stock(bot.db, "KIWI-5KG", 2)
    languages = ["zh", "lo", "en"] * 2
    users = [
        TgUser(id=3001 + i, first_name="b", language_code=lang) for i, lang in enumerate(languages)
    ]
    updates = []
    for user, lang in zip(users, languages, strict=True):
        buyer(bot.db, user.id, lang)
        version = ready_cart(bot.db, user.id, "KIWI-5KG")
        updates.append(make_callback_update(user, f"CHK ok {version}"))
    await asyncio.gather(*(bot.send(update) for update in updates))
    assert len(orders_of(bot)) == 2 and product(bot.db, "KIWI-5KG").stock == 0
    sorry = {
        "zh": "抱歉，别人先下单了",
        "lo": "ຂໍອະໄພ, ມີຄົນສັ່ງກ່ອນ",
        "en": "Sorry, someone was quicker",
    }
    told = 0
    for user, lang in zip(users, languages, strict=True):
        mine = [
            c.params["text"]
            for c in bot.api.sent("editMessageText")
            if c.params["chat_id"] == user.id
        ]
        if not orders_of(bot, user.id):
            assert any(sorry[lang] in text for text in mine), (lang, mine)
            assert any(text.count("<i>") for text in mine)
            told += 1
    assert told == 4


async def test_unpaid_order_expires_and_gives_stock_back(bot: Harness, li: TgUser) -> None:
    buyer(bot.db, li.id, "zh")
    order = order_now(bot.db, li.id, "TEA-250G", 2)
    assert product(bot.db, "TEA-250G").stock == 23
    assert bot.db.call(expire_orders) == 0  # not yet
    later = utcnow() + timedelta(minutes=61)
    assert bot.db.call(expire_orders, now=later) == 1
    assert bot.db.call(expire_orders, now=later) == 0
    assert product(bot.db, "TEA-250G").stock == 25
    [stored] = orders_of(bot, li.id)
    assert stored.status == OrderStatus.EXPIRED
    await deliver_pending(bot.app)
    [sent] = bot.api.sent("sendMessage")
    assert sent.params["chat_id"] == li.id
    assert sent.params["text"] == f"订单 <b>{order.number}</b> 未按时付款，已取消。"


async def test_an_order_past_its_time_cannot_be_paid(bot: Harness, ann: TgUser) -> None:
    order = order_now(bot.db, ann.id, "RICE-5KG")
    with bot.db.session() as session:
        stored = session.get_one(Order, order.id)
        stored.expires_at = utcnow() - timedelta(seconds=1)
        session.add(stored)
        session.commit()
    try:
        bot.db.call(
            open_payment,
            kind="order",
            target_id=order.id,
            user_id=ann.id,
            method=PaymentMethod.OFFLINE,
        )
    except PaymentError as exc:
        assert exc.code == "not_payable"
    else:
        raise AssertionError("an expired order was payable")
