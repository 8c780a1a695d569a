"""/start, the main menu, deep links, /help, /cancel and every-tap-answered."""

from __future__ import annotations

from sqlmodel import select

from models.core.user import Role, User
from tests.factories import TgUser
from tests.harness import Harness, last_text


async def test_start_greets_by_name_with_menu_and_stores_user(bot: Harness, ann: TgUser) -> None:
    calls = await bot.command(ann, "/start")
    assert [c.method for c in calls] == ["sendMessage"]
    assert calls[0].params["chat_id"] == ann.id
    assert "Hello, <b>Ann</b>!" in calls[0].params["text"]
    assert calls[0].params["parse_mode"] == "HTML"
    labels = [text for text, _ in bot.buttons(ann)]
    assert any("Language" in label for label in labels)
    with bot.db.session() as session:
        user = session.exec(select(User).where(User.id == ann.id)).one()
    assert (user.first_name, user.language, user.role) == ("Ann", "en", Role.BUYER)


async def test_name_is_escaped_in_greeting(bot: Harness) -> None:
    mallory = TgUser(id=1666, first_name="<i>Mal</i> & co", language_code="en")
    calls = await bot.command(mallory, "/start")
    assert "<b>&lt;i&gt;Mal&lt;/i&gt; &amp; co</b>" in calls[0].params["text"]


async def test_admin_ids_become_operators(bot: Harness, admin: TgUser) -> None:
    await bot.command(admin, "/start")
    with bot.db.session() as session:
        assert session.get_one(User, admin.id).role == Role.OPERATOR


async def test_unknown_deep_link_says_so_and_greets(bot: Harness, ann: TgUser) -> None:
    calls = await bot.command(ann, "/start nonsense_123")
    text = last_text(calls)
    assert text.startswith("That link is not valid any more.")
    assert "Hello, <b>Ann</b>!" in text


async def test_help_lists_commands_and_menu_button_edits(bot: Harness, li: TgUser) -> None:
    await bot.command(li, "/start")
    calls = await bot.tap(li, "帮助")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "/language" in calls[1].params["text"] and "使用说明" in calls[1].params["text"]
    calls = await bot.tap(li, "主菜单")
    assert calls[-1].params["text"] == "您想做什么？"


async def test_cancel_outside_dialogue_and_unknown_text(bot: Harness, noy: TgUser) -> None:
    assert last_text(await bot.command(noy, "/cancel")) == "ບໍ່ມີຫຍັງໃຫ້ຍົກເລີກ."
    assert last_text(await bot.text(noy, "ສະບາຍດີ")).startswith("ຂ້ອຍບໍ່ເຂົ້າໃຈ")


async def test_forged_button_is_answered_not_acted_on(bot: Harness, ann: TgUser) -> None:
    calls = await bot.press(ann, "ZZZ 1 2 3")
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == "This button is out of date."
    calls = await bot.press(ann, "LANG set xx")
    assert calls[0].params["text"] == "This button is out of date."
    with bot.db.session() as session:
        assert session.get_one(User, ann.id).language == "en"
