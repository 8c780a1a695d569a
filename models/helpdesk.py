"""Messages to the post office: a text, voice note or photo a user sends from /help (or sent
outside any dialogue and then offered), forwarded to every operator with who sent it and their
latest orders; an operator's answer goes back to the user through the outbox.

A message sent outside a dialogue is kept as a draft (sent_at empty) until the user taps "send it
to the post office"; drafts and answered messages are removed by the retention job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel, col, select

from models.core.base import telegram_id_column, utcnow
from models.core.outbox import notify
from models.core.user import Role, User
from models.privacy import register_provider, row_dict
from models.shop.orders import Order

LONGEST_TEXT = 1000
ORDERS_SHOWN = 3


class HelpMessage(SQLModel, table=True):
    """One message from a user to the post office."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=telegram_id_column(index=True, nullable=False))
    text: str = Field(default="", max_length=LONGEST_TEXT)
    voice: str | None = Field(default=None, max_length=200)  # a Telegram file_id
    photo: str | None = Field(default=None, max_length=200)  # a Telegram file_id
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class HelpView:
    """A message with its sender and their latest orders, for the operators."""

    message: HelpMessage
    sender: User | None
    orders: list[Order]


def _forward(session: Session, message: HelpMessage, admins: Sequence[int]) -> int:
    """Queues the message for every operator (and each of ADMIN_IDS, even before they first
    talked to the bot); returns how many."""
    operators = set(
        session.exec(
            select(User.id).where(User.role == Role.OPERATOR, col(User.blocked_bot).is_(False))
        ).all()
    ) | set(admins)
    for operator_id in sorted(operators):
        notify(
            session=session,
            user_id=operator_id,
            kind="help_message",
            params={"help_id": message.id},
            dedupe_key=f"help-{message.id}-{operator_id}",
        )
    return len(operators)


def save_help_message(
    *,
    session: Session,
    user_id: int,
    text: str = "",
    voice: str | None = None,
    photo: str | None = None,
    send: bool = True,
    admins: Sequence[int] = (),
) -> HelpMessage:
    """Stores a message; with `send`, forwards it to the operators at once."""
    message = HelpMessage(user_id=user_id, text=text[:LONGEST_TEXT], voice=voice, photo=photo)
    session.add(message)
    session.flush()
    if send:
        message.sent_at = utcnow()
        _forward(session, message, admins)
    session.add(message)
    return message


def send_draft(
    *, session: Session, help_id: int, user_id: int, admins: Sequence[int] = ()
) -> HelpMessage | None:
    """Forwards the user's own draft (once: a second tap finds it sent); None if not theirs."""
    message = session.get(HelpMessage, help_id)
    if message is None or message.user_id != user_id:
        return None
    if message.sent_at is None:
        message.sent_at = utcnow()
        session.add(message)
        _forward(session, message, admins)
    return message


def help_view(*, session: Session, help_id: int) -> HelpView | None:
    """A sent message with who sent it and their latest orders (for operators only)."""
    message = session.get(HelpMessage, help_id)
    if message is None or message.sent_at is None:
        return None
    orders = session.exec(
        select(Order)
        .where(Order.buyer_id == message.user_id)
        .order_by(col(Order.id).desc())
        .limit(ORDERS_SHOWN)
    ).all()
    return HelpView(message, session.get(User, message.user_id), list(orders))


def open_help_messages(*, session: Session, limit: int = 10) -> list[HelpView]:
    """The latest sent messages no operator has answered yet, newest first (operators only)."""
    ids = session.exec(
        select(HelpMessage.id)
        .where(col(HelpMessage.sent_at).is_not(None), col(HelpMessage.answered_at).is_(None))
        .order_by(col(HelpMessage.id).desc())
        .limit(limit)
    ).all()
    views = (help_view(session=session, help_id=help_id) for help_id in ids if help_id)
    return [view for view in views if view is not None]


def answer_help(
    *, session: Session, help_id: int, operator_id: int, text: str
) -> HelpMessage | None:
    """Sends an operator's answer to the message's sender; None if there is no such message."""
    message = session.get(HelpMessage, help_id)
    if message is None or message.sent_at is None:
        return None
    message.answered_at = utcnow()
    session.add(message)
    notify(
        session=session,
        user_id=message.user_id,
        kind="help_reply",
        params={"help_id": message.id, "text": text, "by": operator_id},
    )
    return message


class _HelpData:
    """Messages to the post office: their text, voice note and photo."""

    def export(self, session: Session, user_id: int) -> Any:
        rows = session.exec(
            select(HelpMessage).where(HelpMessage.user_id == user_id).order_by(col(HelpMessage.id))
        )
        return [row_dict(row, exclude={"user_id"}) for row in rows]

    def erase(self, session: Session, user_id: int) -> list[str]:
        session.exec(delete(HelpMessage).where(col(HelpMessage.user_id) == user_id))
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        result = session.exec(delete(HelpMessage).where(col(HelpMessage.created_at) < before))
        return int(result.rowcount)


register_provider("help_messages", _HelpData())
