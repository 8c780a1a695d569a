"""Privacy with the real shop: consents before the address, /mydata, /deletemydata, retention."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from models.core.base import utcnow
from models.core.payments import Payment, confirm_offline_payment
from models.privacy import ANONYMOUS, ErasureRequest, purge_expired
from models.shop.orders import (
    Order,
    OrderItem,
    cancel_by_buyer,
    deliver_order,
    pack_order,
    ship_order,
)
from models.shop.products import Cart
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import buyer, order_now
from tests.test_privacy import every_value, paid_total

ADMIN = 7000
BUYER = TgUser(id=918273001, first_name="Souksavanh", last_name="Phommachanh", language_code="lo")
ADDRESS = "ນະຄອນຫຼວງວຽງຈັນ, ເມືອງໄຊເສດຖາ, ບ້ານໂພນໄຊ, ເຮືອນ 12, ສຸກສະຫວັນ"
TRACKING = "LA123456789CN"


async def lao_order(bot: Harness) -> Order:
    """A Lao buyer orders kiwifruit to Vientiane, giving both consents first."""
    await bot.command(BUYER, "/start product_KIWI-5KG")
    await bot.tap(BUYER, "ໃສ່ກະຕ່າ")
    await bot.tap(BUYER, "🛒 ກະຕ່າ")
    await bot.tap(BUYER, "ສັ່ງສິນຄ້າ")
    assert "ກ່ອນໃສ່ທີ່ຢູ່" in last_text(await bot.tap(BUYER, "ລາວ"))
    with bot.db.session() as session:
        assert session.exec(select(Cart).where(Cart.user_id == BUYER.id)).one().address is None
    await bot.tap(BUYER, "ຂ້ອຍຍິນຍອມ")  # both consents, one tap
    await bot.text(BUYER, ADDRESS)
    await bot.text(BUYER, "020 5555 1234")
    await bot.text(BUYER, "ວາງໄວ້ໜ້າເຮືອນ")
    await bot.tap(BUYER, "ຢືນຢັນອໍເດີ")
    with bot.db.session() as session:
        order = session.exec(select(Order).where(Order.buyer_id == BUYER.id)).one()
    assert (order.address, order.phone) == (ADDRESS, "+8562055551234")
    return order


async def test_delivered_order_is_erased_and_sales_stay(bot: Harness) -> None:
    order = await lao_order(bot)
    with bot.db.session() as session:
        reference = session.exec(select(Payment.reference)).one()
    bot.db.call(confirm_offline_payment, reference=reference, operator_id=ADMIN)
    bot.db.call(pack_order, order_id=order.id, by_user_id=ADMIN)
    bot.db.call(
        ship_order, order_id=order.id, by_user_id=ADMIN, carrier="EMS", tracking_number=TRACKING
    )
    bot.db.call(deliver_order, order_id=order.id, by_user_id=ADMIN)

    calls = await bot.command(BUYER, "/mydata")
    document = next(c for c in calls if c.method == "sendDocument")
    exported = json.loads(document.files["document"][1])
    [mine] = exported["orders"]["orders"]
    assert (mine["address"], mine["tracking_number"]) == (ADDRESS, TRACKING)
    assert mine["items"][0]["sku"] == "KIWI-5KG"
    assert sorted(c["kind"] for c in exported["consents"]) == ["cross_border", "notice"]

    sales = paid_total(bot)
    with bot.db.session() as session:
        totals = [(o.total_fen, o.status) for o in session.exec(select(Order))]
        items = [(i.sku, i.quantity) for i in session.exec(select(OrderItem))]
    await bot.command(BUYER, "/deletemydata")
    calls = await bot.tap(BUYER, "ແມ່ນ, ລຶບ")
    assert "ລຶບຂໍ້ມູນສ່ວນຕົວຂອງທ່ານແລ້ວ" in last_text(calls)

    erased = ["Souksavanh", "Phommachanh", ADDRESS, "5555", TRACKING, "ໜ້າເຮືອນ"]
    for table, column, value in every_value(bot):
        assert value != BUYER.id, (table, column)
        if isinstance(value, str):
            for secret in [*erased, str(BUYER.id)]:
                assert secret not in value, (table, column, secret)
    assert paid_total(bot) == sales
    with bot.db.session() as session:
        assert [(o.total_fen, o.status) for o in session.exec(select(Order))] == totals
        assert [(i.sku, i.quantity) for i in session.exec(select(OrderItem))] == items


async def test_open_order_keeps_its_delivery_details_until_finished(bot: Harness) -> None:
    order = await lao_order(bot)  # awaiting payment
    await bot.command(BUYER, "/deletemydata")
    calls = await bot.tap(BUYER, "ແມ່ນ, ລຶບ")
    assert "ອໍເດີທີ່ຍັງບໍ່ທັນສົ່ງຮອດ" in last_text(calls)
    with bot.db.session() as session:
        kept = session.get_one(Order, order.id)
        assert (kept.buyer_id, kept.address) == (BUYER.id, ADDRESS)
        assert session.get(ErasureRequest, BUYER.id) is not None
    bot.db.call(cancel_by_buyer, order_id=order.id, user_id=BUYER.id)
    bot.db.call(purge_expired, before=utcnow() - timedelta(days=180))
    with bot.db.session() as session:
        done = session.get_one(Order, order.id)
        assert (done.buyer_id, done.address, done.phone) == (0, ANONYMOUS, ANONYMOUS)
        assert session.get(ErasureRequest, BUYER.id) is None


async def test_retention_erases_old_finished_orders_only(bot: Harness) -> None:
    buyer(bot.db, 5001, "zh")
    old = order_now(bot.db, 5001, "HONEY-500G")
    recent = order_now(bot.db, 5001, "HONEY-500G")
    still_open = order_now(bot.db, 5001, "HONEY-500G")
    for order in (old, recent):
        bot.db.call(cancel_by_buyer, order_id=order.id, user_id=5001)
    with bot.db.session() as session:
        session.exec(
            update(Order)  # type: ignore[call-overload]
            .where(col(Order.id) == old.id)
            .values(updated_at=utcnow() - timedelta(days=181))
        )
        session.commit()
    counts = bot.db.call(purge_expired, before=utcnow() - timedelta(days=180))
    assert counts["orders"] == 1
    with bot.db.session() as session:
        rows = {o.id: o for o in session.exec(select(Order))}
    assert (rows[old.id].address, rows[old.id].phone) == (ANONYMOUS, ANONYMOUS)
    assert rows[old.id].total_fen == old.total_fen and rows[old.id].buyer_id == 5001
    assert rows[recent.id].address != ANONYMOUS
    assert rows[still_open.id].address != ANONYMOUS
