"""Phone numbers typed in any digits, checked against the destination (issue 14, item 3)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.adoption.adoptions import AdoptionDraft
from models.shop.products import Cart, add_to_cart, view_cart
from tests.adoption_helpers import tree_id
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import ADDRESSES, buyer, product
from tests.test_adopt import give_consents

LANGUAGES = {"zh-hans": "zh", "lo": "lo", "en-US": "en"}
TYPED = ("13８12345678", "+86 1٣٨ 1234 5678", "１３８ １２３４ ５６７８")
# The refusal names the destination and gives an example, in the buyer's language.
CHECKOUT_REFUSAL = {
    "zh": ("这不是 🇨🇳 中国可以拨通的号码", "138 0013 8000"),
    "lo": ("ເບີນີ້ໃຊ້ໂທບໍ່ໄດ້ໃນ 🇨🇳 ຈີນ", "138 0013 8000"),
    "en": ("That is not a phone number we can call in 🇨🇳 China", "138 0013 8000"),
}
ADOPT_REFUSAL = {
    "zh": "这不是中国手机号",
    "lo": "ນີ້ບໍ່ແມ່ນເບີມືຖືຈີນ",
    "en": "That is not a Chinese mobile number",
}


async def at_checkout_phone(bot: Harness, user: TgUser) -> None:
    """A buyer with honey in the cart reaches the phone step of a delivery in China."""
    buyer(bot.db, user.id, LANGUAGES[user.language_code or "en-US"])
    give_consents(bot, user)
    bot.db.call(add_to_cart, user_id=user.id, product_id=product(bot.db, "HONEY-500G").id)
    await bot.press(user, f"CHK go {bot.db.call(view_cart, user_id=user.id).version}")
    await bot.press(user, "CHK to CN")
    await bot.text(user, ADDRESSES["CN"][0])


async def at_adoption_phone(bot: Harness, user: TgUser) -> None:
    """An adopter answers every question up to the phone number of a delivery in China."""
    give_consents(bot, user)
    await bot.command(user, "/start tree_PEACH-0005")
    await bot.press(user, f"ADOPT go {tree_id(bot.db, 'PEACH-0005')}")
    await bot.press(user, "ADOPT skip")
    await bot.press(user, "ADOPT skip")
    await bot.press(user, "ADOPT for me")
    await bot.press(user, "ADOPT to CN")
    await bot.text(user, "湖南省长沙市岳麓路 12 号")
    await bot.press(user, "ADOPT skip")  # the harvest parcel to the adopter


def cart_phone(bot: Harness, user: TgUser) -> str | None:
    """The phone number stored in the buyer's checkout draft."""
    with bot.db.session() as session:
        return session.exec(select(Cart.phone).where(Cart.user_id == user.id)).one()


def draft_phone(bot: Harness, user: TgUser) -> str:
    """The phone number stored in the adoption draft."""
    with bot.db.session() as session:
        statement = select(AdoptionDraft.phone).where(AdoptionDraft.user_id == user.id)
        return session.exec(statement).one()


@pytest.mark.parametrize("typed", TYPED)
async def test_checkout_stores_any_digits_as_ascii_e164(
    bot: Harness, li: TgUser, typed: str
) -> None:
    await at_checkout_phone(bot, li)
    await bot.text(li, typed)
    assert cart_phone(bot, li) == "+8613812345678"
    assert "+8613812345678" in last_text(await bot.press(li, "CHK skip"))


@pytest.mark.parametrize("typed", TYPED)
async def test_adoption_stores_any_digits_as_ascii_e164(
    bot: Harness, noy: TgUser, typed: str
) -> None:
    await at_adoption_phone(bot, noy)
    summary = last_text(await bot.text(noy, typed))
    assert draft_phone(bot, noy) == "+8613812345678"
    assert "+8613812345678" in summary


@pytest.mark.parametrize("user", ["li", "noy", "ann"])
async def test_checkout_refuses_a_number_china_does_not_have(
    bot: Harness, user: str, request: pytest.FixtureRequest
) -> None:
    buyer_user: TgUser = request.getfixturevalue(user)
    await at_checkout_phone(bot, buyer_user)
    text = last_text(await bot.text(buyer_user, "120 1234 5678"))
    refusal, example = CHECKOUT_REFUSAL[LANGUAGES[buyer_user.language_code or ""]]
    assert text.startswith(refusal) and example in text
    assert cart_phone(bot, buyer_user) in (None, "")
    await bot.text(buyer_user, "138 1234 5678")  # the step still takes a real number
    assert cart_phone(bot, buyer_user) == "+8613812345678"


@pytest.mark.parametrize("user", ["li", "noy", "ann"])
async def test_adoption_refuses_a_number_china_does_not_have(
    bot: Harness, user: str, request: pytest.FixtureRequest
) -> None:
    adopter: TgUser = request.getfixturevalue(user)
    await at_adoption_phone(bot, adopter)
    text = last_text(await bot.text(adopter, "120 1234 5678"))
    assert text.startswith("⚠️ " + ADOPT_REFUSAL[LANGUAGES[adopter.language_code or ""]])
    assert "138 1234 5678" in text  # the example
    assert draft_phone(bot, adopter) == ""
