"""The consent screen in the real dialogues: one tap for both consents, straight on to the
address, and text typed on the screen kept as the answer to the address question."""

from __future__ import annotations

from sqlmodel import select

from bot.offline import ApiCall
from models.adoption.adoptions import AdoptionDraft
from models.privacy import Consent, ConsentKind
from models.shop.products import Cart
from tests.factories import TgUser, make_message_update
from tests.harness import Harness, last_text, texts
from tests.test_adopt import tree_id

ADDRESS_LA = "ນະຄອນຫຼວງວຽງຈັນ, ເມືອງໄຊເສດຖາ, ບ້ານໂພນໄຊ, ເຮືອນ 12, ນ້ອຍ"
ADDRESS_CN = "湖南省长沙市岳麓路 12 号"


def kinds(bot: Harness, user: TgUser) -> list[str]:
    """The kinds of consent the user has given."""
    with bot.db.session() as session:
        rows = session.exec(select(Consent).where(Consent.user_id == user.id))
        return sorted(str(row.kind) for row in rows)


def cart_address(bot: Harness, user: TgUser) -> str | None:
    """The address on the user's checkout draft."""
    with bot.db.session() as session:
        return session.exec(select(Cart).where(Cart.user_id == user.id)).one().address


def assert_reads_in_order(calls: list[ApiCall], thanks: str) -> None:
    """The consent message (above the kept text) ends as the thanks, edited before the next
    question is sent below the kept text, and is not edited after it."""
    edits = [n for n, c in enumerate(calls) if c.method == "editMessageText"]
    sends = [n for n, c in enumerate(calls) if c.method == "sendMessage"]
    assert calls[edits[-1]].params["text"].startswith(thanks)
    assert edits[-1] < sends[0]  # the thanks comes before the next question, never after it


async def at_lao_checkout_consent(bot: Harness, noy: TgUser) -> str:
    """A Lao buyer's cart with kiwifruit, checkout to Laos: the consent screen's text."""
    await bot.command(noy, "/start product_KIWI-5KG")
    await bot.tap(noy, "ໃສ່ກະຕ່າ")
    await bot.tap(noy, "🛒 ກະຕ່າ")
    await bot.tap(noy, "ສັ່ງສິນຄ້າ")
    return last_text(await bot.tap(noy, "ລາວ"))


async def test_checkout_one_tap_for_both_consents(bot: Harness, noy: TgUser) -> None:
    screen = await at_lao_checkout_consent(bot, noy)
    assert "ກ່ອນໃສ່ທີ່ຢູ່" in screen and "ຊາຍແດນ" in screen
    assert bot.buttons(noy)[0][0] == "✅ ຂ້ອຍຍິນຍອມທັງສອງຢ່າງ"
    calls = await bot.tap(noy, "ຂ້ອຍຍິນຍອມ")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "ກະລຸນາສົ່ງທີ່ຢູ່ຈັດສົ່ງ" in last_text(calls)
    assert kinds(bot, noy) == [ConsentKind.CROSS_BORDER, ConsentKind.NOTICE]


async def test_address_typed_on_the_consent_screen_is_kept(bot: Harness, noy: TgUser) -> None:
    await at_lao_checkout_consent(bot, noy)
    calls = await bot.text(noy, ADDRESS_LA)
    # the same screen again, saying the text is kept; nothing stored before consent
    assert "ເກັບສິ່ງທີ່ທ່ານສົ່ງມາໄວ້" in last_text(calls) and "ຊາຍແດນ" in last_text(calls)
    assert "ຈະໃຫ້ສົ່ງອໍເດີໄປໃສ" not in " ".join(texts(calls))  # not sent back a step
    assert cart_address(bot, noy) is None and kinds(bot, noy) == []
    calls = await bot.tap(noy, "ຂ້ອຍຍິນຍອມ")
    assert cart_address(bot, noy) == ADDRESS_LA
    sent = [c for c in calls if c.method == "sendMessage"]
    # on to the phone number: its "Share my number" reply keyboard, then the question
    assert len(sent) == 2 and "ແບ່ງປັນເບີຂອງຂ້ອຍ" in sent[0].params["text"]
    assert "ເບີໂທ" in sent[1].params["text"]
    assert_reads_in_order(calls, "✅ ຂອບໃຈ")
    assert "ໝາຍເຫດ" in last_text(await bot.text(noy, "020 5555 1234"))


async def test_declining_forgets_the_typed_text(bot: Harness, noy: TgUser) -> None:
    await at_lao_checkout_consent(bot, noy)
    await bot.text(noy, ADDRESS_LA)
    await bot.tap(noy, "ໄວ້ກ່ອນ")
    await bot.tap(noy, "ປ່ຽນໃຈ")
    calls = await bot.tap(noy, "ຂ້ອຍຍິນຍອມ")
    assert "ກະລຸນາສົ່ງທີ່ຢູ່ຈັດສົ່ງ" in last_text(calls)
    assert cart_address(bot, noy) is None


async def test_adoption_keeps_the_address_typed_on_the_consent_screen(
    bot: Harness, li: TgUser
) -> None:
    await bot.command(li, "/start tree_PEACH-0005")
    await bot.press(li, f"ADOPT go {tree_id(bot, 'PEACH-0005')}")
    for data in ("ADOPT skip", "ADOPT skip", "ADOPT for me"):
        await bot.press(li, data)
    assert "填写地址之前" in last_text(await bot.press(li, "ADOPT to CN"))
    calls = await bot.text(li, ADDRESS_CN)
    assert "已保留" in last_text(calls)
    calls = await bot.tap(li, "我同意")
    [sent] = [c for c in calls if c.method == "sendMessage"]
    assert "收件人" in sent.params["text"]  # the address is taken: on to who receives the parcel
    assert_reads_in_order(calls, "✅ 谢谢")
    with bot.db.session() as session:
        assert session.get_one(AdoptionDraft, li.id).address == ADDRESS_CN
    assert kinds(bot, li) == [ConsentKind.NOTICE]


async def test_a_voice_note_on_the_consent_screen_keeps_the_screen_in_lao(
    bot: Harness, noy: TgUser
) -> None:
    await at_lao_checkout_consent(bot, noy)
    await bot.text(noy, ADDRESS_LA)  # kept
    voice = make_message_update(noy, "")
    voice["message"].pop("text")
    voice["message"]["voice"] = {"file_id": "v1", "file_unique_id": "uv1", "duration": 2}
    calls = await bot.send(voice)
    said = " ".join(texts(calls))
    assert "⚠️ ກະລຸນາກົດປຸ່ມໃດໜຶ່ງ." in said and "ຊາຍແດນ" in last_text(calls)
    assert "ຈະໃຫ້ສົ່ງອໍເດີໄປໃສ" not in said  # not sent back to the country question
    assert "ເກັບສິ່ງທີ່ທ່ານສົ່ງມາໄວ້" in last_text(calls)  # the typed address is still kept
    await bot.tap(noy, "ຂ້ອຍຍິນຍອມ")
    assert cart_address(bot, noy) == ADDRESS_LA


async def test_a_photo_on_the_adoption_consent_screen_keeps_the_screen_in_chinese(
    bot: Harness, li: TgUser
) -> None:
    await bot.command(li, "/start tree_PEACH-0001")
    for label in ("认养这棵树", "跳过", "使用", "自己", "老挝"):
        await bot.tap(li, label)
    calls = await bot.photo(li, "a-photo")
    said = " ".join(texts(calls))
    assert "⚠️ 请点击下面的按钮。" in said and "填写地址之前" in last_text(calls)
    assert "收成寄到哪里" not in said  # not sent back to the country question
