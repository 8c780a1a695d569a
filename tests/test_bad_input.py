"""Bad input at every typed step of every journey, in Chinese, Lao and English.

One table: each step says how to reach it, where its answer is stored, how to come back to it,
and which of the awkward inputs it accepts (with the value it stores). Every other input must be
refused with a message in the user's language, leave the dialogue at the same step and leave
the stored rows as they were; an accepted one is stored exactly and echoed escaped. Afterwards
the step's ordinary answer still works.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlmodel import select

from bot.offline import ApiCall
from models.adoption.adoptions import Adoption, AdoptionDraft
from models.adoption.harvests import HarvestShipment
from models.core.payments import Payment, confirm_offline_payment
from models.core.state import ConversationState
from models.shop.orders import Order, pack_order
from models.shop.products import Cart, add_to_cart, view_cart
from tests.backoffice_helpers import bind_farmer
from tests.conftest import ADMIN_ID
from tests.factories import TgUser, make_sticker_update
from tests.harness import Harness, texts
from tests.shop_helpers import buyer, order_now, product
from tests.test_adopt import fill_dialogue, give_consents, tree_id
from tests.test_orders import pay
from tests.test_privacy import every_value

CN_ADDRESS = "湖南省长沙市岳麓路 12 号"
SHOP_ADDRESS = "湖南省长沙市岳麓区 1 号 李娜"
LANGUAGES = {"zh": "zh-hans", "lo": "lo", "en": "en-US"}
MARKUP = "<b>Li</b></code>&*_~"
MARKDOWN = "*b* _i_ [x](tg://user?id=1) ~s~ `c`"
SQL = "'); DROP TABLE user;--"
HUGE = "99999999999999999999"
NEGATIVE = "-12.5e3"
INPUTS: dict[str, str] = {
    "empty": "",
    "blank": "  \n\t ",
    "5000 characters": "桃" * 5000,
    "zero-width only": "\u200b\u200c\u2060\ufeff",
    "emoji and zero-width": "🍑\u200b桃",
    "html": MARKUP,
    "markdown": MARKDOWN,
    "sql": SQL,
    "huge number": HUGE,
    "negative decimal": NEGATIVE,
    "sticker": "",
    "photo": "",
    "unknown command": "/nosuchcommand",
    "old button": "",
    "forged button": "",
}
NAMES_ACCEPTED = {
    "emoji and zero-width": "🍑桃",
    "html": MARKUP,
    "markdown": MARKDOWN,
    "sql": SQL,
    "huge number": HUGE,
    "negative decimal": NEGATIVE,
}
PERSON_NAMES_ACCEPTED = {  # a person's name needs a letter: digits alone are refused
    k: v for k, v in NAMES_ACCEPTED.items() if k != "huge number"
}
NICKNAME_ACCEPTED = {  # up to 20 characters
    k: v for k, v in NAMES_ACCEPTED.items() if k not in ("markdown", "sql")
}
ADDRESS_ACCEPTED = {"html": MARKUP, "markdown": MARKDOWN, "sql": SQL}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "s", "code", "pre", "a", "tg-spoiler", "blockquote"}
ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
SCRIPTS = {"zh": re.compile(r"[\u4e00-\u9fff]"), "lo": re.compile(r"[\u0e80-\u0eff]")}
FOREIGN = re.compile(r"[\u0e00-\u0eff\u4e00-\u9fff]")
THAI = re.compile(r"[\u0e00-\u0e7f]")

Reach = Callable[[Harness, TgUser], Awaitable[None]]
Read = Callable[[Harness, TgUser], Any]


@dataclass(frozen=True)
class TypedStep:
    """A free-text step: how to get there, where its answer goes, how to come back."""

    journey: str  # the conversation's name
    reach: Reach
    read: Read
    valid: str
    stored: object
    back: tuple[str, ...]  # taps that return from the next step to this one
    old_button: str
    forged_button: str
    accepts: dict[str, object] = field(default_factory=dict)
    tables: tuple[str, ...] = ()  # tables this step writes (not compared)
    valid_here: tuple[str, ...] = ()  # inputs that are real answers here (they end the step)


# --- the adoption dialogue (a gift to China) ---------------------------------------------------

ADOPT_PATH: list[tuple[str, str]] = [
    ("command", "/start tree_PEACH-0005"),
    ("press", "ADOPT go {tree}"),
    ("text", "Peachy"),  # nickname
    ("press", "ADOPT skip"),  # certificate name
    ("press", "ADOPT for gift"),
    ("text", "Bo Chen"),  # recipient
    ("text", "Happy birthday"),  # message
    ("press", "ADOPT to CN"),
    ("text", CN_ADDRESS),
    ("text", "Bo Chen"),  # who takes the harvest parcel
]


def adopt_reach(steps: int) -> Reach:
    """Walks the first `steps` actions of the adoption path."""

    async def reach(bot: Harness, user: TgUser) -> None:
        give_consents(bot, user)
        for kind, value in ADOPT_PATH[:steps]:
            value = value.format(tree=tree_id(bot, "PEACH-0005"))
            if kind == "command":
                await bot.command(user, value)
            elif kind == "press":
                await bot.press(user, value)
            else:
                await bot.text(user, value)

    return reach


def draft_field(name: str) -> Read:
    """Reads one field of the user's adoption draft."""

    def read(bot: Harness, user: TgUser) -> Any:
        with bot.db.session() as session:
            return getattr(session.get_one(AdoptionDraft, user.id), name)

    return read


def adopt_step(steps: int, name: str, valid: str, stored: object, **kw: Any) -> TypedStep:
    """An adoption step reached after `steps` actions."""
    return TypedStep(
        "adopt",
        adopt_reach(steps),
        draft_field(name),
        valid,
        stored,
        ("ADOPT back",),
        "ADOPT for me",
        "ADOPT go x1",
        tables=("adoptiondraft",),
        **kw,
    )


# --- checkout ------------------------------------------------------------------------------------


def checkout_reach(answers: list[str]) -> Reach:
    """Fills a cart, opens checkout to China and types these answers."""

    async def reach(bot: Harness, user: TgUser) -> None:
        language = next(k for k, v in LANGUAGES.items() if v == user.language_code)
        buyer(bot.db, user.id, language)
        give_consents(bot, user)
        bot.db.call(add_to_cart, user_id=user.id, product_id=product(bot.db, "HONEY-500G").id)
        await bot.press(user, f"CHK go {bot.db.call(view_cart, user_id=user.id).version}")
        await bot.press(user, "CHK to CN")
        for answer in answers:
            await bot.text(user, answer)

    return reach


def cart_field(name: str) -> Read:
    """Reads one checkout field of the user's cart."""

    def read(bot: Harness, user: TgUser) -> Any:
        with bot.db.session() as session:
            return getattr(session.exec(select(Cart).where(Cart.user_id == user.id)).one(), name)

    return read


def checkout_step(
    answers: list[str], name: str, valid: str, stored: object, **kw: Any
) -> TypedStep:
    """A checkout step reached after typing `answers`."""
    return TypedStep(
        "checkout",
        checkout_reach(answers),
        cart_field(name),
        valid,
        stored,
        ("CHK back",),
        "CHK to CN",
        "CHK ok abc",
        tables=("cart",),
        **kw,
    )


# --- broadcast -----------------------------------------------------------------------------------


async def broadcast_reach(bot: Harness, user: TgUser) -> None:
    """An operator starts a broadcast to everyone."""
    await bot.command(user, "/broadcast")
    await bot.press(user, "BC AUDIENCE all")


def broadcast_text(bot: Harness, user: TgUser) -> Any:
    """The Chinese text of the broadcast being written (scratch data; None once it ended)."""
    return bot.app.user_data[user.id].get("bc", {}).get("texts", {}).get("zh")


# --- the back office's typed steps --------------------------------------------------------------


def paid_order(bot: Harness) -> int:
    """A paid, packed order of a Chinese buyer, ready to ship or cancel."""
    buyer(bot.db, 3300, "zh")
    order = order_now(bot.db, 3300, "HONEY-500G")
    pay(bot, order)
    bot.db.call(pack_order, order_id=order.id, by_user_id=ADMIN_ID)
    assert order.id is not None
    return order.id


def order_field(name: str) -> Read:
    """Reads one column of the only order."""

    def read(bot: Harness, user: TgUser) -> Any:
        with bot.db.session() as session:
            return getattr(session.exec(select(Order)).one(), name)

    return read


def product_field(name: str) -> Read:
    """Reads one column of the honey."""

    def read(bot: Harness, user: TgUser) -> Any:
        return getattr(product(bot.db, "HONEY-500G"), name)

    return read


def operator_reach(*taps: str) -> Reach:
    """The operator taps these buttons ({order} and {product} filled in)."""

    async def reach(bot: Harness, user: TgUser) -> None:
        ids = {"order": paid_order(bot), "product": product(bot.db, "HONEY-500G").id}
        await bot.command(user, "/start")
        for data in taps:
            await bot.press(user, data.format(**ids))

    return reach


def operator_step(
    journey: str, reach: Reach, read: Read, valid: str, stored: object, **kw: Any
) -> TypedStep:
    """A typed step of the back office."""
    forged = "OPO carrier 9" if journey == "operator_orders" else "OPP stock abc"
    return TypedStep(journey, reach, read, valid, stored, (), "BC AUDIENCE all", forged, **kw)


CARRIER_ACCEPTED = {**NAMES_ACCEPTED}
FARMER_ID = 3400


async def active_adoption(bot: Harness) -> int:
    """A paid adoption whose harvest is waiting to be shipped."""
    adopter = TgUser(id=3401, first_name="Bo", language_code="zh-hans")
    await fill_dialogue(bot, adopter, "PEACH-0011", gift=False, country="CN")
    await bot.press(adopter, "ADOPT ok")
    with bot.db.session() as session:
        reference = session.exec(select(Payment.reference)).one()
        adoption_id = session.exec(select(Adoption.id)).one()
    bot.db.call(confirm_offline_payment, reference=reference, operator_id=ADMIN_ID)
    assert adoption_id is not None
    return adoption_id


def harvest_reach(*taps: str) -> Reach:
    """The operator opens a paid adoption's harvest and taps these ({adoption} filled in)."""

    async def reach(bot: Harness, user: TgUser) -> None:
        adoption_id = await active_adoption(bot)
        await bot.command(user, "/start")
        for data in taps:
            await bot.press(user, data.format(adoption=adoption_id))

    return reach


def parcel_tracking(bot: Harness, user: TgUser) -> Any:
    """The tracking number of the harvest parcel, once shipped."""
    with bot.db.session() as session:
        return session.exec(select(HarvestShipment.tracking_number)).first()


async def tree_news_reach(bot: Harness, user: TgUser) -> None:
    """A farmer starts an update for all their adopted trees."""
    language = next(k for k, v in LANGUAGES.items() if v == user.language_code)
    bind_farmer(bot.db, user.id, "SBD-SHI", language)
    await bot.command(user, "/farmer")
    await bot.press(user, "FRM news")
    await bot.press(user, "FRM news-all")
    await bot.press(user, "FRM news-item own")


REASONS = tuple(NAMES_ACCEPTED)  # each is a fine reason: it would cancel the order at once


STEPS: dict[str, TypedStep] = {
    "adopt nickname": adopt_step(2, "nickname", "Peachy", "Peachy", accepts=NICKNAME_ACCEPTED),
    "adopt certificate name": adopt_step(
        3, "certificate_name", "Mei Li", "Mei Li", accepts=PERSON_NAMES_ACCEPTED
    ),
    "adopt gift recipient": adopt_step(
        5, "gift_recipient", "Bo Chen", "Bo Chen", accepts=PERSON_NAMES_ACCEPTED
    ),
    "adopt gift message": adopt_step(
        6, "gift_message", "Happy  birthday!", "Happy birthday!", accepts=NAMES_ACCEPTED
    ),
    "adopt address": adopt_step(8, "address", CN_ADDRESS, CN_ADDRESS, accepts=ADDRESS_ACCEPTED),
    "adopt parcel recipient": adopt_step(
        9, "recipient", "Mei Li", "Mei Li", accepts=PERSON_NAMES_ACCEPTED
    ),
    "adopt phone": adopt_step(10, "phone", "138 1234 5678", "+8613812345678"),
    "checkout address": checkout_step(
        [], "address", SHOP_ADDRESS, SHOP_ADDRESS, accepts=ADDRESS_ACCEPTED
    ),
    "checkout phone": checkout_step([SHOP_ADDRESS], "phone", "138 0013 8000", "+8613800138000"),
    "checkout note": checkout_step(
        [SHOP_ADDRESS, "138 0013 8000"],
        "note",
        "Leave it  at the gate",
        "Leave it at the gate",
        accepts=NAMES_ACCEPTED,
    ),
    "broadcast text": TypedStep(
        "broadcast",
        broadcast_reach,
        broadcast_text,
        "Harvest festival",
        "Harvest festival",
        ("BC BACK",),
        "BC AUDIENCE all",
        "BC SEND now",
        accepts={**NAMES_ACCEPTED, "emoji and zero-width": "🍑桃"},
    ),
    "back office stock": operator_step(
        "operator_products",
        operator_reach("OPP stock {product}"),
        product_field("stock"),
        "25",
        25,
    ),
    "back office price": operator_step(
        "operator_products",
        operator_reach("OPP price {product}"),
        product_field("price_fen"),
        "12.50",
        1250,
    ),
    "back office carrier": TypedStep(
        "operator_orders",
        operator_reach("OPO ship {order}", "OPO carrier other"),
        lambda bot, user: bot.app.user_data[user.id].get("opo", {}).get("carrier"),
        "Yunda Express",
        "Yunda Express",
        ("OPO back", "OPO carrier other"),
        "BC AUDIENCE all",
        "OPO carrier 9",
        accepts=CARRIER_ACCEPTED,
    ),
    "back office tracking": operator_step(
        "operator_orders",
        operator_reach("OPO ship {order}", "OPO carrier 2"),
        order_field("tracking_number"),
        "sf1234567890",
        "SF1234567890",
        valid_here=("huge number",),  # 20 digits: a tracking number's shape
    ),
    "harvest carrier": TypedStep(
        "operator_harvests",
        harvest_reach("OPH ship {adoption}", "OPH carrier other"),
        lambda bot, user: bot.app.user_data[user.id].get("oph", {}).get("carrier"),
        "Yunda Express",
        "Yunda Express",
        ("OPH back", "OPH carrier other"),
        "BC AUDIENCE all",
        "OPH carrier 9",
        accepts=CARRIER_ACCEPTED,
    ),
    "harvest tracking": TypedStep(
        "operator_harvests",
        harvest_reach("OPH ship {adoption}", "OPH carrier 0"),
        parcel_tracking,
        "la123456789cn",
        "LA123456789CN",
        (),
        "BC AUDIENCE all",
        "OPH carrier 9",
        valid_here=("huge number",),
    ),
    "farmer tree news": TypedStep(
        "farmer_tree_update",
        tree_news_reach,
        lambda bot, user: bot.app.user_data[user.id].get("frmup", {}).get("text"),
        "Flowers this week",
        "Flowers this week",
        ("FRM news-edit",),
        "ADOPT for me",
        "FRM news-tree abc",
        accepts=NAMES_ACCEPTED,
        valid_here=("photo",),  # a photo is news too
    ),
    "back office cancel reason": operator_step(
        "operator_orders",
        operator_reach("OPO cancel {order}"),
        order_field("status"),
        "Out of stock, sorry",
        "cancelled",
        valid_here=REASONS,
    ),
}


# --- checks --------------------------------------------------------------------------------------


class TelegramHtml(HTMLParser):
    """Fails on what Telegram's HTML parse mode rejects: unknown or unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, f"<{tag}> is not Telegram HTML"
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"unbalanced </{tag}>"
        self.open.pop()


def assert_valid_html(calls: list[ApiCall]) -> None:
    """Every message sent or edited in HTML mode parses as Telegram HTML."""
    for call in calls:
        text = call.params.get("text") or call.params.get("caption")
        if call.method == "answerCallbackQuery" or not isinstance(text, str):
            continue
        assert not ENTITY.search(text), f"bare & in {text!r}"
        parser = TelegramHtml()
        parser.feed(text)
        parser.close()
        assert not parser.open, f"unclosed {parser.open} in {text!r}"


def assert_in_language(calls: list[ApiCall], language: str) -> None:
    """The replies are written in the user's language."""
    reply = "\n".join(texts(calls))
    assert reply.strip(), f"no reply in {[c.method for c in calls]}"
    if language in SCRIPTS:
        assert SCRIPTS[language].search(reply), reply
    else:
        assert not FOREIGN.search(reply), reply
    assert not THAI.search(reply), reply


def state(bot: Harness, journey: str) -> str | None:
    """The stored state of the journey's conversation."""
    with bot.db.session() as session:
        row = session.exec(
            select(ConversationState).where(ConversationState.name == journey)
        ).first()
    return row.state if row else None


def snapshot(bot: Harness, step: TypedStep) -> list[tuple[str, str, Any]]:
    """Every cell of every table the step must not change."""
    skip = {"conversationstate", "userscratch", "telegramupdate", "user", *step.tables}
    skip |= {"notification"}  # the outbox (the back office's steps queue buyers' messages)
    return [cell for cell in every_value(bot) if cell[0] not in skip]


async def send(bot: Harness, user: TgUser, label: str, step: TypedStep) -> list[ApiCall]:
    """Sends one of the awkward inputs."""
    if label == "sticker":
        return await bot.send(make_sticker_update(user))
    if label == "photo":
        return await bot.photo(user, "AgAD-photo", caption=MARKUP)
    if label == "old button":
        return await bot.press(user, step.old_button)
    if label == "forged button":
        return await bot.press(user, step.forged_button)
    if label == "unknown command":
        return await bot.command(user, INPUTS[label])
    return await bot.text(user, INPUTS[label])


OPERATOR_JOURNEYS = ("broadcast", "operator_orders", "operator_products", "operator_harvests")


def user_for(step: TypedStep, language: str) -> TgUser:
    """The buyer (or the operator, for broadcasts) speaking this language."""
    user_id = ADMIN_ID if step.journey in OPERATOR_JOURNEYS else 3100
    user_id = FARMER_ID if step.journey == "farmer_tree_update" else user_id
    return TgUser(id=user_id, first_name="Mei", last_name="Li", language_code=LANGUAGES[language])


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("name", list(STEPS))
async def test_every_awkward_input_at_every_typed_step(
    bot: Harness, name: str, language: str
) -> None:
    step = STEPS[name]
    user = user_for(step, language)
    await step.reach(bot, user)
    at_step = state(bot, step.journey)
    assert at_step is not None, "the dialogue is open"
    untouched = snapshot(bot, step)
    for label in INPUTS:
        if label in step.valid_here:
            continue
        before = step.read(bot, user)
        calls = await send(bot, user, label, step)
        assert_valid_html(calls)
        if label in step.accepts:
            assert step.read(bot, user) == step.accepts[label], label
            assert MARKUP not in "\n".join(texts(calls)), "echoed text is escaped"
            for data in step.back:
                await bot.press(user, data)
        else:
            assert_in_language(calls, language)
            assert step.read(bot, user) == before, label
        assert state(bot, step.journey) == at_step, label
    assert snapshot(bot, step) == untouched
    await bot.text(user, step.valid)
    assert step.read(bot, user) == step.stored


OUT_OF_RANGE = "99999999999999999999"  # beyond PostgreSQL's integer and bigint
FORGED_TAPS = [
    f"TREE card {OUT_OF_RANGE}",
    f"TREE list species {OUT_OF_RANGE} 0",
    f"TREE list village 1 {OUT_OF_RANGE}",
    f"TREE card 1 species 1 {OUT_OF_RANGE}",
    f"ADOPT go {OUT_OF_RANGE}",
    f"ADOPT renew {OUT_OF_RANGE}",
    f"MYT view {OUT_OF_RANGE}",
    f"MYT certificate {OUT_OF_RANGE}",
    f"MYT pay {OUT_OF_RANGE}",
    f"SHOP product {OUT_OF_RANGE}",
    f"SHOP add {OUT_OF_RANGE}",
    f"SHOP shelf {OUT_OF_RANGE}",
    f"CART more {OUT_OF_RANGE} 1",
    f"CART remove 1 {OUT_OF_RANGE}",
    f"CHK go {OUT_OF_RANGE}",
    f"CHK ok {OUT_OF_RANGE}",
    f"ORD view {OUT_OF_RANGE}",
    f"ORD cancel {OUT_OF_RANGE}",
    f"ORD cancel-yes {OUT_OF_RANGE}",
    f"ORD pay {OUT_OF_RANGE}",
    "ADOPT go -1",
    "ORD view 1; DROP TABLE user",
    "LANG set xx",
    "PRIV OK q 0",
    "MENU\u200b",
    "桃",
]


@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_forged_taps_are_answered_and_change_nothing(bot: Harness, language: str) -> None:
    user = TgUser(id=3200, first_name="Mei", language_code=LANGUAGES[language])
    await bot.command(user, "/start")
    untouched = [c for c in every_value(bot) if c[0] not in ("telegramupdate", "user", "cart")]
    for data in FORGED_TAPS:
        calls = await bot.press(user, data)
        assert any(c.method == "answerCallbackQuery" for c in calls), data
        assert_valid_html(calls)
        assert_in_language(calls, language)
        assert not any("went wrong" in t or "出错" in t for t in texts(calls)), data
    after = [c for c in every_value(bot) if c[0] not in ("telegramupdate", "user", "cart")]
    assert after == untouched
