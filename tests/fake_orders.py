"""A test-only order table and checkout, plugged into the privacy machinery the way the shop and
adoption modules will: a provider, a payable, and `ensure_consent` before the address."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Field, Session, SQLModel, col, select
from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from handlers.account.privacy import ensure_consent
from handlers.kit.common import show
from handlers.kit.fallback import unknown_input
from models.core.base import telegram_id_column, utcnow
from models.core.payments import Payment, register_payable
from models.privacy import (
    ANONYMOUS,
    ConsentKind,
    DataPath,
    is_cross_border,
    missing_consents,
    register_provider,
    row_dict,
)


class FakeOrder(SQLModel, table=True):
    """An order with the personal fields a real order has."""

    __tablename__ = "test_fake_order"  # test-only: tests/test_migrations.py leaves test_* out

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, sa_column=telegram_id_column(nullable=True))
    destination: str = Field(default="CN", max_length=2)
    recipient: str = ""
    phone: str = ""
    address: str = ""
    gift_message: str = ""
    tree_nickname: str = ""
    amount_fen: int = 0
    status: str = "open"  # open, paid, delivered
    finished_at: datetime | None = None


class ConsentMissing(Exception):
    """An address was offered without the consents it needs."""


def place_order(
    *,
    session: Session,
    user_id: int,
    address: str,
    phone: str,
    destination: str,
    kept_in: str = "CN",
) -> FakeOrder:
    """Stores an order with its address, only once the user has agreed (the post office's own
    goods: only the destination can take the data abroad)."""
    cross = is_cross_border(kept_in=kept_in, destination=destination)
    if missing_consents(session=session, user_id=user_id, cross_border=cross):
        raise ConsentMissing
    order = FakeOrder(
        user_id=user_id,
        destination=destination,
        recipient="recipient",
        phone=phone,
        address=address,
        amount_fen=8800,
    )
    session.add(order)
    session.flush()
    return order


def deliver(*, session: Session, order_id: int, at: datetime | None = None) -> None:
    """Marks an order delivered."""
    session.exec(
        update(FakeOrder)  # type: ignore[call-overload]
        .where(col(FakeOrder.id) == order_id)
        .values(status="delivered", finished_at=at or utcnow())
    )


class _FakeOrderData:
    """The provider, as models/shop.py would write it."""

    def export(self, session: Session, user_id: int) -> Any:
        rows = session.exec(select(FakeOrder).where(FakeOrder.user_id == user_id))
        return [row_dict(row) for row in rows]

    def erase(self, session: Session, user_id: int) -> list[str]:
        rows = session.exec(select(FakeOrder).where(FakeOrder.user_id == user_id)).all()
        if any(row.status != "delivered" for row in rows):
            return ["open_orders"]
        for row in rows:
            row.user_id = None
            row.recipient = row.phone = row.address = ANONYMOUS
            row.gift_message = row.tree_nickname = ANONYMOUS
            session.add(row)
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        result = session.exec(
            update(FakeOrder)  # type: ignore[call-overload]
            .where(col(FakeOrder.finished_at) < before, col(FakeOrder.phone) != ANONYMOUS)
            .values(phone=ANONYMOUS, address=ANONYMOUS)
        )
        return int(result.rowcount)


class _FakePayable:
    """Makes fake orders payable."""

    def amount_due(self, session: Session, target_id: int) -> int | None:
        order = session.get(FakeOrder, target_id)
        return order.amount_fen if order and order.status == "open" else None

    def mark_paid(self, session: Session, target_id: int, payment: Payment) -> bool:
        order = session.get_one(FakeOrder, target_id)
        order.status = "paid"
        session.add(order)
        return True


register_provider("fake_orders", _FakeOrderData())
register_payable("fake", _FakePayable())


# --- a two-step checkout: the button asks for consent, then for the address ---------------------


async def checkout(update: Update, context: BotContext) -> None:
    """Asks for the address once the consents are there."""
    assert update.callback_query is not None and update.callback_query.data is not None
    destination = update.callback_query.data.split()[-1]
    path = DataPath(context.settings.data_country, destination)
    resume = f"FAKE CHECKOUT {destination}"
    if not await ensure_consent(update, context, path=path, resume=resume):
        return
    assert context.user_data is not None
    context.user_data["awaiting_address"] = destination
    await show(update, context, "Send the address and phone number.")


async def address(update: Update, context: BotContext) -> None:
    """Stores the order with the address."""
    assert update.message is not None and update.message.text is not None
    assert context.user_data is not None and update.effective_user is not None
    destination = context.user_data.pop("awaiting_address")
    address, phone = update.message.text.rsplit(" ", 1)
    order = await context.db.run(
        place_order,
        user_id=update.effective_user.id,
        address=address,
        phone=phone,
        destination=destination,
        kept_in=context.settings.data_country,
    )
    await update.message.reply_text(f"Order {order.id} stored.")


def install(application: Any) -> None:
    """Puts the fake checkout in front of every other handler."""
    handlers = application.handlers[0]
    handlers.insert(0, CallbackQueryHandler(checkout, pattern="^FAKE CHECKOUT "))
    handlers.insert(1, MessageHandler(filters.TEXT & ~filters.COMMAND, _maybe_address))


async def _maybe_address(update: Update, context: BotContext) -> None:
    """Takes the address if the checkout asked for one, else behaves like the fallback."""
    if context.user_data and "awaiting_address" in context.user_data:
        await address(update, context)
        return
    await unknown_input(update, context)


__all__ = ["ConsentKind", "FakeOrder", "deliver", "install", "place_order"]
