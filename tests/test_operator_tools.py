"""The operator's shortcuts: any order by number, reference or buyer; stock changes by +N/-N;
tracking numbers with spaces; ready cancel reasons in the buyer's language; broadcast prompts
naming the languages in the operator's language."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.notify import deliver_pending
from models.core.payments import Payment
from models.shop.orders import Order, OrderEvent, OrderStatus, pack_order
from models.shop.products import Product
from tests.backoffice_helpers import paid_order, status_of
from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import product, set_stock


@pytest.fixture
def op() -> TgUser:
    """The operator, writing in English."""
    return TgUser(id=ADMIN_ID, first_name="Operator", language_code="en")


def told(bot: Harness, user: TgUser) -> list[str]:
    """Every message the user received."""
    return [c.params["text"] for c in bot.api.sent("sendMessage") if c.params["chat_id"] == user.id]


# --- finding an order ------------------------------------------------------------------------


async def test_operator_tracks_any_order_by_number_reference_or_buyer(
    bot: Harness, op: TgUser, noy: TgUser, ann: TgUser
) -> None:
    await bot.command(noy, "/start")
    await bot.command(op, "/start")
    order = paid_order(bot.db, noy.id, "KIWI-5KG", country="LA")
    with bot.db.session() as session:
        reference = session.exec(select(Payment.reference)).one()
    text = last_text(await bot.command(op, f"/track {order.number.lower()}"))
    assert order.number in text and "Buyer: ນ້ອຍ" in text  # the operator's order screen
    assert ("📦 Mark packed", f"OPO pack {order.id}") in bot.buttons(op)
    assert order.number in last_text(await bot.command(op, f"/track {reference}"))
    assert order.number in last_text(await bot.command(op, "/track ນ້ອຍ"))
    assert order.number in last_text(await bot.command(op, f"/track {noy.id}"))
    assert "No order matches “nobody”" in last_text(await bot.command(op, "/track nobody"))
    # a buyer still finds only their own orders
    assert order.number not in last_text(await bot.command(ann, f"/track {order.number}"))


async def test_several_matches_are_listed(bot: Harness, op: TgUser, li: TgUser) -> None:
    await bot.command(li, "/start")
    first = paid_order(bot.db, li.id, "KIWI-5KG")
    second = paid_order(bot.db, li.id, "HONEY-500G")
    text = last_text(await bot.command(op, "/track 李娜"))
    assert "Orders matching" in text and first.number in text and second.number in text
    labels = [label for label, _ in bot.buttons(op)]
    assert labels[:2] == ["📦 " + second.number, "📦 " + first.number]  # newest first


async def test_back_office_search_button(bot: Harness, op: TgUser, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    order = paid_order(bot.db, ann.id, "KIWI-5KG")
    await bot.command(op, "/ops")
    calls = await bot.tap(op, "Find an order")
    assert "payment reference" in last_text(calls)
    text = last_text(await bot.text(op, f"  {order.number.lower()} "))
    assert order.number in text and "Buyer: Ann" in text


async def test_a_buyer_cannot_open_the_search(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    calls = await bot.press(ann, "OPO find")
    assert calls[0].method == "answerCallbackQuery"
    assert "payment reference" not in str([c.params for c in calls])


# --- stock -----------------------------------------------------------------------------------


async def test_stock_changes_by_plus_and_minus(bot: Harness, op: TgUser) -> None:
    set_stock(bot.db, "HONEY-500G", 15)
    honey = product(bot.db, "HONEY-500G")
    await bot.command(op, "/ops")
    await bot.press(op, f"OPP view {honey.id}")
    assert "+10" in last_text(await bot.tap(op, "Change stock"))
    calls = await bot.text(op, "+10")
    assert "Stock 15 +10 = <b>25</b>." in last_text(calls)
    assert product(bot.db, "HONEY-500G").stock == 25
    await bot.tap(op, "Change stock")
    calls = await bot.text(op, "− 3")  # a typographic minus and a space, as phones type them
    assert "Stock 25 -3 = <b>22</b>." in last_text(calls)
    await bot.tap(op, "Change stock")
    calls = await bot.text(op, "-30")
    assert "There are 22 in stock" in last_text(calls)
    assert product(bot.db, "HONEY-500G").stock == 22
    calls = await bot.text(op, "40")  # still asked: a plain count sets it
    assert "Stock set to 40." in last_text(calls) and product(bot.db, "HONEY-500G").stock == 40


# --- tracking numbers ------------------------------------------------------------------------


async def test_tracking_number_with_spaces_is_normalised(
    bot: Harness, op: TgUser, ann: TgUser
) -> None:
    await bot.command(ann, "/start")
    order = paid_order(bot.db, ann.id, "KIWI-5KG")
    bot.db.call(pack_order, order_id=order.id, by_user_id=ADMIN_ID)
    await bot.press(op, f"OPO view {order.id}")
    await bot.tap(op, "Ship")
    await bot.tap(op, "SF")
    calls = await bot.text(op, "SF 1234 5678 9012")
    assert last_text(calls).startswith("<i>Shipped.")
    with bot.db.session() as session:
        assert session.get_one(Order, order.id).tracking_number == "SF123456789012"


# --- cancel reasons --------------------------------------------------------------------------


async def test_ready_cancel_reason_reaches_the_buyer_in_lao(
    bot: Harness, op: TgUser, noy: TgUser
) -> None:
    await bot.command(noy, "/start")
    order = paid_order(bot.db, noy.id, "KIWI-5KG", country="LA")
    await bot.press(op, f"OPO view {order.id}")
    calls = await bot.tap(op, "Cancel order")
    assert "Choose a reason" in last_text(calls)
    assert "📝 Sold out: we cannot supply it this time" in [label for label, _ in bot.buttons(op)]
    calls = await bot.tap(op, "Sold out")
    assert "Add a note for the buyer" in last_text(calls)
    calls = await bot.tap(op, "Cancel without a note")
    assert last_text(calls).startswith("<i>Cancelled.")
    assert status_of(bot.db, order) == OrderStatus.CANCELLED
    await deliver_pending(bot.app)
    message = [t for t in told(bot, noy) if order.number in t][-1]
    assert "ສິນຄ້າໝົດ: ເທື່ອນີ້ສົ່ງໃຫ້ບໍ່ໄດ້" in message and "Sold out" not in message


async def test_ready_reason_with_a_note(bot: Harness, op: TgUser, li: TgUser) -> None:
    await bot.command(li, "/start")
    order = paid_order(bot.db, li.id, "KIWI-5KG")
    await bot.press(op, f"OPO view {order.id}")
    await bot.tap(op, "Cancel order")
    await bot.tap(op, "could not reach")
    await bot.text(op, "Phone off for a week")
    await deliver_pending(bot.app)
    message = [t for t in told(bot, li) if order.number in t][-1]
    assert "无法送达该地址" in message and "邮政所的备注：Phone off for a week" in message
    with bot.db.session() as session:
        event = session.exec(select(OrderEvent).where(OrderEvent.to_status == "cancelled")).one()
    assert event.note == "unreachable · Phone off for a week"


async def test_another_reason_must_be_typed(bot: Harness, op: TgUser, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    order = paid_order(bot.db, ann.id, "KIWI-5KG")
    await bot.press(op, f"OPO view {order.id}")
    await bot.tap(op, "Cancel order")
    calls = await bot.tap(op, "Another reason")
    assert "Send the reason for the buyer" in last_text(calls)
    assert "OPO no-note" not in [data for _, data in bot.buttons(op)]
    await bot.text(op, "ok")  # too short
    assert status_of(bot.db, order) == OrderStatus.PAID
    await bot.text(op, "The farmer fell ill")
    await deliver_pending(bot.app)
    message = [t for t in told(bot, ann) if order.number in t][-1]
    assert "Reason: The farmer fell ill" in message


# --- broadcast prompts -----------------------------------------------------------------------


async def test_broadcast_prompts_name_languages_in_the_operators_language(
    bot: Harness, admin: TgUser
) -> None:
    await bot.command(admin, "/broadcast")
    calls = await bot.tap(admin, "所有用户")
    assert "中文" in last_text(calls)
    calls = await bot.text(admin, "明天采摘节！")
    assert "老挝语（ລາວ）" in last_text(calls)
    calls = await bot.tap(admin, "跳过")
    assert "英语（English）" in last_text(calls)


# --- adding a product ------------------------------------------------------------------------


async def test_operator_adds_a_product_that_buyers_then_see(
    bot: Harness, op: TgUser, noy: TgUser
) -> None:
    await bot.command(op, "/ops")
    await bot.tap(op, "Products")
    assert "(1/10)" in last_text(await bot.tap(op, "Add a product"))
    await bot.tap(op, "Ban Phonsavang")
    calls = await bot.tap(op, "Khamphone")
    assert "(3/10)" in last_text(calls)
    await bot.tap(op, "Tea and coffee")
    calls = await bot.text(op, "Phonsavang coffee\n蓬萨旺咖啡\nກາເຟ ໂພນສະຫວ່າງ")  # wrong order
    assert "Chinese first, then Lao" in last_text(calls)
    await bot.text(op, "蓬萨旺咖啡\nກາເຟ ໂພນສະຫວ່າງ\nPhonsavang coffee")
    await bot.text(op, "250克袋\nຖົງ 250 ກຣາມ\n250 g bag")
    assert "price in kip" in last_text(await bot.tap(op, "Skip"))  # the village prices in kip
    assert "whole kip" in last_text(await bot.text(op, "¥58"))
    await bot.text(op, "120.000")  # as Lao write 120,000
    assert "not a weight" in last_text(await bot.text(op, "heavy"))
    await bot.text(op, "0.3 kg")
    assert "Send a photo of the product" in last_text(await bot.text(op, "12"))
    calls = await bot.tap(op, "Skip")  # no photo for now
    summary = last_text(calls)
    assert "蓬萨旺咖啡 · 250克袋" in summary and "Weight: 300 g" in summary
    with bot.db.session() as session:
        assert (
            session.exec(select(Product).where(Product.sku == "PHONSAVANG-COFFEE")).first() is None
        )
    calls = await bot.tap(op, "Add and put on sale")
    assert "Added and on sale: PHONSAVANG-COFFEE" in last_text(calls)
    coffee = product(bot.db, "PHONSAVANG-COFFEE")
    assert (coffee.price_fen, coffee.weight_g, coffee.stock, coffee.category) == (
        120000,
        300,
        12,
        "tea",
    )
    assert coffee.name_lo == "ກາເຟ ໂພນສະຫວ່າງ" and coffee.farmer_id is not None and coffee.active
    calls = await bot.command(noy, "/start product_PHONSAVANG-COFFEE")
    assert "ກາເຟ ໂພນສະຫວ່າງ" in last_text(calls)
    # the same name again gets its own SKU
    await bot.press(op, "OPP new")
    await bot.tap(op, "Ban Phonsavang")
    await bot.tap(op, "post office")
    await bot.tap(op, "Tea and coffee")
    for answer in ("蓬萨旺咖啡\nກາເຟ ໂພນສະຫວ່າງ\nPhonsavang coffee", "袋\nຖົງ\nbag"):
        await bot.text(op, answer)
    await bot.tap(op, "Skip")
    for answer in ("60000", "300", "5"):
        await bot.text(op, answer)
    await bot.tap(op, "Skip")
    await bot.tap(op, "Add and put on sale")
    assert product(bot.db, "PHONSAVANG-COFFEE-2").farmer_id is None


async def test_a_buyer_cannot_add_a_product(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    for data in ("OPP new", "OPP new-village 1", "OPP new-save"):
        calls = await bot.press(ann, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert calls[0].params["text"] == "Sorry, this is not allowed for your account."
    await bot.text(ann, "蓬萨旺咖啡\nກາເຟ\nCoffee")
    with bot.db.session() as session:
        assert session.exec(select(Product).where(Product.name_en == "Coffee")).first() is None
