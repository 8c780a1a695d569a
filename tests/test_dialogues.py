"""A dialogue left for another journey (menu button, other journey's button, command) is over:
the next text is not read as the answer to its old question. Each conversation is checked."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from models.adoption.adoptions import AdoptionDraft
from models.core.broadcast import Broadcast
from models.core.state import ConversationState, UserScratch
from models.shop.products import Cart, add_to_cart, view_cart
from tests.factories import TgUser, _message, next_update_id
from tests.harness import Harness, last_text
from tests.shop_helpers import buyer, product
from tests.test_adopt import give_consents, tree_id
from tests.test_bad_input import STEPS, user_for

NOT_UNDERSTOOD = "I did not understand that"


def open_dialogues(bot: Harness) -> list[str]:
    """Names of the conversations stored as open."""
    with bot.db.session() as session:
        return [row.name for row in session.exec(select(ConversationState))]


async def at_nickname(bot: Harness, user: TgUser) -> None:
    """Opens the adoption dialogue at its first question."""
    await bot.command(user, "/start tree_PEACH-0005")
    await bot.press(user, f"ADOPT go {tree_id(bot, 'PEACH-0005')}")
    assert open_dialogues(bot) == ["adopt"]


async def at_address(bot: Harness, user: TgUser) -> None:
    """Opens checkout at the address question."""
    buyer(bot.db, user.id, "en")
    give_consents(bot, user)
    bot.db.call(add_to_cart, user_id=user.id, product_id=product(bot.db, "HONEY-500G").id)
    version = bot.db.call(view_cart, user_id=user.id).version
    await bot.press(user, f"CHK go {version}")
    assert "delivery address" in last_text(await bot.press(user, "CHK to CN"))
    assert open_dialogues(bot) == ["checkout"]


def nickname(bot: Harness, user: TgUser) -> str:
    """The nickname stored in the user's adoption draft."""
    with bot.db.session() as session:
        return session.get_one(AdoptionDraft, user.id).nickname


def cart_address(bot: Harness, user: TgUser) -> str | None:
    """The address stored on the user's cart."""
    with bot.db.session() as session:
        return session.exec(select(Cart).where(Cart.user_id == user.id)).one().address


LEAVE_BY = [
    ("menu button", "press", "MENU"),
    ("another journey's button", "press", "MYT"),
    ("shop button", "press", "SHOP"),
    ("a command", "command", "/orders"),
    ("/start", "command", "/start"),
]


@pytest.mark.parametrize(("how", "kind", "value"), LEAVE_BY, ids=[x[0] for x in LEAVE_BY])
async def test_adoption_left_for_elsewhere_does_not_take_the_next_text(
    bot: Harness, ann: TgUser, how: str, kind: str, value: str
) -> None:
    await at_nickname(bot, ann)
    await (bot.press(ann, value) if kind == "press" else bot.command(ann, value))
    assert open_dialogues(bot) == []
    assert NOT_UNDERSTOOD in last_text(await bot.text(ann, "Peachy"))
    assert nickname(bot, ann) == ""


@pytest.mark.parametrize(("how", "kind", "value"), LEAVE_BY, ids=[x[0] for x in LEAVE_BY])
async def test_checkout_left_for_elsewhere_does_not_take_the_next_text(
    bot: Harness, ann: TgUser, how: str, kind: str, value: str
) -> None:
    await at_address(bot, ann)
    await (bot.press(ann, value) if kind == "press" else bot.command(ann, value))
    assert open_dialogues(bot) == []
    assert NOT_UNDERSTOOD in last_text(await bot.text(ann, "1 Harbour Road, Changsha"))
    assert cart_address(bot, ann) is None


async def test_tree_button_ends_checkout_and_adopting_works(bot: Harness, ann: TgUser) -> None:
    await at_address(bot, ann)
    await bot.press(ann, "TREE")
    await bot.press(ann, f"ADOPT go {tree_id(bot, 'PEACH-0005')}")  # another dialogue's entry
    assert open_dialogues(bot) == ["adopt"]
    assert "certificate" in last_text(await bot.text(ann, "Peachy"))
    assert nickname(bot, ann) == "Peachy" and cart_address(bot, ann) is None


@pytest.mark.parametrize("value", ["/start", "MENU", "ORD list"])
async def test_broadcast_left_for_elsewhere_sends_nothing(
    bot: Harness, admin: TgUser, value: str
) -> None:
    await bot.command(admin, "/broadcast")
    await bot.tap(admin, "所有用户")
    assert open_dialogues(bot) == ["broadcast"]
    await (bot.command(admin, value) if value.startswith("/") else bot.press(admin, value))
    assert open_dialogues(bot) == []
    calls = await bot.text(admin, "Harvest festival tomorrow!")
    assert "预览" not in last_text(calls) and "没看懂您的意思" in last_text(calls)
    with bot.db.session() as session:
        assert session.exec(select(Broadcast)).all() == []


async def test_forged_or_unknown_input_keeps_the_dialogue(bot: Harness, ann: TgUser) -> None:
    await at_nickname(bot, ann)
    calls = await bot.press(ann, "ADOPT zzz")
    assert calls[-1].params.get("show_alert") and "out of date" in calls[-1].params["text"]
    await bot.command(ann, "/nosuchcommand")
    assert open_dialogues(bot) == ["adopt"]
    await bot.text(ann, "Peachy")
    assert nickname(bot, ann) == "Peachy"


async def test_consent_buttons_keep_the_dialogue(bot: Harness, li: TgUser) -> None:
    await bot.command(li, "/start tree_PEACH-0005")
    await bot.press(li, f"ADOPT go {tree_id(bot, 'PEACH-0005')}")
    for data in ("ADOPT skip", "ADOPT skip", "ADOPT for me", "ADOPT to CN"):
        await bot.press(li, data)
    await bot.tap(li, "阅读隐私说明")
    await bot.tap(li, "返回")
    await bot.tap(li, "我同意")
    assert open_dialogues(bot) == ["adopt"]
    await bot.text(li, "湖南省长沙市岳麓路 12 号")
    with bot.db.session() as session:
        assert session.get_one(AdoptionDraft, li.id).address == "湖南省长沙市岳麓路 12 号"


async def test_a_payment_arriving_mid_dialogue_keeps_it(bot: Harness, ann: TgUser) -> None:
    await at_nickname(bot, ann)
    paid = {
        "currency": "CNY",
        "total_amount": 100,
        "invoice_payload": "P0000000",
        "telegram_payment_charge_id": "tgcharge_mid",
        "provider_payment_charge_id": "prov_mid",
    }
    await bot.send(
        {"update_id": next_update_id(), "message": _message(ann, successful_payment=paid)}
    )
    assert open_dialogues(bot) == ["adopt"]
    await bot.text(ann, "Peachy")
    assert nickname(bot, ann) == "Peachy"


LEAVE_EVERY = [("press", "ORD list"), ("command", "/start"), ("command", "/help")]


@pytest.mark.parametrize(("kind", "value"), LEAVE_EVERY, ids=[v for _, v in LEAVE_EVERY])
@pytest.mark.parametrize("name", list(STEPS))
async def test_every_dialogue_ends_when_left(
    bot: Harness, name: str, kind: str, value: str
) -> None:
    step = STEPS[name]
    user = user_for(step, "en")
    await step.reach(bot, user)
    before = step.read(bot, user)
    assert step.journey in open_dialogues(bot)
    await (bot.press(user, value) if kind == "press" else bot.command(user, value))
    assert open_dialogues(bot) == []
    assert NOT_UNDERSTOOD in last_text(await bot.text(user, step.valid))
    assert step.read(bot, user) == before


SCRATCH = {  # the user_data key each dialogue keeps its answers under until it ends
    "broadcast": "bc",
    "operator_orders": "opo",
    "operator_products": "opp",
    "operator_harvests": "oph",
    "farmer_tree_update": "frmup",
}
LEAVE_FOR_MENU = [("press", "MENU"), ("command", "/start")]


def stored_scratch(bot: Harness, user: TgUser) -> dict[str, object]:
    """The user's user_data as persisted in the userscratch row."""
    with bot.db.session() as session:
        row = session.get(UserScratch, user.id)
    return json.loads(row.data) if row is not None else {}


@pytest.mark.parametrize(("kind", "value"), LEAVE_FOR_MENU, ids=[v for _, v in LEAVE_FOR_MENU])
@pytest.mark.parametrize("name", [n for n, s in STEPS.items() if s.journey in SCRATCH])
async def test_a_dialogue_left_for_the_menu_forgets_its_scratch(
    bot: Harness, name: str, kind: str, value: str
) -> None:
    step = STEPS[name]
    user, key = user_for(step, "en"), SCRATCH[step.journey]
    await step.reach(bot, user)
    assert key in bot.app.user_data[user.id] and key in stored_scratch(bot, user)
    await (bot.press(user, value) if kind == "press" else bot.command(user, value))
    assert open_dialogues(bot) == []
    assert key not in bot.app.user_data[user.id]
    assert key not in stored_scratch(bot, user)
