"""A name needs letters: a phone number typed as the parcel's recipient (one step early) is
refused in the user's language; checkout's address, which carries the name, likewise."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.adoption.adoptions import AdoptionDraft
from models.shop.products import Cart, add_to_cart, view_cart
from tests.adoption_helpers import tree_id
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import buyer, product
from tests.test_adopt import give_consents

LANGUAGES = {"zh-hans": "zh", "lo": "lo", "en-US": "en"}
NEEDS_LETTERS = {
    "zh": "名字要有文字",
    "lo": "ຊື່ຕ້ອງມີຕົວອັກສອນ",
    "en": "A name needs letters",
}
NOT_AN_ADDRESS = {"zh": "这看起来不像完整地址", "lo": "ນີ້ບໍ່ຄືທີ່ຢູ່ເຕັມ", "en": "That does not look"}


def draft_recipient(bot: Harness, user: TgUser) -> str:
    """The parcel's recipient stored in the adoption draft."""
    with bot.db.session() as session:
        statement = select(AdoptionDraft.recipient).where(AdoptionDraft.user_id == user.id)
        return session.exec(statement).one()


@pytest.mark.parametrize("user", ["li", "noy", "ann"])
@pytest.mark.parametrize("typed", ["138 1234 5678", "12345", "+86 (138) 1234-5678"])
async def test_the_parcel_s_recipient_must_be_a_name(
    bot: Harness, user: str, typed: str, request: pytest.FixtureRequest
) -> None:
    adopter: TgUser = request.getfixturevalue(user)
    give_consents(bot, adopter)
    await bot.command(adopter, "/start tree_PEACH-0005")
    await bot.press(adopter, f"ADOPT go {tree_id(bot.db, 'PEACH-0005')}")
    await bot.press(adopter, "ADOPT skip")
    await bot.press(adopter, "ADOPT skip")
    await bot.press(adopter, "ADOPT for me")
    await bot.press(adopter, "ADOPT to CN")
    await bot.text(adopter, "湖南省长沙市岳麓路 12 号")
    text = last_text(await bot.text(adopter, typed))  # a phone number where the name goes
    assert text.startswith("⚠️ " + NEEDS_LETTERS[LANGUAGES[adopter.language_code or ""]])
    assert draft_recipient(bot, adopter) == ""  # nothing stored; the name question again
    assert bot.buttons(adopter)[0][1] == "ADOPT skip"  # "Use <name>" still offered
    await bot.text(adopter, "王小明 Wang 2")
    assert draft_recipient(bot, adopter) == "王小明 Wang 2"


@pytest.mark.parametrize("user", ["li", "noy", "ann"])
async def test_checkout_s_address_with_the_name_is_not_a_phone_number(
    bot: Harness, user: str, request: pytest.FixtureRequest
) -> None:
    shopper: TgUser = request.getfixturevalue(user)
    buyer(bot.db, shopper.id, LANGUAGES[shopper.language_code or ""])
    give_consents(bot, shopper)
    bot.db.call(add_to_cart, user_id=shopper.id, product_id=product(bot.db, "HONEY-500G").id)
    await bot.press(shopper, f"CHK go {bot.db.call(view_cart, user_id=shopper.id).version}")
    await bot.press(shopper, "CHK to CN")
    text = last_text(await bot.text(shopper, "138 1234 5678"))
    assert text.startswith(NOT_AN_ADDRESS[LANGUAGES[shopper.language_code or ""]])
    with bot.db.session() as session:
        assert session.exec(select(Cart.address).where(Cart.user_id == shopper.id)).one() is None
