"""Nothing personal left behind, in either mode: after /deletemydata, and after the retention job,
a dump of every text and JSON column of every table holds none of the user's values.

The journey runs the way Telegram would drive it: through the webhook (each update stored, then
handled) and through long polling (each fetched batch stored, then handled), so the stored
updates' payloads are part of what is searched.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlmodel import SQLModel
from telegram import Update

from bot import runtime
from bot.config import Settings
from bot.db import Database
from bot.offline import ApiCall, OfflineBotAPI
from handlers.account.privacy import retention_job
from models.adoption.adoptions import Adoption, AdoptionStatus
from models.core.base import utcnow
from models.core.payments import Payment, confirm_offline_payment
from models.core.updates import TelegramUpdate, store_update
from models.privacy import ConsentKind, record_consent
from tests.engine_helpers import running, until
from tests.factories import TgUser, _message, make_message_update, next_update_id
from tests.harness import Harness
from tests.test_webhook import start_server

CERT_NAME = "Qiaolian Wangshufen"
RECIPIENT = "Grandma Meixiangzi"
GIFT = "Happy eightieth birthday Meixiangzi"
ADDRESS = "湖南省吉首市乾州街道文化路77号4栋"
PARCEL_TO = "Longwangfu Meixiang"
PHONE_TYPED = "139 0743 7788"
PHONE = "+8613907437788"
LATER_PHONE = "13907431122"
LATER_ADDRESS = "湖南省凤凰县沱江镇虹桥路9号"
ZOE = TgUser(
    id=735551204,
    first_name="Xiuyingzhu",
    last_name="Pengdalong",
    username="xyz_orchard_fan",
    language_code="zh-hans",
)
THEIR_VALUES = [
    "Xiuyingzhu",
    "Pengdalong",
    "xyz_orchard_fan",
    CERT_NAME,
    RECIPIENT,
    GIFT,
    ADDRESS,
    PARCEL_TO,
    PHONE,
    "13907437788",
    "0743 7788",
    LATER_PHONE,
    LATER_ADDRESS,
]


def text_cells(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, text) of every text or JSON cell of every table, read as the bot reads it."""
    cells = []
    with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for column, value in row._mapping.items():
                    if isinstance(value, (dict, list)):
                        value = json.dumps(value, ensure_ascii=False)
                    if isinstance(value, str):
                        cells.append((table.name, column, value))
    return cells


def found(db: Database, values: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) where one of the values is still stored."""
    return [
        (table, column, value)
        for table, column, text in text_cells(db)
        for value in values
        if value in text
    ]


class Driven(Harness):
    """A harness whose updates reach the bot as Telegram's would: stored first, then handled."""

    deliver: Any = None  # async (update JSON) -> None, set by the mode

    async def send(self, data: dict[str, Any]) -> list[ApiCall]:
        """Delivers one update through the mode and waits until it is handled."""
        before = len(self.api.calls)
        await self.deliver(data)
        update_id = data["update_id"]

        def handled() -> bool:
            with self.db.session() as session:
                row = session.get(TelegramUpdate, update_id)
                return row is not None and row.handled_at is not None

        await until(handled)
        await asyncio.sleep(0)
        calls = self.api.calls[before:]
        for call in calls:
            self._remember_keyboard(call)
        return calls


@asynccontextmanager
async def webhook_mode(settings: Settings, db: Database) -> AsyncIterator[Driven]:
    """The bot behind its webhook server, updates posted over HTTP."""
    async with start_server(settings, db) as server:

        async def deliver(data: dict[str, Any]) -> None:
            assert (await server.post(data)).status_code == 200

        driven = Driven(server.service.application, server.api, db)  # type: ignore[arg-type]
        driven.deliver = deliver
        yield driven


@asynccontextmanager
async def polling_mode(settings: Settings, db: Database) -> AsyncIterator[Driven]:
    """The bot long-polling an offline Telegram that hands out the queued updates."""
    telegram = OfflineBotAPI()
    async with running(settings, db, api=telegram) as harness:
        _poller, tasks = await runtime.start_polling(harness.app)

        async def deliver(data: dict[str, Any]) -> None:
            telegram.queue_incoming(data)

        driven = Driven(harness.app, telegram, db)
        driven.deliver = deliver
        try:
            yield driven
        finally:
            await runtime.stop_polling(tasks)


MODES = {"webhook": webhook_mode, "polling": polling_mode}


async def adopt_as_a_gift(bot: Driven, user: TgUser) -> Adoption:
    """The whole adoption dialogue with every personal field typed, paid offline."""
    for kind in ConsentKind:
        bot.db.call(record_consent, user_id=user.id, kind=kind)
    await bot.command(user, "/start tree_PEACH-0007")
    await bot.tap(user, "认养")
    await bot.text(user, "桃宝")
    await bot.text(user, CERT_NAME)
    await bot.tap(user, "送人")
    await bot.text(user, RECIPIENT)
    await bot.text(user, GIFT)
    await bot.tap(user, "中国")
    await bot.text(user, ADDRESS)
    await bot.text(user, PARCEL_TO)
    await bot.text(user, PHONE_TYPED)
    await bot.tap(user, "确认")
    with bot.db.session() as session:
        adoption = session.exec(select(Adoption).where(Adoption.user_id == user.id)).scalar_one()
        payment = session.exec(select(Payment)).scalar_one()
    assert (adoption.certificate_name, adoption.gift_message, adoption.phone) == (
        CERT_NAME,
        GIFT,
        PHONE,
    )
    bot.db.call(confirm_offline_payment, reference=payment.reference, operator_id=0)
    return adoption


def harvest_shipped(db: Database, adoption_id: int | None) -> None:
    """The harvest went out: the adoption's delivery details are no longer needed."""
    with db.session() as session:
        session.exec(
            update(Adoption)
            .where(Adoption.id == adoption_id)  # type: ignore[arg-type]
            .values(status=AdoptionStatus.HARVEST_SHIPPED)
        )
        session.commit()


def waiting_update(db: Database, data: dict[str, Any], claimed_by: str | None = None) -> int:
    """Stores an update that is not handled yet (another instance holds it, or it stopped)."""
    db.call(store_update, update_id=data["update_id"], payload=data)
    if claimed_by:
        with db.session() as session:
            row = session.get_one(TelegramUpdate, data["update_id"])
            row.claimed_by, row.lease_until = claimed_by, utcnow() + timedelta(hours=1)
            session.add(row)
            session.commit()
    return int(data["update_id"])


def shared_contact(user: TgUser, phone: str) -> dict[str, Any]:
    """The user sharing their own Telegram contact."""
    contact = {"phone_number": phone, "first_name": user.first_name, "user_id": user.id}
    if user.last_name:
        contact["last_name"] = user.last_name
    return {"update_id": next_update_id(), "message": _message(user, contact=contact)}


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_deletemydata_leaves_no_value_in_any_column(
    mode: str, settings: Settings, db: Database
) -> None:
    async with MODES[mode](settings, db) as bot:
        adoption = await adopt_as_a_gift(bot, ZOE)
        harvest_shipped(db, adoption.id)
        assert found(db, [CERT_NAME, PHONE, ZOE.first_name])  # the scan sees stored values
        # sent while the erasure runs (so later in Telegram's order), held by another instance
        # that has not handled them yet
        other = "other-instance:1"
        typed = make_message_update(ZOE, f"{LATER_ADDRESS} {LATER_PHONE}")
        contact = shared_contact(ZOE, LATER_PHONE)
        later = [
            waiting_update(db, {**data, "update_id": data["update_id"] + 10_000}, other)
            for data in (typed, contact)
        ]
        await bot.command(ZOE, "/deletemydata")
        await bot.tap(ZOE, "是")
        assert found(db, THEIR_VALUES) == []
        with db.session() as session:
            rows = [session.get_one(TelegramUpdate, update_id) for update_id in later]
        assert all(row.handled_at is None and row.payload for row in rows)  # still to be handled
        for row in rows:  # and still updates the bot can read
            message = Update.de_json(json.loads(row.payload or ""), bot.app.bot).effective_message
            assert message is not None and message.from_user is not None
            assert message.from_user.id == ZOE.id and message.text is None


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_retention_leaves_no_old_address_or_phone_in_any_column(
    mode: str, settings: Settings, db: Database
) -> None:
    async with MODES[mode](settings, db) as bot:
        adoption = await adopt_as_a_gift(bot, ZOE)
        harvest_shipped(db, adoption.id)
        with db.session() as session:  # its harvest went out long ago
            session.exec(
                update(Adoption)
                .where(Adoption.id == adoption.id)  # type: ignore[arg-type]
                .values(season="2020")
            )
            session.commit()
        stale = waiting_update(db, make_message_update(ZOE, f"{LATER_ADDRESS} {LATER_PHONE}"))
        with db.session() as session:
            row = session.get_one(TelegramUpdate, stale)
            row.received_at = utcnow() - timedelta(days=8)
            row.claimed_by, row.lease_until = "gone:1", utcnow() + timedelta(hours=1)
            session.add(row)
            session.commit()
        context = type("Ctx", (), {})()
        context.settings = bot.app.bot_data["settings"]
        context.db = db
        await retention_job(context)  # type: ignore[arg-type]
    assert found(db, [ADDRESS, PHONE, LATER_ADDRESS, LATER_PHONE]) == []
    assert found(db, [CERT_NAME])  # retention keeps what erasure alone takes
