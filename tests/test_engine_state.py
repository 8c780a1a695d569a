"""Conversation state and user_data live in the database: any instance may take a chat's next
update, and an update writes its own chat's and user's state only, never another's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select
from telegram import Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from bot.context import BotContext
from bot.db import Database
from bot.updates import UpdateWorker
from models.core.state import ConversationState, UserScratch
from models.core.updates import store_updates
from tests.engine_helpers import (
    replies_by_chat,
    running,
    same_database,
    through_processor,
    until,
    update_rows,
)
from tests.factories import TgUser, make_command_update, make_message_update, next_update_id
from tests.harness import last_text
from tests.test_screen_reads import count_trips


def probe_dialogue() -> ConversationHandler[Any]:
    """A two-step persistent dialogue that keeps a value in user_data."""

    async def ask(update: Update, context: BotContext) -> int:
        context.user_data["draft"] = " ".join(context.args or ["apple"])  # type: ignore[index]
        await update.effective_message.reply_text("name?")  # type: ignore[union-attr]
        return 1

    async def answer(update: Update, context: BotContext) -> int:
        draft = context.user_data["draft"]  # type: ignore[index]
        await update.effective_message.reply_text(f"{draft} ok")  # type: ignore[union-attr]
        return ConversationHandler.END

    return ConversationHandler(
        entry_points=[CommandHandler("ask", ask)],
        states={1: [MessageHandler(filters.TEXT & ~filters.COMMAND, answer)]},
        fallbacks=[],
        name="probe",
        persistent=True,
    )


def with_probe() -> list[tuple[BaseHandler[Any, Any, Any], int]]:
    """The probe dialogue, first among the journeys."""
    return [(probe_dialogue(), 0)]


async def test_a_step_taken_on_one_instance_is_seen_by_the_other(
    settings: Settings, db: Database, ann: TgUser
) -> None:
    other = same_database(db)
    try:
        async with (
            running(settings, db, handlers=with_probe) as first,
            running(settings, other, handlers=with_probe) as second,
        ):
            assert last_text(await first.command(ann, "/ask pear")) == "name?"
            assert last_text(await second.text(ann, "Pip")) == "pear ok"  # B read A's step
            # A still remembers the open dialogue; B ended it: A must not answer it again
            assert "ok" not in last_text(await first.text(ann, "Pip"))
            assert last_text(await second.command(ann, "/ask plum")) == "name?"
            assert last_text(await first.text(ann, "Pip")) == "plum ok"
    finally:
        other.dispose()


async def test_an_update_saves_its_own_users_state_not_anothers_half_done_one(
    settings: Settings, db: Database, ann: TgUser, li: TgUser
) -> None:
    gate, paused = asyncio.Event(), asyncio.Event()

    async def slow_after_dialogue(update: Update, context: BotContext) -> None:
        """Ann's update takes long after its dialogue step (or the process dies there)."""
        if update.effective_user is not None and update.effective_user.id == ann.id:
            paused.set()
            await gate.wait()

    def handlers() -> list[tuple[BaseHandler[Any, Any, Any], int]]:
        return [*with_probe(), (TypeHandler(Update, slow_after_dialogue), 50)]

    async with running(settings, db, handlers=handlers) as bot:
        slow = asyncio.create_task(through_processor(bot.app, make_command_update(ann, "/ask")))
        await until(paused.is_set)
        li_says = through_processor(bot.app, make_message_update(li, "hello"))  # meanwhile
        await asyncio.wait_for(li_says, 10)
        with db.session() as session:
            assert session.exec(select(ConversationState)).all() == []
            assert session.get(UserScratch, ann.id) is None
        gate.set()
        await slow
    with db.session() as session:
        row = session.exec(select(ConversationState)).one()
        assert (row.name, row.key, row.state) == ("probe", f"[{ann.id}, {ann.id}]", "1")
        assert session.get(UserScratch, ann.id) is not None


async def stored_and_drained(bot: Any, worker: UpdateWorker, *updates: dict[str, Any]) -> None:
    """Stores updates as polling and the webhook do, and lets the worker claim and handle them."""
    await bot.db.run(store_updates, payloads=list(updates))
    await worker.drain_all()


async def test_updates_of_one_chat_claimed_together_each_see_the_step_before(
    settings: Settings, db: Database, ann: TgUser, li: TgUser
) -> None:
    async with running(settings, db, handlers=with_probe) as bot:
        worker = UpdateWorker(bot.app)
        await stored_and_drained(
            bot,
            worker,
            make_command_update(ann, "/ask pear"),
            make_command_update(li, "/ask plum"),
            make_message_update(ann, "Pip"),
            make_message_update(li, "Pop"),
        )
    assert replies_by_chat(bot.api) == {ann.id: ["name?", "pear ok"], li.id: ["name?", "plum ok"]}


async def test_an_update_the_worker_claimed_starts_with_its_states_and_no_trip_of_its_own(
    settings: Settings, db: Database, ann: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(settings, db, handlers=with_probe) as bot:
        worker = UpdateWorker(bot.app)
        await stored_and_drained(bot, worker, make_command_update(ann, "/ask pear"))
        bot.app.user_data[ann.id].clear()  # this process forgets: the database must tell it
        trips = count_trips(monkeypatch, db)
        await stored_and_drained(bot, worker, make_message_update(ann, "Pip"))
    assert last_text(bot.api.sent("sendMessage")) == "pear ok"
    # the update's own trips: its states came with the worker's claim
    assert [trip for trip in trips if trip not in ("store_updates", "_claim")] == ["save_changes"]


async def test_a_chat_with_an_update_in_hand_reads_its_states_when_the_next_one_starts(
    settings: Settings, db: Database, ann: TgUser
) -> None:
    gate, paused = asyncio.Event(), asyncio.Event()

    async def slow_after_dialogue(update: Update, context: BotContext) -> None:
        """Ann's /ask takes long after its dialogue step, before its states are written."""
        if update.effective_message is not None and update.effective_message.text == "/ask":
            paused.set()
            await gate.wait()

    def handlers() -> list[tuple[BaseHandler[Any, Any, Any], int]]:
        return [*with_probe(), (TypeHandler(Update, slow_after_dialogue), 50)]

    async with running(settings, db, handlers=handlers) as bot:
        worker = UpdateWorker(bot.app)
        await bot.db.run(store_updates, payloads=[make_command_update(ann, "/ask")])
        await worker.drain()
        await until(paused.is_set)
        # the answer is claimed while /ask is still in hand: the states it would read now are
        # the ones before /ask's step
        await bot.db.run(store_updates, payloads=[make_message_update(ann, "Pip")])
        await worker.drain()
        gate.set()
        await worker.wait()
    assert replies_by_chat(bot.api) == {ann.id: ["name?", "apple ok"]}


async def test_an_update_reads_its_chats_key_once_for_every_dialogue_it_may_be_in(
    bot: Any, ann: TgUser
) -> None:
    asked: list[list[str]] = []

    def recorded(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        """The conversation keys each read of the states asks for."""
        if statement.startswith('SELECT name, "key", state'):
            values = parameters.values() if isinstance(parameters, dict) else parameters
            asked.append([value for value in values if isinstance(value, str)])

    event.listen(bot.db.engine, "before_cursor_execute", recorded)
    try:
        await bot.command(ann, "/start")
    finally:
        event.remove(bot.db.engine, "before_cursor_execute", recorded)
    # every dialogue is keyed by the same chat and user: one key, not one per dialogue
    assert asked == [[f"[{ann.id}, {ann.id}]"]]


async def test_an_update_with_a_user_and_no_chat_is_claimed_with_its_states(
    settings: Settings, db: Database, ann: TgUser
) -> None:
    """A pre-checkout query has no chat, so no conversation key: the claim reads the user's
    scratch alone (an empty list of keys must still be a valid query on PostgreSQL)."""
    query = {
        "id": "pcq-engine-1",
        "from": ann.json(),
        "currency": "CNY",
        "total_amount": 100,
        "invoice_payload": "no-such-payment",
    }
    update = {"update_id": next_update_id(), "pre_checkout_query": query}
    async with running(settings, db) as bot:
        await stored_and_drained(bot, UpdateWorker(bot.app), update)
    assert len(bot.api.sent("answerPreCheckoutQuery")) == 1
    assert update_rows(db)[update["update_id"]].handled_at is not None
