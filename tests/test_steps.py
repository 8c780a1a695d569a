"""Big steps say where the buyer is ("Step 2 of 4"): checkout and adoption, counted so that a
question skipped (consent given before, "use this address", no gift) never changes the count
or sends the number backwards."""

from __future__ import annotations

import re

from models.shop.products import add_to_cart, view_cart
from tests.backoffice_helpers import paid_order
from tests.factories import TgUser
from tests.harness import Harness, last_text, texts
from tests.shop_helpers import ADDRESSES, buyer, product
from tests.test_adopt import give_consents, tree_id

MARKER = re.compile(r"<b>(?:Step |第 |ຂັ້ນຕອນທີ )(\d+)(?: of | 步，共 | ຈາກ )(\d+)(?: 步)?</b>\n")


def step(text: str) -> tuple[int, int]:
    """(number, total) of the step marker a prompt starts with."""
    found = MARKER.match(text)
    assert found, text
    return int(found[1]), int(found[2])


def moves_forward(seen: list[tuple[int, int]]) -> bool:
    """The same total throughout, and a number that never goes back."""
    return len({total for _, total in seen}) == 1 and seen == sorted(seen)


async def start_checkout(bot: Harness, user: TgUser) -> str:
    """A cart with honey: the checkout's first question."""
    bot.db.call(add_to_cart, user_id=user.id, product_id=product(bot.db, "HONEY-500G").id)
    return last_text(
        await bot.press(user, f"CHK go {bot.db.call(view_cart, user_id=user.id).version}")
    )


async def test_first_checkout_in_lao_counts_the_consent_in_the_delivery_step(
    bot: Harness, noy: TgUser
) -> None:
    buyer(bot.db, noy.id, "lo")
    first = await start_checkout(bot, noy)
    assert first.startswith("<b>ຂັ້ນຕອນທີ 1 ຈາກ 4</b>\n")
    seen = [step(first)]
    consent = last_text(await bot.press(noy, "CHK to LA"))
    assert "ຊາຍແດນ" in consent  # the consent screen, under the delivery step
    seen.append(step(consent))
    # typed on the consent screen: kept, and the screen shown again with its marker
    again = last_text(await bot.text(noy, ADDRESSES["LA"][0] + ", ນ້ອຍ"))
    seen.append(step(again))
    calls = await bot.tap(noy, "ຂ້ອຍຍິນຍອມ")  # the kept address taken: the phone question
    *_, address, phone = [t for t in texts(calls) if MARKER.match(t)]
    assert "ເບີໂທ" in phone
    seen += [step(address), step(phone)]
    seen.append(step(last_text(await bot.text(noy, ADDRESSES["LA"][1]))))  # the note
    seen.append(step(last_text(await bot.tap(noy, "ຂ້າມ"))))  # the review
    assert seen == [(1, 4), (2, 4), (2, 4), (2, 4), (2, 4), (3, 4), (4, 4)]


async def test_second_checkout_in_english_use_this_address_keeps_the_count(
    bot: Harness, ann: TgUser
) -> None:
    buyer(bot.db, ann.id, "en")
    give_consents(bot, ann)  # no consent screen this time
    paid_order(bot.db, ann.id, "KIWI-5KG")  # the address to offer
    seen = [step(await start_checkout(bot, ann))]
    address = last_text(await bot.press(ann, "CHK to CN"))
    assert address.startswith("<b>Step 2 of 4</b>\n") and "Last time" in address
    seen.append(step(address))
    note = last_text(await bot.tap(ann, "Use this address"))  # address and phone in one tap
    assert note.startswith("<b>Step 3 of 4</b>\nAnything to tell")
    seen.append(step(note))
    seen.append(step(last_text(await bot.tap(ann, "Skip"))))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    back = last_text(await bot.tap(ann, "Back"))  # going back shows the step gone back to
    assert back.startswith("<b>Step 3 of 4</b>")


async def test_adoption_in_chinese_for_me_counts_five_steps(bot: Harness, li: TgUser) -> None:
    await bot.command(li, "/start tree_PEACH-0003")
    seen = [step(last_text(await bot.press(li, f"ADOPT go {tree_id(bot, 'PEACH-0003')}")))]
    assert last_text(bot.api.calls).startswith("<b>第 1 步，共 5 步</b>\n")
    seen.append(step(last_text(await bot.text(li, "小桃"))))  # the certificate's name
    seen.append(step(last_text(await bot.press(li, "ADOPT skip"))))  # for me or a gift
    seen.append(step(last_text(await bot.press(li, "ADOPT for me"))))  # no gift questions
    seen.append(step(last_text(await bot.press(li, "ADOPT to CN"))))  # the consent screen
    seen.append(step(last_text(await bot.tap(li, "我同意"))))  # the address
    seen.append(step(last_text(await bot.text(li, "湖南省长沙市岳麓路 12 号"))))  # parcel name
    seen.append(step(last_text(await bot.press(li, "ADOPT skip"))))  # the phone
    summary = last_text(await bot.text(li, "138 1234 5678"))
    seen.append(step(summary))
    assert seen == [(1, 5), (1, 5), (2, 5), (3, 5), (4, 5), (4, 5), (4, 5), (4, 5), (5, 5)]
    assert moves_forward(seen) and "第 5 步，共 5 步" in summary


async def test_adoption_gift_and_last_delivery_in_english(bot: Harness, ann: TgUser) -> None:
    buyer(bot.db, ann.id, "en")
    give_consents(bot, ann)
    paid_order(bot.db, ann.id, "KIWI-5KG")  # a delivery to China with the recipient in it
    await bot.command(ann, "/start tree_PEACH-0004")
    seen = [step(last_text(await bot.press(ann, f"ADOPT go {tree_id(bot, 'PEACH-0004')}")))]
    seen.append(step(last_text(await bot.press(ann, "ADOPT skip"))))
    seen.append(step(last_text(await bot.press(ann, "ADOPT skip"))))
    seen.append(step(last_text(await bot.press(ann, "ADOPT for gift"))))  # who receives it
    seen.append(step(last_text(await bot.text(ann, "Bo Chen"))))  # the message
    seen.append(step(last_text(await bot.press(ann, "ADOPT skip"))))  # where to
    address = last_text(await bot.press(ann, "ADOPT to CN"))  # no consent screen
    assert address.startswith("<b>Step 4 of 5</b>\n") and "Last time" in address
    seen.append(step(address))
    # address and phone taken in one tap; an order's delivery names no recipient: asked next
    after = last_text(await bot.tap(ann, "Use this address"))
    assert "Who receives the harvest parcel" in after
    seen.append(step(after))
    # the phone came with the address: not asked again, straight to the review
    review = last_text(await bot.press(ann, "ADOPT skip"))
    assert "Please check your adoption" in review and ADDRESSES["CN"][1] in review
    seen.append(step(review))
    assert seen == [(1, 5), (1, 5), (2, 5), (2, 5), (2, 5), (3, 5), (4, 5), (4, 5), (5, 5)]
