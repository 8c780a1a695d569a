"""Command registration, the error handler, and conversation state written after each update."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select
from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.app import build_application
from bot.commands import register_commands
from bot.config import Settings
from bot.context import BotContext
from bot.db import Database
from bot.offline import OfflineBotAPI
from models.core.state import ConversationState, UserScratch
from models.core.user import User, touch_user
from tests.factories import TgUser
from tests.harness import Harness, last_text, texts


async def test_commands_are_registered_in_every_language(bot: Harness) -> None:
    await register_commands(bot.app)
    calls = bot.api.sent("setMyCommands")
    general = [c for c in calls if "scope" not in c.params]
    assert [c.params.get("language_code") for c in general] == [None, "zh", "lo", "en"]
    zh = {c["command"]: c["description"] for c in calls[1].params["commands"]}
    assert zh["language"] == "切换语言"
    lo = {c["command"]: c["description"] for c in calls[2].params["commands"]}
    assert lo["start"] == "ເມນູຫຼັກ"


async def test_error_is_logged_with_update_id_and_user_told_in_their_language(
    bot: Harness, li: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(update: Update, context: BotContext) -> None:
        await context.db.run(
            touch_user,
            telegram_id=424242,
            first_name="half",
            last_name=None,
            username=None,
            language_code=None,
            language="en",
            is_admin=False,
        )
        raise RuntimeError("boom")

    bot.app.add_handler(CommandHandler("explode", explode), group=0)
    bot.app.handlers[0].insert(0, bot.app.handlers[0].pop())  # before the catch-alls
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        calls = await bot.command(li, "/explode")
    assert last_text(calls) == "抱歉，我们这边出了点问题，请稍后再试。"
    record = next(r for r in caplog.records if r.name == "bot.errors")
    assert record.getMessage().startswith("update ") and record.exc_info is not None


async def test_failed_domain_call_leaves_nothing_half_written(bot: Harness) -> None:
    def insert_then_fail(*, session: object) -> None:
        touch_user(
            session=session,
            telegram_id=31337,
            first_name="x",
            last_name=None,  # type: ignore[arg-type]
            username=None,
            language_code=None,
            language="en",
            is_admin=False,
        )
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await bot.db.run(insert_then_fail)
    with bot.db.session() as session:
        assert session.get(User, 31337) is None


def probe_conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """A two-step persistent dialogue that keeps a value in user_data."""

    async def ask(update: Update, context: BotContext) -> int:
        context.user_data["draft"] = "apple"
        await update.effective_message.reply_text("name?")  # type: ignore[union-attr]
        return 1

    async def answer(update: Update, context: BotContext) -> int:
        draft = context.user_data["draft"]
        await update.effective_message.reply_text(f"{draft} ok")  # type: ignore[union-attr]
        return ConversationHandler.END

    return ConversationHandler(
        entry_points=[CommandHandler("ask", ask)],
        states={1: [MessageHandler(filters.TEXT & ~filters.COMMAND, answer)]},
        fallbacks=[],
        name="probe",
        persistent=True,
    )


async def test_conversation_survives_a_restart_on_the_same_database(
    settings: Settings, db: Database, ann: TgUser
) -> None:
    first = OfflineBotAPI()
    app = build_application(settings, db, request=first, rate_limit=False)
    app.add_handler(probe_conversation(), group=0)
    app.handlers[0].insert(0, app.handlers[0].pop())  # before the catch-alls
    await app.initialize()
    await Harness(app, first, db).command(ann, "/ask")
    with db.session() as session:
        row = session.exec(select(ConversationState)).one()
        assert (row.name, row.state) == ("probe", "1")
        assert "apple" in session.get_one(UserScratch, ann.id).data
    # no shutdown: the process dies here; a new one starts on the same database
    second = OfflineBotAPI()
    app2 = build_application(settings, db, request=second, rate_limit=False)
    app2.add_handler(probe_conversation(), group=0)
    app2.handlers[0].insert(0, app2.handlers[0].pop())
    async with app2:
        assert last_text(await Harness(app2, second, db).text(ann, "Pip")) == "apple ok"
    with db.session() as session:
        assert session.exec(select(ConversationState)).first() is None


async def test_a_tap_answered_too_late_still_gets_its_screen(bot: Harness, ann: TgUser) -> None:
    """Telegram refuses an answer to a stale button; the screen it asked for still comes."""
    await bot.command(ann, "/start")
    bot.api.fail_next(
        "answerCallbackQuery",
        description="Bad Request: query is too old and response timeout expired or query ID "
        "is invalid",
    )
    calls = await bot.press(ann, "LANG")
    assert [call.method for call in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "Choose your language" in last_text(calls)
    assert "Sorry" not in " ".join(texts(calls))


async def test_a_picture_card_replaces_the_tapped_list_while_the_button_is_answered(
    bot: Harness, noy: TgUser
) -> None:
    """A tree card with a photo: the button's answer, and the list turned into the photo."""
    from tests.adoption_helpers import tree_id

    await bot.command(noy, "/start")
    await bot.press(noy, "TREE")
    calls = await bot.press(noy, f"TREE card {tree_id(bot.db, 'PEACH-0001')}")
    assert sorted(call.method for call in calls) == ["answerCallbackQuery", "editMessageMedia"]
