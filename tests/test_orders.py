"""The status lifecycle, the buyer's view of their own orders only, and notifications."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.notify import deliver_pending
from models.core.payments import Payment, PaymentStatus, confirm_offline_payment
from models.shop.orders import (
    Order,
    OrderError,
    OrderEvent,
    OrderStatus,
    cancel_order,
    deliver_order,
    pack_order,
    ship_order,
)
from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import buyer, order_now, product


def pay(bot: Harness, order: Order) -> None:
    """Opens and confirms an offline payment, as the post office would."""
    from models.core.payments import PaymentMethod, open_payment

    payment = bot.db.call(
        open_payment,
        kind="order",
        target_id=order.id,
        user_id=order.buyer_id,
        method=PaymentMethod.OFFLINE,
    )
    bot.db.call(confirm_offline_payment, reference=payment.reference, operator_id=ADMIN_ID)


def status_of(bot: Harness, order: Order) -> str:
    """The order's stored status."""
    with bot.db.session() as session:
        return session.get_one(Order, order.id).status


async def test_lifecycle_is_validated_recorded_and_told_in_chinese(
    bot: Harness, li: TgUser
) -> None:
    buyer(bot.db, li.id, "zh")
    order = order_now(bot.db, li.id, "HONEY-500G")
    with pytest.raises(OrderError, match="not_allowed"):
        bot.db.call(pack_order, order_id=order.id, by_user_id=ADMIN_ID)  # not paid yet
    pay(bot, order)
    with pytest.raises(OrderError, match="not_allowed"):
        bot.db.call(
            ship_order, order_id=order.id, by_user_id=ADMIN_ID, carrier="EMS", tracking_number="1"
        )  # not packed yet
    bot.db.call(pack_order, order_id=order.id, by_user_id=ADMIN_ID)
    with pytest.raises(OrderError, match="tracking_required"):
        bot.db.call(
            ship_order, order_id=order.id, by_user_id=ADMIN_ID, carrier="EMS", tracking_number=" "
        )
    bot.db.call(
        ship_order,
        order_id=order.id,
        by_user_id=ADMIN_ID,
        carrier="EMS",
        tracking_number="EA123456789CN",
    )
    bot.db.call(deliver_order, order_id=order.id, by_user_id=ADMIN_ID)
    with pytest.raises(OrderError, match="not_allowed"):
        bot.db.call(cancel_order, order_id=order.id, by_user_id=ADMIN_ID)
    with bot.db.session() as session:
        events = session.exec(
            select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
        ).all()
    assert [(e.from_status, e.to_status, e.by_user_id) for e in events] == [
        (None, "awaiting_payment", li.id),
        ("awaiting_payment", "paid", li.id),
        ("paid", "packed", ADMIN_ID),
        ("packed", "shipped", ADMIN_ID),
        ("shipped", "delivered", ADMIN_ID),
    ]
    assert events[3].note == "EMS EA123456789CN"
    await deliver_pending(bot.app)
    texts = [c.params["text"] for c in bot.api.sent("sendMessage") if c.params["chat_id"] == li.id]
    number = f"<b>{order.number}</b>"
    assert texts == [
        f"订单 {number} 已收到付款。谢谢！我们会尽快打包。",
        f"订单 {number} 已打包，即将发货。",
        f"订单 {number} 已由EMS发出。快递单号：<code>EA123456789CN</code>\n🚚 预计约 2–4 天送达。",
        f"订单 {number} 已送达。感谢您对村里的支持！",
    ]

    calls = await bot.command(li, f"/track {order.number.lower()}")
    text = last_text(calls)
    assert "状态：✅ 已送达" in text and "EA123456789CN" in text and "进度" in text


async def test_operator_cancel_after_payment_restocks_and_flags_refund(
    bot: Harness, noy: TgUser
) -> None:
    buyer(bot.db, noy.id, "lo")
    order = order_now(bot.db, noy.id, "COFFEE-500G", 3, country="LA")
    assert product(bot.db, "COFFEE-500G").stock == 17
    pay(bot, order)
    bot.db.call(cancel_order, order_id=order.id, by_user_id=ADMIN_ID, note="no stock at farm")
    assert status_of(bot, order) == OrderStatus.CANCELLED
    assert product(bot.db, "COFFEE-500G").stock == 20
    with bot.db.session() as session:
        payment = session.exec(select(Payment).where(Payment.target_id == order.id)).one()
    assert payment.status == PaymentStatus.REFUND_DUE
    await deliver_pending(bot.app)
    last = bot.api.sent("sendMessage")[-1]
    assert last.params["chat_id"] == noy.id
    assert "ຍົກເລີກແລ້ວ" in last.params["text"] and "ຄືນເງິນ" in last.params["text"]


async def test_buyer_cancels_before_packing_but_not_after(bot: Harness, ann: TgUser) -> None:
    first = order_now(bot.db, ann.id, "RICE-5KG", 2)
    await bot.command(ann, "/orders")
    await bot.tap(ann, first.number)
    await bot.tap(ann, "Cancel order")
    text = last_text(await bot.tap(ann, "Yes, cancel it"))
    assert "Status: ✖️ Cancelled" in text
    assert status_of(bot, first) == OrderStatus.CANCELLED
    assert product(bot.db, "RICE-5KG").stock == 30

    second = order_now(bot.db, ann.id, "RICE-5KG")
    pay(bot, second)
    bot.db.call(pack_order, order_id=second.id, by_user_id=ADMIN_ID)
    calls = await bot.press(ann, f"ORD cancel-yes {second.id}")
    assert "This order can no longer be cancelled." in last_text(calls)
    assert status_of(bot, second) == OrderStatus.PACKED


async def test_someone_elses_order_looks_like_no_order(
    bot: Harness, ann: TgUser, li: TgUser
) -> None:
    order = order_now(bot.db, li.id, "KIWI-5KG")
    unknown = last_text(await bot.command(ann, "/track SBD-2222-3333"))
    theirs = last_text(await bot.command(ann, f"/track {order.number}"))
    assert theirs == unknown == "There is no order with that number in your orders."
    calls = await bot.press(ann, f"ORD view {order.id}")
    assert last_text(calls) == unknown
    calls = await bot.press(ann, f"ORD cancel-yes {order.id}")
    assert last_text(calls) == unknown
    assert status_of(bot, order) == OrderStatus.AWAITING_PAYMENT
    assert "Nothing" not in last_text(await bot.command(ann, "/orders"))


async def test_orders_list_and_detail_with_items_totals_and_timeline(
    bot: Harness, ann: TgUser
) -> None:
    assert last_text(await bot.command(ann, "/orders")) == "You have no orders yet."
    order = order_now(bot.db, ann.id, "KIWI-5KG", 2)
    text = last_text(await bot.command(ann, "/orders"))
    assert order.number in text and "Awaiting payment" in text
    text = last_text(await bot.tap(ann, order.number))
    assert "2 × Shibadong red-heart kiwifruit (5 kg box) — CN¥256.00" in text
    assert "Shipping: CN¥60.00" in text and "Total: CN¥316.00" in text
    assert "Please pay by" in text and "History" in text
    calls = await bot.tap(ann, "Pay")
    assert "<code>P" in last_text(calls)  # offline instructions from the shared payment step
