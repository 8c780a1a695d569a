"""The privacy notice is true to the screens (issue 14, item 7): its "who sees it" is built from
models.privacy.FARMER_SEES / POST_OFFICE_SEES, and the farmer's screens show exactly those fields;
an erased name shows as a neutral label in the viewer's language, never as the stored marker."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from handlers.account.privacy import seen_label, who_sees
from models.adoption.adoptions import Adoption
from models.core.user import User
from models.privacy import ANONYMOUS, FARMER_SEES, POST_OFFICE_SEES, Seen
from models.shop.orders import Order
from tests.adoption_helpers import LAO_ADDRESS, paid_adoption
from tests.backoffice_helpers import bind_farmer, paid_order
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import ADDRESSES

SHI = TgUser(id=2010, first_name="Shi", language_code="en")  # grows PEACH-0001, PEACH-0005 …
LONG = TgUser(id=2001, first_name="Long", language_code="en")  # grows the kiwifruit
DELETED = {"zh": "（已删除）", "lo": "(ລຶບແລ້ວ)", "en": "(deleted)"}


@pytest.mark.parametrize(("who", "lang"), [("li", "zh"), ("noy", "lo"), ("ann", "en")])
async def test_the_notice_names_what_each_audience_sees_from_the_same_lists(
    bot: Harness, who: str, lang: str, request: pytest.FixtureRequest
) -> None:
    user: TgUser = request.getfixturevalue(who)
    tr = translator(lang)
    notice = last_text(await bot.command(user, "/privacy"))
    paragraph = who_sees(tr)
    assert paragraph in notice.split("\n\n")
    for seen in {*FARMER_SEES, *POST_OFFICE_SEES}:
        assert seen_label(tr, seen) in paragraph, seen
    if lang == "en":  # the farmers' sentence names nothing else
        farmers = paragraph.split("The post office staff")[0]
        for seen in set(Seen) - set(FARMER_SEES):
            assert seen_label(tr, seen) not in farmers, seen


async def test_the_farmers_screens_show_only_what_the_notice_says(
    bot: Harness, li: TgUser, ann: TgUser
) -> None:
    """Each Seen value the notice gives farmers is on their screens; every other one is not."""
    bind_farmer(bot.db, SHI.id, "SBD-SHI")
    bind_farmer(bot.db, LONG.id, "SBD-LONG")
    await bot.command(li, "/start")
    await bot.command(ann, "/start")
    adoption = paid_adoption(bot.db, li.id, "PEACH-0005", nickname="Peachy", gift_to="Bo Chen")
    order = paid_order(bot.db, ann.id, "KIWI-5KG")
    with bot.db.session() as session:
        stored = session.get_one(Order, order.id)
        stored.note = "Leave it at the gate"
        session.add(stored)
        session.commit()
    values = {
        Seen.DISPLAY_NAME: li.first_name,
        Seen.TREE_NICKNAME: "Peachy",
        Seen.CERTIFICATE_NAME: adoption.certificate_name,
        Seen.ADDRESS: LAO_ADDRESS[0],
        Seen.PHONE: LAO_ADDRESS[1],
    }
    await bot.command(SHI, "/farmer")
    trees = last_text(await bot.tap(SHI, "My trees"))
    for seen, value in values.items():
        assert (value in trees) == (seen in FARMER_SEES), seen
    assert "Bo Chen" not in trees  # the gift's recipient is a certificate name too
    await bot.command(LONG, "/farmer")
    orders = last_text(await bot.tap(LONG, "Orders to pack"))
    assert ann.first_name in orders and "Leave it at the gate" in orders  # name, note
    for value in ADDRESSES["CN"]:
        assert value not in orders


async def test_an_erased_adopters_names_show_as_deleted_on_the_operators_screen(
    bot: Harness, noy: TgUser, admin: TgUser
) -> None:
    await bot.command(noy, "/start")
    adoption = paid_adoption(bot.db, noy.id, "PEACH-0001", gift_to="Bo Chen")
    await bot.command(noy, "/deletemydata")
    await bot.press(noy, "PRIV DEL YES")  # open adoption: names go now, delivery details stay
    with bot.db.session() as session:
        assert session.get_one(Adoption, adoption.id).gift_recipient == ANONYMOUS
    await bot.command(admin, "/ops")
    listing = last_text(await bot.tap(admin, "待寄出的认养收成"))
    screen = last_text(await bot.press(admin, f"OPH view {adoption.id}"))
    for text in (listing, screen):
        assert ANONYMOUS not in text
        assert DELETED["zh"] in text  # in the operator's language
    assert LAO_ADDRESS[0] in screen  # kept until the harvest is shipped


async def test_an_erased_buyers_name_shows_as_deleted_to_the_farmer(
    bot: Harness, noy: TgUser
) -> None:
    lao_farmer = TgUser(id=2001, first_name="Long", language_code="lo")
    bind_farmer(bot.db, lao_farmer.id, "SBD-LONG", "lo")
    await bot.command(noy, "/start")
    paid_order(bot.db, noy.id, "KIWI-5KG")
    await bot.command(noy, "/deletemydata")
    await bot.press(noy, "PRIV DEL YES")  # the order is open: the profile is blanked, not gone
    with bot.db.session() as session:
        assert session.get_one(User, noy.id).first_name == ANONYMOUS
    await bot.command(lao_farmer, "/farmer")
    await bot.press(lao_farmer, "FRM to-pack")
    text = last_text(bot.api.calls)
    assert ANONYMOUS not in text and DELETED["lo"] in text
