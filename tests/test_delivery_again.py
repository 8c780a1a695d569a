"""Nothing typed twice: the next checkout or adoption offers the last address, recipient and
phone; the adoption's review shows the tree and its price; the parcel's recipient is asked;
the farmer sees the buyer's note."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from models.adoption.adoptions import Adoption, AdoptionDraft
from models.privacy import ANONYMOUS
from models.shop.orders import Order
from models.shop.products import Cart, add_to_cart, view_cart
from tests.backoffice_helpers import bind_farmer, paid_order
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import ADDRESSES, buyer, product
from tests.test_adopt import fill_dialogue, give_consents, tree_id
from tests.test_farmer import LONG

CN_ADDRESS, CN_PHONE = ADDRESSES["CN"]


def cart_of(bot: Harness, user: TgUser) -> Cart:
    """The user's cart row, read now."""
    with bot.db.session() as session:
        return session.exec(select(Cart).where(Cart.user_id == user.id)).one()


async def checkout_to_china(bot: Harness, user: TgUser) -> str:
    """A cart with honey, checkout to China with consents given: the address question."""
    give_consents(bot, user)
    bot.db.call(add_to_cart, user_id=user.id, product_id=product(bot.db, "HONEY-500G").id)
    await bot.press(user, f"CHK go {bot.db.call(view_cart, user_id=user.id).version}")
    return last_text(await bot.press(user, "CHK to CN"))


async def test_second_checkout_offers_the_last_address_in_one_tap(bot: Harness, li: TgUser) -> None:
    buyer(bot.db, li.id, "zh")
    paid_order(bot.db, li.id, "KIWI-5KG")
    question = await checkout_to_china(bot, li)
    assert "上次寄往" in question and CN_ADDRESS in question and CN_PHONE in question
    assert ("✅ 用这个地址", "CHK same") in bot.buttons(li)
    calls = await bot.press(li, "CHK same")
    assert "备注" in last_text(calls)  # address and phone taken: on to the note
    cart = cart_of(bot, li)
    assert (cart.address, cart.phone) == (CN_ADDRESS, CN_PHONE)
    summary = last_text(await bot.press(li, "CHK skip"))
    assert CN_ADDRESS in summary and CN_PHONE in summary


async def test_a_new_address_can_still_be_typed(bot: Harness, ann: TgUser) -> None:
    buyer(bot.db, ann.id, "en")
    paid_order(bot.db, ann.id, "KIWI-5KG")
    await checkout_to_china(bot, ann)
    calls = await bot.text(ann, "88 Furong Road, Changsha, Ann Smith")
    assert "phone number" in last_text(calls)
    assert cart_of(bot, ann).address == "88 Furong Road, Changsha, Ann Smith"


async def test_first_checkout_and_erased_addresses_offer_nothing(bot: Harness, ann: TgUser) -> None:
    buyer(bot.db, ann.id, "en")
    assert "Last time" not in await checkout_to_china(bot, ann)
    order = paid_order(bot.db, ann.id, "KIWI-5KG")
    with bot.db.session() as session:
        session.exec(
            update(Order)  # type: ignore[call-overload]
            .where(col(Order.id) == order.id)
            .values(address=ANONYMOUS, phone=ANONYMOUS)
        )
        session.commit()
    assert "Last time" not in await checkout_to_china(bot, ann)
    assert "CHK same" not in [data for _, data in bot.buttons(ann)]
    # a forged "use this" with nothing to use asks for the address again
    assert "delivery address" in last_text(await bot.press(ann, "CHK same"))


async def test_adoption_review_shows_the_tree_price_and_recipient(bot: Harness, li: TgUser) -> None:
    await fill_dialogue(bot, li, "PEACH-0005", gift=True, country="CN")
    summary = last_text(bot.api.calls)
    assert "PEACH-0005" in summary and "¥" in summary and "收件人：Bo Chen" in summary
    await bot.press(li, "ADOPT ok")
    with bot.db.session() as session:
        adoption = session.exec(select(Adoption)).one()
    assert adoption.recipient == "Bo Chen"


async def test_a_named_parcel_recipient_is_stored(bot: Harness, ann: TgUser) -> None:
    give_consents(bot, ann)
    await bot.command(ann, "/start tree_PEACH-0005")
    await bot.press(ann, f"ADOPT go {tree_id(bot, 'PEACH-0005')}")
    for data in ("ADOPT skip", "ADOPT skip", "ADOPT for me", "ADOPT to CN"):
        await bot.press(ann, data)
    question = last_text(await bot.text(ann, "12 Yuelu Road, Changsha"))
    assert "Who receives the harvest parcel" in question and "Ann" in question
    assert "mobile number" in last_text(await bot.text(ann, "Zhang Wei"))
    with bot.db.session() as session:
        assert session.get_one(AdoptionDraft, ann.id).recipient == "Zhang Wei"


async def test_second_adoption_takes_the_last_address_name_and_phone(
    bot: Harness, li: TgUser
) -> None:
    await fill_dialogue(bot, li, "PEACH-0005", gift=True, country="CN")
    await bot.press(li, "ADOPT ok")
    await bot.command(li, "/start tree_PEACH-0006")
    await bot.press(li, f"ADOPT go {tree_id(bot, 'PEACH-0006')}")
    for data in ("ADOPT skip", "ADOPT skip", "ADOPT for me"):
        await bot.press(li, data)
    question = last_text(await bot.press(li, "ADOPT to CN"))
    assert "上次寄往" in question and "👤 Bo Chen" in question and "+8613812345678" in question
    summary = last_text(await bot.tap(li, "用这个地址"))
    assert "PEACH-0006" in summary and "收件人：Bo Chen" in summary  # straight to the review
    with bot.db.session() as session:
        draft = session.get_one(AdoptionDraft, li.id)
    assert (draft.address, draft.recipient, draft.phone) == (
        "湖南省长沙市岳麓路 12 号",
        "Bo Chen",
        "+8613812345678",
    )


async def test_adoption_after_an_order_asks_only_the_name(bot: Harness, li: TgUser) -> None:
    buyer(bot.db, li.id, "zh")
    paid_order(bot.db, li.id, "KIWI-5KG")
    give_consents(bot, li)
    await bot.command(li, "/start tree_PEACH-0005")
    await bot.press(li, f"ADOPT go {tree_id(bot, 'PEACH-0005')}")
    for data in ("ADOPT skip", "ADOPT skip", "ADOPT for me", "ADOPT to CN"):
        await bot.press(li, data)
    calls = await bot.press(li, "ADOPT same")
    assert "收成包裹由谁签收" in last_text(calls)
    with bot.db.session() as session:
        assert session.get_one(AdoptionDraft, li.id).address == CN_ADDRESS


async def test_the_farmer_sees_the_buyers_note(bot: Harness, ann: TgUser) -> None:
    bind_farmer(bot.db, LONG.id, "SBD-LONG")
    order = paid_order(bot.db, ann.id, "KIWI-5KG")
    with bot.db.session() as session:
        session.exec(
            update(Order)  # type: ignore[call-overload]
            .where(col(Order.id) == order.id)
            .values(note="Ripe ones please")
        )
        session.commit()
    await bot.command(LONG, "/farmer")
    text = last_text(await bot.tap(LONG, "Orders to pack"))
    assert order.number in text and "📝 Note: Ripe ones please" in text
