"""Personal data in the bot's own records, for /mydata, /deletemydata and the retention job.

The profile (the User row, erased last), the outbox's messages, dialogue state and scratch,
payments (kept for the accounts, without the payer) and a farmer's link to their account.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from models.catalog.places import Farmer
from models.core.broadcast import Broadcast
from models.core.outbox import Notification, NotificationStatus
from models.core.payments import Payment, PaymentStatus
from models.core.roles import FarmerInvite
from models.core.state import ConversationState, UserScratch
from models.core.user import User
from models.privacy import ANONYMOUS, ANONYMOUS_ID, register_provider, row_dict


class _Profile:
    """The User row: names, username, language. Deleted last, when nothing else is kept."""

    def export(self, session: Session, user_id: int) -> Any:
        user = session.get(User, user_id)
        return row_dict(user) if user is not None else None

    def erase(self, session: Session, user_id: int) -> list[str]:
        session.exec(delete(User).where(col(User.id) == user_id))
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        return 0


class _Notifications:
    """Messages the bot sent or will send: their params may hold names and addresses."""

    def export(self, session: Session, user_id: int) -> Any:
        rows = session.exec(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(col(Notification.id))
        )
        return [
            {**row_dict(row, exclude={"params", "dedupe_key"}), "params": row.data()}
            for row in rows
        ]

    def erase(self, session: Session, user_id: int) -> list[str]:
        session.exec(delete(Notification).where(col(Notification.user_id) == user_id))
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        result = session.exec(
            delete(Notification)
            .where(col(Notification.status) != NotificationStatus.PENDING)
            .where(col(Notification.created_at) < before)
        )
        return int(result.rowcount)


def _conversation_rows(session: Session, user_id: int) -> list[ConversationState]:
    """The saved conversation states keyed by this user's chat or id."""
    rows = session.exec(
        select(ConversationState).where(col(ConversationState.key).contains(str(user_id)))
    )
    return [row for row in rows if user_id in json.loads(row.key)]


class _DialogueState:
    """Where the user stands in dialogues, and their scratch data between two steps."""

    def export(self, session: Session, user_id: int) -> Any:
        scratch = session.get(UserScratch, user_id)
        return {
            "scratch": json.loads(scratch.data) if scratch else {},
            "conversations": {
                row.name: json.loads(row.state) for row in _conversation_rows(session, user_id)
            },
        }

    def erase(self, session: Session, user_id: int) -> list[str]:
        session.exec(delete(UserScratch).where(col(UserScratch.user_id) == user_id))
        for row in _conversation_rows(session, user_id):
            session.delete(row)
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        result = session.exec(delete(UserScratch).where(col(UserScratch.updated_at) < before))
        return int(result.rowcount)


class _Payments:
    """Payments keep amount, date, kind and item for the accounts, without the payer."""

    def export(self, session: Session, user_id: int) -> Any:
        rows = session.exec(
            select(Payment).where(Payment.user_id == user_id).order_by(col(Payment.id))
        )
        return [row_dict(row, exclude={"user_id", "confirmed_by"}) for row in rows]

    def erase(self, session: Session, user_id: int) -> list[str]:
        rows = session.exec(select(Payment).where(Payment.user_id == user_id)).all()
        kept = [row for row in rows if row.status == PaymentStatus.PENDING]
        for row in rows:
            if row.status == PaymentStatus.PENDING:
                continue  # still to be paid or confirmed: it must find its payer
            row.user_id = ANONYMOUS_ID
            # the charge ids identify the payer at the payment provider; the reference code,
            # amount and date are what the accounts reconcile against
            row.telegram_payment_charge_id = (
                f"{ANONYMOUS}#{row.id}" if row.telegram_payment_charge_id else None
            )
            row.provider_payment_charge_id = ANONYMOUS if row.provider_payment_charge_id else None
            # a slip photo shows the payer's bank and name; the operator's note may name them
            row.proof_file_id = None
            row.note = None
            session.add(row)
        return ["pending_payments"] if kept else []

    def purge_finished(self, session: Session, before: datetime) -> int:
        return 0


class _Roles:
    """A farmer's binding to their Telegram account, and who used or made invites."""

    def export(self, session: Session, user_id: int) -> Any:
        farmer = session.exec(select(Farmer).where(Farmer.telegram_id == user_id)).first()
        return {"farmer_code": farmer.code if farmer else None}

    def erase(self, session: Session, user_id: int) -> list[str]:
        # the farmer's catalog entry belongs to the post office; only the link to the account goes
        session.exec(
            update(Farmer).where(col(Farmer.telegram_id) == user_id).values(telegram_id=None)
        )
        for table, column, marker in (
            (FarmerInvite, "used_by", None),
            (FarmerInvite, "created_by", ANONYMOUS_ID),
            (Broadcast, "created_by", ANONYMOUS_ID),
        ):
            session.exec(
                update(table).where(getattr(table, column) == user_id).values({column: marker})
            )
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        return 0


register_provider("profile", _Profile())
register_provider("roles", _Roles())
register_provider("dialogues", _DialogueState())
register_provider("notifications", _Notifications())
register_provider("payments", _Payments())
