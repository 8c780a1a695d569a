"""Exactly once under concurrency and across processes: a repeated delivery running beside the
first, two Applications on one database, a claim whose process died, and what a handled update
keeps (its id and state, no payload)."""

from __future__ import annotations

import asyncio
import copy
from datetime import timedelta

from sqlmodel import select
from telegram import Update

from bot.config import Settings
from bot.db import Database
from bot.updates import UpdateWorker
from models.core.updates import store_update
from models.shop.products import Cart, CartItem
from tests.engine_helpers import (
    YieldingBotAPI,
    open_connections,
    replies_by_chat,
    running,
    same_database,
    through_processor,
    update_rows,
)
from tests.factories import TgUser, make_callback_update, make_command_update


def quantities(db: Database, user_id: int) -> list[int]:
    """The quantities in the user's cart."""
    with db.session() as session:
        cart = session.exec(select(Cart).where(Cart.user_id == user_id)).first()
        if cart is None:
            return []
        items = session.exec(select(CartItem).where(CartItem.cart_id == cart.id)).all()
    return [item.quantity for item in items]


async def test_add_to_cart_delivered_twice_at_once_adds_one(
    settings: Settings, db: Database, ann: TgUser, li: TgUser
) -> None:
    async with running(settings, db) as bot:
        for user, deliver in ((ann, "direct"), (li, "processor")):
            await bot.command(user, "/start product_KIWI-5KG")
            [add] = [data for label, data in bot.buttons(user) if label.startswith("➕")]
            tap = make_callback_update(user, add, bot._last_keyboard[user.id])
            if deliver == "direct":  # two entry points at once (e.g. a retry beside the first)
                updates = [Update.de_json(tap, bot.app.bot) for _ in "ab"]
                deliveries = [bot.app.process_update(update) for update in updates]
            else:
                deliveries = [through_processor(bot.app, copy.deepcopy(tap)) for _ in "ab"]
            await asyncio.gather(*deliveries)
            assert quantities(db, user.id) == [1], deliver
            assert len(bot.api.sent("answerCallbackQuery")) == (1 if user is ann else 2)
        rows = update_rows(db)
        assert all(row.handled_at is not None for row in rows.values())


async def test_two_applications_on_one_database_answer_each_update_once(
    settings: Settings, db: Database
) -> None:
    users = [TgUser(id=5000 + n, first_name=f"U{n}", language_code="en") for n in range(12)]
    updates = [make_command_update(user, "/start") for user in users]
    other = same_database(db)
    try:
        async with running(settings, db) as first, running(settings, other) as second:
            await open_connections(db, other)
            deliveries = []
            for n, data in enumerate(updates):  # every update to both, in turn first
                ahead, behind = (first.app, second.app) if n % 2 else (second.app, first.app)
                deliveries += [
                    through_processor(ahead, copy.deepcopy(data)),
                    # a head start, so that the two share the updates even on a loaded
                    # machine (without it one "process" could win every race)
                    through_processor(behind, copy.deepcopy(data), after=0.005),
                ]
            await asyncio.gather(*deliveries)
            answered = replies_by_chat(first.api, second.api)
            assert {chat: len(texts) for chat, texts in answered.items()} == {
                user.id: 1 for user in users
            }
            assert first.api.sent() and second.api.sent()  # both did share the work
    finally:
        other.dispose()


async def test_two_webhook_workers_share_the_stored_updates(
    settings: Settings, db: Database
) -> None:
    users = [TgUser(id=6000 + n, first_name=f"W{n}", language_code="en") for n in range(20)]
    updates = [make_command_update(user, "/start") for user in users]
    for data in updates:  # posted to either instance: one table
        db.call(store_update, update_id=data["update_id"], payload=data)
    other = same_database(db)
    try:
        async with running(settings, db) as first, running(settings, other) as second:
            workers = [UpdateWorker(first.app, batch=3), UpdateWorker(second.app, batch=3)]
            await asyncio.gather(*(worker.drain_all() for worker in workers))
            answered = replies_by_chat(first.api, second.api)
            assert {chat: len(texts) for chat, texts in answered.items()} == {
                user.id: 1 for user in users
            }
    finally:
        other.dispose()
    assert all(row.handled_at is not None for row in update_rows(db).values())


async def test_a_dead_processs_claim_is_taken_over_after_its_lease(
    settings: Settings, db: Database, ann: TgUser, li: TgUser
) -> None:
    from models.core.updates import Claim, claim_update  # (new with claims: inside, so that
    # the other tests of this module still run on a version without them)

    stale, live = make_command_update(ann, "/help"), make_command_update(li, "/help")
    dead = Claim("host:111:dead", timedelta(seconds=-1))  # its lease ran out already
    alive = Claim("host:222:alive", timedelta(minutes=5))  # another process, still at it
    assert db.call(claim_update, update_id=stale["update_id"], claim=dead)
    assert db.call(claim_update, update_id=live["update_id"], claim=alive)
    assert not db.call(claim_update, update_id=live["update_id"], claim=dead)
    async with running(settings, db) as bot:
        await bot.send(stale)
        await bot.send(live)
        assert set(replies_by_chat(bot.api)) == {ann.id}
    rows = update_rows(db)
    assert rows[stale["update_id"]].handled_at is not None
    assert rows[live["update_id"]].handled_at is None
    assert rows[live["update_id"]].claimed_by == alive.owner


async def test_handled_updates_keep_no_payload(
    settings: Settings, db: Database, ann: TgUser, noy: TgUser
) -> None:
    stored = make_command_update(noy, "/start")
    db.call(store_update, update_id=stored["update_id"], payload=stored)
    row = update_rows(db)[stored["update_id"]]
    assert row.payload is not None and row.chat_id == noy.id and row.user_id == noy.id
    async with running(settings, db, api=YieldingBotAPI()) as bot:
        await UpdateWorker(bot.app).drain_all()
        await bot.text(ann, "hello")
    rows = update_rows(db)
    assert len(rows) == 2
    for row in rows.values():
        assert row.handled_at is not None
        assert (row.payload, row.chat_id, row.user_id, row.lease_until) == (None, None, None, None)


async def test_a_chats_later_update_waits_while_another_instance_holds_its_earlier_one(
    settings: Settings, db: Database, ann: TgUser, li: TgUser
) -> None:
    from models.core.updates import Claim, claim_stored

    earlier, later = make_command_update(ann, "/help"), make_command_update(ann, "/start")
    elsewhere = make_command_update(li, "/start")
    for data in (earlier, later, elsewhere):
        db.call(store_update, update_id=data["update_id"], payload=data)
    other = Claim("host:333:other", timedelta(minutes=5))
    assert [i for i, _ in db.call(claim_stored, claim=other, limit=1)] == [earlier["update_id"]]
    mine = Claim("host:444:mine", timedelta(minutes=5))
    taken = [update_id for update_id, _ in db.call(claim_stored, claim=mine, limit=10)]
    assert taken == [elsewhere["update_id"]]  # Ann's next one waits for the other instance
    assert db.call(claim_stored, claim=other, limit=10)[0][0] == later["update_id"]


async def test_an_update_long_queued_after_its_claim_claims_again_and_yields_to_a_taker(
    settings: Settings, db: Database, ann: TgUser, li: TgUser
) -> None:
    """The worker's own fresh claim spares the claim at start; an old one is taken again, and
    lost to another instance that took the update over meanwhile."""
    import asyncio

    from bot.updates import Claimed
    from models.core.updates import Claim, claim_update

    taken, fresh = make_command_update(ann, "/help"), make_command_update(li, "/help")
    alive = Claim("host:555:alive", timedelta(minutes=5))
    assert db.call(claim_update, update_id=taken["update_id"], claim=alive)  # took it over
    async with running(settings, db) as bot:
        claimed_here = bot.app.bot_data.setdefault("claimed_here", {})
        now = asyncio.get_running_loop().time()
        for data, at in ((taken, now - 3600), (fresh, now)):  # an hour ago; just now
            claimed_here[data["update_id"]] = Claimed(data["update_id"], data, None, at=at)
        await bot.send(taken)
        await bot.send(fresh)
        assert set(replies_by_chat(bot.api)) == {li.id}
        assert claimed_here == {}
    rows = update_rows(db)
    assert rows[taken["update_id"]].handled_at is None
    assert rows[taken["update_id"]].claimed_by == alive.owner
    assert rows[fresh["update_id"]].handled_at is not None
