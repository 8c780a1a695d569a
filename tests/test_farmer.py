"""The farmer's menu: only orders with their own produce, packing their part, earnings."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import select

from models.shop.orders import OrderStatus, cancel_order
from models.shop.packing import PackedPart, farmer_earnings, pack_my_part
from tests.backoffice_helpers import bind_farmer, paid_mixed_order, paid_order, status_of
from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import ADDRESSES, order_now

LONG = TgUser(id=2001, first_name="Long", language_code="en")  # grows the kiwifruit
YANG = TgUser(id=2002, first_name="杨秀英", language_code="zh-hans")  # keeps the bees
KHAM = TgUser(id=2003, first_name="ຄຳພອນ", language_code="lo")  # grows the coffee


async def test_farmer_sees_only_orders_for_their_produce_without_address_or_phone(
    bot: Harness, ann: TgUser, noy: TgUser
) -> None:
    bind_farmer(bot.db, LONG.id, "SBD-LONG")
    bind_farmer(bot.db, YANG.id, "SBD-YANG", "zh")
    await bot.command(ann, "/start")
    kiwi = paid_order(bot.db, ann.id, "KIWI-5KG", 2)
    honey = paid_order(bot.db, noy.id, "HONEY-500G", 1, country="LA")
    calls = await bot.command(LONG, "/start")
    assert ("👩‍🌾 Farmer's menu", "FRM") in bot.buttons(LONG)
    await bot.tap(LONG, "Farmer's menu")
    calls = await bot.tap(LONG, "Orders to pack")
    text = last_text(calls)
    assert kiwi.number in text and honey.number not in text
    assert "2 × Shibadong red-heart kiwifruit (5 kg box)" in text and "China" in text
    assert "Ann" in text
    for secret in (*ADDRESSES["CN"], *ADDRESSES["LA"], "138", "+856"):
        assert secret not in text
    calls = await bot.command(YANG, "/farmer")
    await bot.tap(YANG, "待打包")
    text = last_text(bot.api.calls[-2:])
    assert honey.number in text and kiwi.number not in text and "老挝" in text


async def test_farmer_packs_an_order_of_their_own_produce(bot: Harness, ann: TgUser) -> None:
    bind_farmer(bot.db, LONG.id, "SBD-LONG")
    order = paid_order(bot.db, ann.id, "KIWI-5KG")
    await bot.command(LONG, "/farmer")
    await bot.tap(LONG, "Orders to pack")
    calls = await bot.tap(LONG, f"Mark packed: {order.number}")
    assert "The order is packed" in last_text(calls) and "Nothing to pack" in last_text(calls)
    assert status_of(bot.db, order) == OrderStatus.PACKED
    calls = await bot.press(LONG, "FRM orders")
    assert order.number in last_text(calls) and "Packed" in last_text(calls)


async def test_forged_pack_of_another_farmers_order_changes_nothing(
    bot: Harness, ann: TgUser
) -> None:
    bind_farmer(bot.db, LONG.id, "SBD-LONG")
    honey = paid_order(bot.db, ann.id, "HONEY-500G")
    calls = await bot.press(LONG, f"FRM pack {honey.id}")
    assert "There is no such order among yours." in last_text(calls)
    assert status_of(bot.db, honey) == OrderStatus.PAID
    with bot.db.session() as session:
        assert session.exec(select(PackedPart)).first() is None


async def test_mixed_order_is_packed_when_every_farmer_has_packed(
    bot: Harness, ann: TgUser
) -> None:
    bind_farmer(bot.db, LONG.id, "SBD-LONG")
    bind_farmer(bot.db, YANG.id, "SBD-YANG", "zh")
    order = paid_mixed_order(bot.db, ann.id, ["KIWI-5KG", "HONEY-500G"])
    await bot.press(LONG, "FRM to-pack")
    calls = await bot.tap(LONG, f"Mark packed: {order.number}")
    assert "waits for the other farmers" in last_text(calls)
    assert "Your part is packed" in last_text(calls)
    assert "Shibadong wild honey" not in last_text(calls)  # only Long's own items
    assert status_of(bot.db, order) == OrderStatus.PAID
    calls = await bot.press(LONG, f"FRM pack {order.id}")  # a second tap: still one part
    with bot.db.session() as session:
        assert len(session.exec(select(PackedPart)).all()) == 1
    await bot.press(YANG, f"FRM pack {order.id}")
    assert status_of(bot.db, order) == OrderStatus.PACKED


async def test_earnings_count_paid_sales_and_the_collective_share(
    bot: Harness, ann: TgUser
) -> None:
    bind_farmer(bot.db, KHAM.id, "PSV-KHAM", "lo")
    farmer = bind_farmer(bot.db, LONG.id, "SBD-LONG")
    paid_order(bot.db, ann.id, "KIWI-5KG", 2)  # 2 × ¥128
    order_now(bot.db, ann.id, "KIWI-5KG", 1)  # not paid: not counted
    cancelled = paid_order(bot.db, ann.id, "KIWI-5KG", 1)
    bot.db.call(cancel_order, order_id=cancelled.id, by_user_id=ADMIN_ID, note="test")
    [result] = bot.db.call(farmer_earnings, farmer_id=farmer.id)
    assert (result.total_fen, result.share_pct, result.collective_fen, result.rest_fen) == (
        25600,
        18,
        4608,
        20992,
    )
    calls = await bot.press(LONG, "FRM earnings")
    text = last_text(calls)
    assert "Produce sales: CN¥256.00" in text
    assert "Village collective's share (18%): CN¥46.08" in text
    assert "Yours: CN¥209.92" in text
    calls = await bot.press(KHAM, "FRM earnings")
    assert "15%" in last_text(calls) and "ລາຍຮັບ" in last_text(calls)


def test_two_farmers_packing_at_once_pack_the_order_once(bot: Harness, ann: TgUser) -> None:
    long_ = bind_farmer(bot.db, LONG.id, "SBD-LONG")
    yang = bind_farmer(bot.db, YANG.id, "SBD-YANG", "zh")
    orders = [paid_mixed_order(bot.db, ann.id, ["KIWI-5KG", "HONEY-500G"]) for _ in range(3)]
    for order in orders:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [
                pool.submit(bot.db.call, pack_my_part, farmer_id=farmer_id, order_id=order.id)
                for farmer_id in (long_.id, yang.id)
            ]
            outcomes = [future.result() for future in futures]
        assert sorted(outcomes) == ["packed", "part"]
        assert status_of(bot.db, order) == OrderStatus.PACKED
