"""Consent, and the personal data every table module holds: export, erasure and retention.

PIPL (China) Art. 39/45/47 and Lao e-data protection: a notice, separate consent before data
crosses the border, a copy on request, erasure when asked or when the purpose is done.

Each model module that stores personal data registers one provider, next to its table:

    class _OrderData:
        def export(self, session, user_id):        # -> JSON-ready dict or list, for /mydata
            return [row_dict(o) for o in orders_of(session, user_id)]

        def erase(self, session, user_id):         # -> problem codes, e.g. ["open_orders"]
            # open orders: keep them as they are and return ["open_orders"]; the erasure stays
            # pending and is run again by the daily retention job until nothing is open.
            # finished ones: recipient/phone/address/note -> ANONYMOUS, user link -> None
            # (or ANONYMOUS_ID when the column is not nullable); keep amounts, dates, items.

        def purge_finished(self, session, before): # -> rows changed
            # phone and address of orders finished (delivered/cancelled) before `before`
            # -> ANONYMOUS; return how many rows changed.

    register_provider("orders", _OrderData())

Checkout and adoption call `handlers.account.privacy.ensure_consent` before asking for an
address; the consent itself is `record_consent` / `has_consent` below. Bumping
NOTICE_VERSION asks everyone again.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import UniqueConstraint, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col, select

from models.catalog.places import Country, Farmer
from models.core.base import telegram_id_column, utcnow
from models.core.broadcast import Broadcast
from models.core.outbox import Notification, NotificationStatus
from models.core.payments import Payment, PaymentStatus
from models.core.roles import FarmerInvite
from models.core.state import ConversationState, UserScratch
from models.core.user import User
from models.reporting.export import safe_cell
from models.shop.orders import Order, OrderEvent, OrderItem, OrderStatus
from models.shop.products import Cart, CartItem

NOTICE_VERSION = 1  # bump when the notice changes: every user is asked to agree again
ANONYMOUS = "[erased]"  # what replaces an erased name, phone number, address or message
ANONYMOUS_ID = 0  # what replaces an erased link to a Telegram user in a non-nullable column
PERSONAL_MARK = "[personal data]"


class ConsentKind(StrEnum):
    """What the user agreed to."""

    NOTICE = "notice"  # the privacy notice: collecting and using their data
    CROSS_BORDER = "cross_border"  # PIPL Art. 39: their data may go between China and Laos


class Consent(SQLModel, table=True):
    """One consent given by one user to one version of the notice."""

    __table_args__ = (UniqueConstraint("user_id", "kind", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=telegram_id_column(index=True, nullable=False))
    kind: str = Field(max_length=20)
    version: int
    given_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None


class ErasureRequest(SQLModel, table=True):
    """A deletion that had to keep something open; finished by the daily retention job."""

    user_id: int = Field(sa_column=telegram_id_column(primary_key=True, autoincrement=False))
    requested_at: datetime = Field(default_factory=utcnow)
    kept: str = Field(default="", max_length=300)


# --- consent ----------------------------------------------------------------------------------


def _inserted(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """Inserts a row unless its unique key exists; tells whether it did.

    RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING here.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing()
    key = next(iter(table.__table__.primary_key.columns))
    return session.exec(statement.returning(key)).first() is not None  # type: ignore[call-overload,no-any-return]


def record_consent(
    *, session: Session, user_id: int, kind: ConsentKind, version: int | None = None
) -> Consent:
    """Stores the user's consent (with its time and the notice version); safe to repeat."""
    version = version or NOTICE_VERSION
    now = utcnow()
    key = {"user_id": user_id, "kind": str(kind), "version": version}
    # one row per (user, kind, version), so two taps at once store one consent
    if not _inserted(session, Consent, {**key, "given_at": now}):
        session.exec(
            update(Consent)  # type: ignore[call-overload]
            .where(*(getattr(Consent, k) == v for k, v in key.items()))
            .where(col(Consent.withdrawn_at).is_not(None))
            .values(given_at=now, withdrawn_at=None)
        )
    statement = select(Consent).where(*(getattr(Consent, k) == v for k, v in key.items()))
    return session.exec(statement.execution_options(populate_existing=True)).one()


def has_consent(
    *, session: Session, user_id: int, kind: ConsentKind, version: int | None = None
) -> bool:
    """Tells whether the user has agreed to this version for this kind, and not withdrawn."""
    version = version or NOTICE_VERSION
    statement = (
        select(Consent.id)
        .where(Consent.user_id == user_id, Consent.kind == kind, Consent.version == version)
        .where(col(Consent.withdrawn_at).is_(None))
    )
    return session.exec(statement.limit(1)).first() is not None


def missing_consents(
    *, session: Session, user_id: int, cross_border: bool, version: int | None = None
) -> list[ConsentKind]:
    """The consents still needed before an address may be stored, notice first."""
    needed = [ConsentKind.NOTICE] + ([ConsentKind.CROSS_BORDER] if cross_border else [])
    return [
        kind
        for kind in needed
        if not has_consent(session=session, user_id=user_id, kind=kind, version=version)
    ]


def withdraw_consents(*, session: Session, user_id: int) -> int:
    """Withdraws every consent the user has given; returns how many."""
    result = session.exec(
        update(Consent)  # type: ignore[call-overload]
        .where(col(Consent.user_id) == user_id)
        .where(col(Consent.withdrawn_at).is_(None))
        .values(withdrawn_at=utcnow())
    )
    return int(result.rowcount)


def is_cross_border(*, destination: str | None, language: str) -> bool:
    """Whether a delivery's data crosses the border: shipped to Laos, or a buyer from Laos."""
    return (destination is not None and destination != Country.CN) or language == "lo"


# --- the providers ----------------------------------------------------------------------------


class PersonalData(Protocol):
    """What a table module tells the privacy machinery about the personal data it holds."""

    def export(self, session: Session, user_id: int) -> Any:
        """Everything stored about the user, JSON-ready (dicts, lists, str, numbers)."""

    def erase(self, session: Session, user_id: int) -> list[str]:
        """Erases the user's data; returns problem codes for what must be kept for now."""

    def purge_finished(self, session: Session, before: datetime) -> int:
        """Erases addresses and phone numbers of things finished before `before`."""


PROVIDERS: dict[str, PersonalData] = {}


def register_provider(name: str, provider: PersonalData) -> None:
    """Adds a table module's provider (called once, at import, by that module)."""
    PROVIDERS[name] = provider


def row_dict(row: SQLModel, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """A row as a JSON-ready dict (datetimes as ISO text)."""
    data = row.model_dump(exclude=set(exclude))
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


class _Profile:
    """The User row: names, username, language. Deleted last, when nothing else is kept."""

    def export(self, session: Session, user_id: int) -> Any:
        user = session.get(User, user_id)
        return row_dict(user) if user is not None else None

    def erase(self, session: Session, user_id: int) -> list[str]:
        session.exec(delete(User).where(col(User.id) == user_id))  # type: ignore[call-overload]
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        return 0


def _blank_profile(session: Session, user_id: int) -> None:
    """Erases the names but keeps the row, so open orders' messages still reach the user."""
    session.exec(
        update(User)  # type: ignore[call-overload]
        .where(col(User.id) == user_id)
        .values(first_name=ANONYMOUS, last_name=None, username=None, language_code=None)
    )


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
        session.exec(delete(Notification).where(col(Notification.user_id) == user_id))  # type: ignore[call-overload]
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        result = session.exec(
            delete(Notification)  # type: ignore[call-overload]
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
        session.exec(delete(UserScratch).where(col(UserScratch.user_id) == user_id))  # type: ignore[call-overload]
        for row in _conversation_rows(session, user_id):
            session.delete(row)
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        result = session.exec(
            delete(UserScratch).where(col(UserScratch.updated_at) < before)  # type: ignore[call-overload]
        )
        return int(result.rowcount)


class _Consents:
    """The consents the user gave."""

    def export(self, session: Session, user_id: int) -> Any:
        rows = session.exec(
            select(Consent).where(Consent.user_id == user_id).order_by(col(Consent.id))
        )
        return [row_dict(row, exclude={"user_id"}) for row in rows]

    def erase(self, session: Session, user_id: int) -> list[str]:
        session.exec(delete(Consent).where(col(Consent.user_id) == user_id))  # type: ignore[call-overload]
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        return 0


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
            update(Farmer).where(col(Farmer.telegram_id) == user_id).values(telegram_id=None)  # type: ignore[call-overload]
        )
        for table, column, marker in (
            (FarmerInvite, "used_by", None),
            (FarmerInvite, "created_by", ANONYMOUS_ID),
            (Broadcast, "created_by", ANONYMOUS_ID),
        ):
            session.exec(
                update(table)  # type: ignore[call-overload]
                .where(getattr(table, column) == user_id)
                .values({column: marker})
            )
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        return 0


FINISHED_ORDERS = (OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.EXPIRED)


class _Orders:
    """Produce orders and the checkout draft: address, phone, note, tracking number."""

    def export(self, session: Session, user_id: int) -> Any:
        cart = session.exec(select(Cart).where(Cart.user_id == user_id)).first()
        orders = session.exec(
            select(Order).where(Order.buyer_id == user_id).order_by(col(Order.id))
        ).all()
        return {
            "checkout_draft": row_dict(cart, exclude={"user_id"}) if cart else None,
            "orders": [
                {
                    **row_dict(order, exclude={"buyer_id", "source_key"}),
                    "items": [
                        row_dict(item, exclude={"order_id"})
                        for item in session.exec(
                            select(OrderItem).where(OrderItem.order_id == order.id)
                        )
                    ],
                }
                for order in orders
            ],
        }

    def erase(self, session: Session, user_id: int) -> list[str]:
        cart_ids = session.exec(select(Cart.id).where(Cart.user_id == user_id)).all()
        session.exec(delete(CartItem).where(col(CartItem.cart_id).in_(cart_ids)))  # type: ignore[call-overload]
        session.exec(delete(Cart).where(col(Cart.user_id) == user_id))  # type: ignore[call-overload]
        orders = session.exec(select(Order).where(Order.buyer_id == user_id)).all()
        done = [o.id for o in orders if o.status in FINISHED_ORDERS]
        _erase_orders(session, done)
        session.exec(
            update(Order)  # type: ignore[call-overload]
            .where(col(Order.id).in_(done))
            .values(buyer_id=ANONYMOUS_ID)
        )
        session.exec(
            update(OrderEvent)  # type: ignore[call-overload]
            .where(col(OrderEvent.by_user_id) == user_id, col(OrderEvent.order_id).in_(done))
            .values(by_user_id=None)
        )
        return ["open_orders"] if len(done) < len(orders) else []

    def purge_finished(self, session: Session, before: datetime) -> int:
        ids = session.exec(
            select(Order.id)
            .where(col(Order.status).in_(FINISHED_ORDERS), col(Order.updated_at) < before)
            .where(col(Order.phone) != ANONYMOUS)
        ).all()
        _erase_orders(session, list(ids))
        return len(ids)


def _erase_orders(session: Session, order_ids: Sequence[int | None]) -> None:
    """Replaces the delivery details of these orders by the anonymous marker."""
    if not order_ids:
        return
    session.exec(
        update(Order)  # type: ignore[call-overload]
        .where(col(Order.id).in_(order_ids))
        .values(address=ANONYMOUS, phone=ANONYMOUS, note=None, tracking_number=None)
    )
    session.exec(
        update(OrderEvent)  # type: ignore[call-overload]
        .where(col(OrderEvent.order_id).in_(order_ids))
        .where(col(OrderEvent.to_status) == OrderStatus.SHIPPED)
        .values(note=None)  # carrier and tracking number
    )


register_provider("profile", _Profile())
register_provider("orders", _Orders())
register_provider("roles", _Roles())
register_provider("consents", _Consents())
register_provider("dialogues", _DialogueState())
register_provider("notifications", _Notifications())
register_provider("payments", _Payments())


# --- what the handlers and the retention job call ----------------------------------------------


def export_user_data(*, session: Session, user_id: int) -> dict[str, Any]:
    """Everything stored about the user, from every provider, for /mydata."""
    return {
        "user_id": user_id,
        "exported_at": utcnow().isoformat(),
        "notice_version": NOTICE_VERSION,
        **{name: provider.export(session, user_id) for name, provider in PROVIDERS.items()},
    }


def erase_user_data(*, session: Session, user_id: int) -> list[str]:
    """Erases the user's personal data everywhere; returns what had to be kept for now."""
    problems: list[str] = []
    for name, provider in PROVIDERS.items():
        if name != "profile":
            problems += [p for p in provider.erase(session, user_id) if p not in problems]
    if problems:
        _blank_profile(session, user_id)
        kept = ",".join(problems)[:300]
        values = {"user_id": user_id, "requested_at": utcnow(), "kept": kept}
        if not _inserted(session, ErasureRequest, values):
            session.exec(
                update(ErasureRequest)  # type: ignore[call-overload]
                .where(col(ErasureRequest.user_id) == user_id)
                .values(kept=kept)
            )
    else:
        PROVIDERS["profile"].erase(session, user_id)
        session.exec(delete(ErasureRequest).where(col(ErasureRequest.user_id) == user_id))  # type: ignore[call-overload]
    return problems


def pending_erasures(*, session: Session) -> list[int]:
    """Users whose erasure is waiting for open things to finish."""
    return list(session.exec(select(ErasureRequest.user_id)))


def purge_expired(*, session: Session, before: datetime) -> dict[str, int]:
    """Retention: erases what finished before `before`, and retries pending erasures."""
    counts = {name: p.purge_finished(session, before) for name, p in PROVIDERS.items()}
    done = 0
    for user_id in pending_erasures(session=session):
        done += not erase_user_data(session=session, user_id=user_id)
    counts["erasures_completed"] = done
    return counts


def personal_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV export whose header row says that it holds personal data (UTF-8 with BOM).

    Cells are kept from running as formulas, as in every other export.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{PERSONAL_MARK} {header[0]}", *header[1:]])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
