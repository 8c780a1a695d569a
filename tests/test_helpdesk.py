"""/help's human contact, messages and voice notes to the post office, and the answer back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import select

from bot.notify import deliver_pending
from models.helpdesk import HelpMessage
from models.privacy import erase_user_data, export_user_data
from tests.backoffice_helpers import paid_order
from tests.factories import TgUser, make_message_update
from tests.harness import Harness, last_text

VOICE = {"file_id": "AwACAgIAAxkBAAIvoice", "file_unique_id": "uvoice", "duration": 4}


def messages(bot: Harness) -> list[HelpMessage]:
    """Every stored help message."""
    with bot.db.session() as session:
        return list(session.exec(select(HelpMessage).order_by(HelpMessage.id)))  # type: ignore[arg-type]


def voice_update(user: TgUser) -> dict[str, Any]:
    """A voice note from the user."""
    update = make_message_update(user, "")
    update["message"].pop("text")
    update["message"]["voice"] = VOICE
    return update


def told(bot: Harness, user: TgUser) -> list[Any]:
    """Every message or photo the user received."""
    return [c for c in bot.api.calls if c.params.get("chat_id") == user.id]


async def test_help_gives_the_counter_and_a_message_button(bot: Harness, li: TgUser) -> None:
    settings = bot.app.bot_data["settings"]
    bot.app.bot_data["settings"] = replace(
        settings,
        post_office_phone="0743-123 4567",
        post_office_address="十八洞村邮政所，村委会旁",
        post_office_hours="周一至周六 8:00–17:30",
    )
    text = last_text(await bot.command(li, "/help"))
    assert "找邮政所的工作人员" in text and "📞 0743-123 4567" in text
    assert "🏤 十八洞村邮政所，村委会旁" in text and "🕘 周一至周六 8:00–17:30" in text
    assert ("✉️ 给邮政所留言", "HELP write") in bot.buttons(li)


async def test_a_message_reaches_the_operators_and_the_answer_comes_back(
    bot: Harness, admin: TgUser, noy: TgUser
) -> None:
    await bot.command(admin, "/start")
    await bot.command(noy, "/start")
    order = paid_order(bot.db, noy.id, "KIWI-5KG", country="LA")
    await bot.command(noy, "/help")
    await bot.tap(noy, "ສົ່ງຂໍ້ຄວາມຫາໄປສະນີ")
    calls = await bot.text(noy, "ເຄື່ອງຂອງຂ້ອຍມາຮອດເມື່ອໃດ?")
    assert "ສົ່ງຫາໄປສະນີແລ້ວ" in last_text(calls)
    [stored] = messages(bot)
    assert (stored.user_id, stored.text, stored.sent_at is not None) == (
        noy.id,
        "ເຄື່ອງຂອງຂ້ອຍມາຮອດເມື່ອໃດ?",
        True,
    )
    await deliver_pending(bot.app)
    [forwarded] = [c for c in told(bot, admin) if "ເຄື່ອງຂອງຂ້ອຍ" in str(c.params.get("text"))]
    text = forwarded.params["text"]
    assert "来自 <b>ນ້ອຍ</b> 的留言" in text and order.number in text and str(noy.id) in text
    assert "↩️ 回复" in str(forwarded.params["reply_markup"])
    await bot.press(admin, f"HLP reply {stored.id}", message=forwarded.result)
    calls = await bot.text(admin, "明天到 / ມື້ອື່ນ")
    assert "回复已发送" in last_text(calls)
    await deliver_pending(bot.app)
    answer = [c for c in told(bot, noy) if "ມື້ອື່ນ" in str(c.params.get("text"))][-1]
    assert answer.params["text"].startswith("✉️ ໄປສະນີຕອບວ່າ:")
    assert messages(bot)[0].answered_at is not None


async def test_a_voice_note_outside_a_dialogue_is_offered_to_the_post_office(
    bot: Harness, admin: TgUser, ann: TgUser
) -> None:
    await bot.command(admin, "/start")
    await bot.command(ann, "/start")
    calls = await bot.send(voice_update(ann))
    assert "Would you like the post office to get this?" in last_text(calls)
    assert "did not understand" not in last_text(calls)
    [draft] = messages(bot)
    assert draft.voice == VOICE["file_id"] and draft.sent_at is None
    await deliver_pending(bot.app)
    assert not [c for c in told(bot, admin) if "Ann" in str(c.params.get("text"))]
    await bot.tap(ann, "Send it to the post office")
    await bot.press(ann, f"HELP send {draft.id}")  # a second tap sends nothing more
    await deliver_pending(bot.app)
    forwarded = [c for c in told(bot, admin) if "Ann" in str(c.params.get("text"))]
    assert len(forwarded) == 1 and "语音" in forwarded[0].params["text"]
    assert "▶️ 播放" in str(forwarded[0].params["reply_markup"])
    calls = await bot.press(admin, f"HLP play {draft.id}", message=forwarded[0].result)
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendVoice"]
    assert calls[1].params["voice"] == VOICE["file_id"]


async def test_a_photo_sent_from_help_is_forwarded_as_a_photo(
    bot: Harness, admin: TgUser, li: TgUser
) -> None:
    await bot.command(admin, "/start")
    await bot.command(li, "/help")
    await bot.tap(li, "给邮政所留言")
    await bot.photo(li, "AgACAgIAAxkBAAIbox", caption="箱子破了")
    await deliver_pending(bot.app)
    [photo] = [c for c in told(bot, admin) if c.method == "sendPhoto"]
    assert photo.params["photo"] == "AgACAgIAAxkBAAIbox" and "箱子破了" in photo.params["caption"]


async def test_only_operators_answer_or_play(bot: Harness, ann: TgUser, li: TgUser) -> None:
    await bot.command(li, "/start")
    await bot.send(voice_update(li))
    help_id = messages(bot)[0].id
    for data in (f"HLP reply {help_id}", f"HLP play {help_id}"):
        calls = await bot.press(ann, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert calls[0].params["text"] == "Sorry, this is not allowed for your account."
    # someone else's draft cannot be sent by another user
    calls = await bot.press(ann, f"HELP send {help_id}")
    assert messages(bot)[0].sent_at is None


async def test_help_messages_are_in_mydata_and_erased(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    await bot.send(voice_update(ann))
    data = bot.db.call(export_user_data, user_id=ann.id)
    assert data["help_messages"][0]["voice"] == VOICE["file_id"]
    bot.db.call(erase_user_data, user_id=ann.id)
    assert messages(bot) == []


async def test_an_operator_finds_waiting_messages_in_the_back_office_in_chinese(
    bot: Harness, admin: TgUser, noy: TgUser
) -> None:
    """An operator who was not there when it arrived (another console, another phone) finds
    the message under the back office, with the order's status in their language."""
    await bot.command(noy, "/start")
    order = paid_order(bot.db, noy.id, "KIWI-5KG", country="LA")
    await bot.command(noy, "/help")
    await bot.tap(noy, "ສົ່ງຂໍ້ຄວາມຫາໄປສະນີ")
    await bot.text(noy, "ເຄື່ອງຂອງຂ້ອຍມາຮອດເມື່ອໃດ?")
    await bot.command(admin, "/ops")
    text = last_text(await bot.tap(admin, "买家留言"))
    assert "还没回复的买家留言" in text
    calls = await bot.tap(admin, "ນ້ອຍ")
    shown = calls[-1].params["text"]
    assert "ເຄື່ອງຂອງຂ້ອຍມາຮອດເມື່ອໃດ?" in shown and f"{order.number} (💰 已付款)" in shown
    await bot.tap(admin, "回复")
    await bot.text(admin, "明天到 / ມື້ອື່ນ")
    await bot.command(admin, "/ops")
    assert "没有待处理的留言" in last_text(await bot.tap(admin, "买家留言"))
    bot.api.clear()
    await deliver_pending(bot.app)
    assert any("ມື້ອື່ນ" in str(c.params.get("text")) for c in told(bot, noy))


async def test_an_operator_who_never_started_the_bot_answers_in_the_buyer_s_language(
    bot: Harness, admin: TgUser, noy: TgUser
) -> None:
    await bot.command(noy, "/start")  # the operator (ADMIN_IDS) has never written to the bot
    await bot.command(noy, "/help")
    await bot.tap(noy, "ສົ່ງຂໍ້ຄວາມຫາໄປສະນີ")
    await bot.text(noy, "ຊາມາຮອດບໍ່?")
    await deliver_pending(bot.app)
    [forwarded] = [c for c in told(bot, admin) if "ຊາມາຮອດບໍ່?" in str(c.params.get("text"))]
    assert "Message from <b>ນ້ອຍ</b>" in forwarded.params["text"]  # DEFAULT_LANGUAGE: en
    [stored] = messages(bot)
    await bot.press(admin, f"HLP reply {stored.id}", message=forwarded.result)
    await bot.text(admin, "<b>Tomorrow</b> & 5 < 6 ມື້ອື່ນ")
    await deliver_pending(bot.app)
    [answer] = [c for c in told(bot, noy) if "ມື້ອື່ນ" in str(c.params.get("text"))]
    assert answer.params["text"] == (
        "✉️ ໄປສະນີຕອບວ່າ:\n\n&lt;b&gt;Tomorrow&lt;/b&gt; &amp; 5 &lt; 6 ມື້ອື່ນ"
    )
