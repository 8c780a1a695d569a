"""The back office's orders: the list to ship, packing, shipping with a tracking number,
delivery and cancelling with a reason, each told to the buyer in their language."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.notify import deliver_pending
from models.shop.backoffice import TO_SHIP, operator_orders
from models.shop.orders import Order, OrderEvent, OrderStatus, pack_order
from tests.backoffice_helpers import paid_order, status_of
from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import ADDRESSES, product


@pytest.fixture
def op() -> TgUser:
    """The operator, writing in English."""
    return TgUser(id=ADMIN_ID, first_name="Operator", language_code="en")


def told(bot: Harness, user: TgUser) -> list[str]:
    """Every message the user received."""
    return [c.params["text"] for c in bot.api.sent("sendMessage") if c.params["chat_id"] == user.id]


async def test_operator_ships_an_order_and_the_lao_buyer_is_told_in_lao(
    bot: Harness, op: TgUser, noy: TgUser
) -> None:
    await bot.command(noy, "/start")
    order = paid_order(bot.db, noy.id, "KIWI-5KG", 2, country="LA")
    await bot.command(op, "/ops")
    calls = await bot.tap(op, "Orders to ship")
    listed = last_text(calls)
    assert order.number in listed and "Laos" in listed and "ນ້ອຍ" in listed
    assert "2 × Shibadong red-heart kiwifruit" in listed
    assert ADDRESSES["LA"][0] not in listed  # the address only on the order screen
    calls = await bot.tap(op, order.number)
    assert ADDRESSES["LA"][0] in last_text(calls) and "+856" in last_text(calls)
    await bot.tap(op, "Mark packed")
    assert status_of(bot.db, order) == OrderStatus.PACKED
    await bot.tap(op, "Ship")
    await bot.tap(op, "Lao Post")
    calls = await bot.text(op, "12 34")
    assert "6 to 40 letters" in last_text(calls) and "Send the tracking number" in last_text(calls)
    assert status_of(bot.db, order) == OrderStatus.PACKED
    calls = await bot.text(op, "la123456789cn")
    assert last_text(calls).startswith("<i>Shipped.")
    with bot.db.session() as session:
        row = session.get_one(Order, order.id)
    assert (row.status, row.carrier, row.tracking_number) == (
        "shipped",
        "lao_post",  # a listed carrier is stored as its code
        "LA123456789CN",
    )
    await deliver_pending(bot.app)
    shipped = [t for t in told(bot, noy) if "LA123456789CN" in t]
    # the Lao buyer reads the carrier's Lao name
    assert len(shipped) == 1 and "ໄປສະນີລາວ" in shipped[0] and "Lao Post" not in shipped[0]
    assert any("\u0e80" <= ch <= "\u0eff" for ch in shipped[0]) and "on its way" not in shipped[0]
    await bot.tap(op, "Mark delivered")
    assert status_of(bot.db, order) == OrderStatus.DELIVERED


async def test_carrier_typed_in_and_back_buttons(bot: Harness, op: TgUser, ann: TgUser) -> None:
    order = paid_order(bot.db, ann.id, "HONEY-500G")
    await bot.press(op, f"OPO pack {order.id}")
    await bot.press(op, f"OPO ship {order.id}")
    await bot.tap(op, "Another carrier")
    calls = await bot.tap(op, "Back")
    assert "Which carrier" in last_text(calls)
    await bot.tap(op, "Another carrier")
    await bot.text(op, "YTO Express")
    calls = await bot.tap(op, "Back")
    assert "Which carrier" in last_text(calls)
    calls = await bot.tap(op, "Back")  # to the order, leaving the dialogue
    assert order.number in last_text(calls)
    await bot.text(op, "YT1234567890")  # no longer asked for: nothing ships
    assert status_of(bot.db, order) == OrderStatus.PACKED
    await bot.press(op, f"OPO ship {order.id}")
    await bot.tap(op, "Another carrier")
    await bot.text(op, "YTO Express")
    await bot.text(op, "YT1234567890")
    with bot.db.session() as session:
        row = session.get_one(Order, order.id)
    assert (row.status, row.carrier) == ("shipped", "YTO Express")


async def test_cancel_with_a_reason_returns_stock_and_tells_the_buyer(
    bot: Harness, op: TgUser, li: TgUser
) -> None:
    await bot.command(li, "/start")
    before = product(bot.db, "PEACH-5KG").stock
    order = paid_order(bot.db, li.id, "PEACH-5KG", 3)
    assert product(bot.db, "PEACH-5KG").stock == before - 3
    await bot.press(op, f"OPO view {order.id}")
    await bot.tap(op, "Cancel order")
    calls = await bot.text(op, "no")
    assert "3 to 200 characters" in last_text(calls)
    assert status_of(bot.db, order) == OrderStatus.PAID
    await bot.text(op, "Hail <b>damaged</b> the peaches")
    assert status_of(bot.db, order) == OrderStatus.CANCELLED
    assert product(bot.db, "PEACH-5KG").stock == before
    with bot.db.session() as session:
        event = session.exec(
            select(OrderEvent).where(
                OrderEvent.order_id == order.id, OrderEvent.to_status == "cancelled"
            )
        ).one()
    assert event.note == "Hail <b>damaged</b> the peaches" and event.by_user_id == ADMIN_ID
    await deliver_pending(bot.app)
    cancelled = [t for t in told(bot, li) if "已取消" in t]
    assert len(cancelled) == 1
    assert "Hail &lt;b&gt;damaged&lt;/b&gt; the peaches" in cancelled[0]


async def test_orders_to_ship_are_paged(bot: Harness, op: TgUser, ann: TgUser) -> None:
    orders = [paid_order(bot.db, ann.id, "TEA-250G") for _ in range(6)]
    calls = await bot.press(op, "OPO list ready 0")
    assert orders[0].number in last_text(calls) and orders[5].number not in last_text(calls)
    assert "Page 1 of 2" in last_text(calls)
    calls = await bot.tap(op, "▶️")
    assert orders[5].number in last_text(calls) and orders[0].number not in last_text(calls)
    calls = await bot.tap(op, "◀️")
    assert orders[0].number in last_text(calls)


async def test_a_stale_action_changes_nothing(bot: Harness, op: TgUser, ann: TgUser) -> None:
    order = paid_order(bot.db, ann.id, "TEA-250G")
    calls = await bot.press(op, f"OPO delivered {order.id}")  # not shipped: cannot be delivered
    assert "moved on in the meantime" in last_text(calls)
    assert status_of(bot.db, order) == OrderStatus.PAID
    calls = await bot.press(op, "OPO view 99999")
    assert "There is no such order." in last_text(calls)


async def test_orders_to_ship_pages_paid_and_packed_orders_oldest_first(
    bot: Harness, noy: TgUser
) -> None:
    await bot.command(noy, "/start")
    orders = [paid_order(bot.db, noy.id, "KIWI-5KG") for _ in range(7)]
    for order in orders[1::2]:  # packed and paid orders alternate by age
        bot.db.call(pack_order, order_id=order.id, by_user_id=ADMIN_ID)
    first, total = bot.db.call(operator_orders, statuses=TO_SHIP, limit=5)
    second, _ = bot.db.call(operator_orders, statuses=TO_SHIP, offset=5, limit=5)
    assert total == 7
    assert [e.order.id for e in first + second] == [o.id for o in orders]
    assert [e.order.status for e in first[:2]] == [OrderStatus.PAID, OrderStatus.PACKED]
