"""Every back-office and farmer command and button is checked on the server: a buyer or a
farmer who sends one, or forges its callback data, is told no and nothing changes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.core.outbox import Notification
from models.shop.orders import Order, OrderEvent
from models.shop.packing import PackedPart
from models.shop.products import Product
from tests.backoffice_helpers import bind_farmer, paid_order
from tests.factories import TgUser
from tests.harness import Harness, last_text

NOT_ALLOWED = "Sorry, this is not allowed for your account."
FARMER = TgUser(id=2001, first_name="Long", language_code="en")

OPERATOR_BUTTONS = [
    "OPO list ready 0",
    "OPO list sent 0",
    "OPO view {order}",
    "OPO pack {order}",
    "OPO ship {order}",
    "OPO cancel {order}",
    "OPO delivered {order}",
    "OPO carrier 0",
    "OPO back",
    "OPP list",
    "OPP view 1",
    "OPP toggle 1",
    "OPP stock 1",
    "OPP price 1",
    "OPS stats",
    "OPS export orders",
]


def snapshot(bot: Harness) -> tuple[object, ...]:
    """What a refused action must leave as it was."""
    with bot.db.session() as session:
        orders = [(o.id, o.status, o.carrier) for o in session.exec(select(Order))]
        products = [(p.id, p.stock, p.price_fen, p.active) for p in session.exec(select(Product))]
        events = len(session.exec(select(OrderEvent)).all())
        notes = len(session.exec(select(Notification)).all())
        parts = len(session.exec(select(PackedPart)).all())
    return orders, products, events, notes, parts


@pytest.fixture
async def setting(bot: Harness, ann: TgUser) -> int:
    """A paid order of kiwifruit, and a kiwifruit farmer bound to an account."""
    bind_farmer(bot.db, FARMER.id, "SBD-LONG")
    order = paid_order(bot.db, ann.id, "KIWI-5KG")
    assert order.id is not None
    return order.id


@pytest.mark.parametrize("who", ["buyer", "farmer"])
@pytest.mark.parametrize("data", OPERATOR_BUTTONS)
async def test_forged_operator_buttons_are_refused(
    bot: Harness, ann: TgUser, setting: int, who: str, data: str
) -> None:
    user = ann if who == "buyer" else FARMER
    before = snapshot(bot)
    calls = await bot.press(user, data.format(order=setting))
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == NOT_ALLOWED
    assert snapshot(bot) == before


@pytest.mark.parametrize("who", ["buyer", "farmer"])
@pytest.mark.parametrize("command", ["/stats", "/export orders"])
async def test_operator_commands_are_refused(
    bot: Harness, ann: TgUser, setting: int, who: str, command: str
) -> None:
    user = ann if who == "buyer" else FARMER
    calls = await bot.command(user, command)
    assert [c.method for c in calls] == ["sendMessage"]
    assert last_text(calls) == NOT_ALLOWED


async def test_typed_steps_cannot_be_reached_by_a_buyer(
    bot: Harness, ann: TgUser, setting: int
) -> None:
    before = snapshot(bot)
    await bot.press(ann, f"OPO ship {setting}")
    await bot.press(ann, "OPO carrier 0")
    calls = await bot.text(ann, "EA123456789CN")
    assert "did not understand" in last_text(calls)
    assert snapshot(bot) == before


@pytest.mark.parametrize(
    "data", ["FRM", "FRM to-pack", "FRM orders", "FRM earnings", "FRM pack {order}"]
)
async def test_farmer_buttons_refuse_a_buyer(
    bot: Harness, ann: TgUser, setting: int, data: str
) -> None:
    before = snapshot(bot)
    calls = await bot.press(ann, data.format(order=setting))
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == NOT_ALLOWED
    assert snapshot(bot) == before
    calls = await bot.command(ann, "/farmer")
    assert last_text(calls) == NOT_ALLOWED


async def test_unknown_operator_button_of_an_operator_is_out_of_date(
    bot: Harness, admin: TgUser
) -> None:
    calls = await bot.press(admin, "OPO zz 1")
    assert calls[0].params["text"] != NOT_ALLOWED


async def test_buyer_menu_has_no_farmer_or_back_office_entry(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    data = [d for _, d in bot.buttons(ann)]
    assert "FRM" not in data and "OPS" not in data
