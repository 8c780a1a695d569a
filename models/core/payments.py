"""Payments, shared by tree adoptions and produce orders.

A payable thing (an adoption, an order) registers a `Payable` under its kind. A payment is opened
for it with a reference code; it is settled either by Telegram (a successful payment, recorded once
per `telegram_payment_charge_id`) or by an operator confirming an offline payment by reference.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel, col, select

from models.core.base import insert_ignoring_conflicts, telegram_id_column, utcnow

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a counter


class PaymentMethod(StrEnum):
    """How the buyer pays."""

    TELEGRAM = "telegram"  # an invoice paid through the payment provider
    OFFLINE = "offline"  # at the post office or by bank transfer, confirmed by an operator


class PaymentStatus(StrEnum):
    """Where a payment stands."""

    PENDING = "pending"
    PAID = "paid"
    REFUND_DUE = "refund_due"  # money arrived for something that could no longer be had
    CANCELLED = "cancelled"


class PaymentError(Exception):
    """A payment cannot be taken or confirmed; `code` says why (for the user's message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Payable(Protocol):
    """What the payment step needs from a thing that can be paid for."""

    def amount_due(self, session: Session, target_id: int) -> int | None:
        """The amount in fen, or None when it can no longer be paid (expired, cancelled)."""

    def mark_paid(self, session: Session, target_id: int, payment: Payment) -> bool:
        """Moves the thing to paid (and queues its notifications); False if it cannot be."""


PAYABLES: dict[str, Payable] = {}


def register_payable(kind: str, payable: Payable) -> None:
    """Makes a kind of thing payable (called once by its model module)."""
    PAYABLES[kind] = payable


class Payment(SQLModel, table=True):
    """One payment for one adoption or order."""

    # The operator's queue (pending offline payments, oldest first) as one index range: with
    # the status index alone PostgreSQL walked the primary key through the paid history.
    __table_args__ = (Index("ix_payment_status_method_id", "status", "method", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, max_length=16)
    kind: str = Field(max_length=20)
    target_id: int = Field(index=True)
    user_id: int = Field(sa_column=telegram_id_column(index=True, nullable=False))
    amount_fen: int
    currency: str = Field(default="CNY", max_length=3)
    method: str = Field(max_length=10)
    status: str = Field(default=PaymentStatus.PENDING, max_length=12, index=True)
    # "<kind>:<target>" while pending, else NULL: at most one pending payment per thing.
    pending_key: str | None = Field(default=None, unique=True, max_length=40)
    telegram_payment_charge_id: str | None = Field(default=None, unique=True, max_length=128)
    provider_payment_charge_id: str | None = Field(default=None, max_length=128)
    confirmed_by: int | None = Field(default=None, sa_column=telegram_id_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None


@dataclass(frozen=True)
class Settlement:
    """The outcome of settling a payment; `new` is False when it had been settled already."""

    payment: Payment
    new: bool


def new_reference() -> str:
    """A reference code such as `P7KQ3XM9A`: short to read out, hard to guess."""
    return "P" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def open_payment(
    *, session: Session, kind: str, target_id: int, user_id: int, method: PaymentMethod
) -> Payment:
    """Returns the pending payment for this thing, opening one if needed (once, even when two
    taps arrive together: the pending key is unique)."""
    amount = PAYABLES[kind].amount_due(session, target_id)
    if amount is None:
        raise PaymentError("not_payable")
    key = f"{kind}:{target_id}"
    values = {
        "reference": new_reference(),
        "kind": kind,
        "target_id": target_id,
        "user_id": user_id,
        "amount_fen": amount,
        "currency": "CNY",
        "method": method,
        "status": PaymentStatus.PENDING,
        "pending_key": key,
        "created_at": utcnow(),
    }
    insert_ignoring_conflicts(session, Payment, values)
    payment = session.exec(select(Payment).where(Payment.pending_key == key)).one()
    if payment.method != method:
        payment.method = method
        session.add(payment)
    return payment


def get_payment(*, session: Session, reference: str, lock: bool = False) -> Payment | None:
    """The payment with this reference code (any case, spaces ignored); `lock` for settling."""
    code = reference.replace(" ", "").replace("-", "").upper()
    statement = select(Payment).where(Payment.reference == code)
    if lock:  # PostgreSQL: two operators confirming at once settle it once
        statement = statement.with_for_update()
    return session.exec(statement).first()


def check_payable(*, session: Session, reference: str, user_id: int, amount: int) -> str | None:
    """Validates a pre-checkout query; returns None if it may be paid, else a reason code."""
    payment = get_payment(session=session, reference=reference)
    if payment is None or payment.user_id != user_id:
        return "unknown"
    if payment.status != PaymentStatus.PENDING:
        return "already_paid" if payment.status == PaymentStatus.PAID else "not_payable"
    due = PAYABLES[payment.kind].amount_due(session, payment.target_id)
    if due is None:
        return "not_payable"
    if due != amount or payment.amount_fen != amount:
        return "amount_changed"
    return None


def _settle(session: Session, payment: Payment) -> Settlement:
    """Marks the payment paid and hands it to its payable."""
    payment.paid_at = utcnow()
    payable = PAYABLES[payment.kind]
    ok = payable.mark_paid(session, payment.target_id, payment)
    payment.status = PaymentStatus.PAID if ok else PaymentStatus.REFUND_DUE
    payment.pending_key = None
    session.add(payment)
    return Settlement(payment, True)


def record_telegram_payment(
    *,
    session: Session,
    reference: str,
    user_id: int,
    amount: int,
    charge_id: str,
    provider_charge_id: str | None,
) -> Settlement:
    """Records a successful Telegram payment once per charge id."""
    seen = session.exec(
        select(Payment).where(Payment.telegram_payment_charge_id == charge_id)
    ).first()
    if seen is not None:
        return Settlement(seen, False)
    payment = get_payment(session=session, reference=reference, lock=True)
    if payment is None or payment.user_id != user_id:
        raise PaymentError("unknown")
    if payment.status != PaymentStatus.PENDING:
        # paid twice for the same thing: keep the record, flag the money for a refund
        duplicate = Payment(
            reference=new_reference(),
            kind=payment.kind,
            target_id=payment.target_id,
            user_id=user_id,
            amount_fen=amount,
            method=PaymentMethod.TELEGRAM,
            status=PaymentStatus.REFUND_DUE,
            telegram_payment_charge_id=charge_id,
            provider_payment_charge_id=provider_charge_id,
            paid_at=utcnow(),
        )
        session.add(duplicate)
        return Settlement(duplicate, True)
    payment.method = PaymentMethod.TELEGRAM
    payment.telegram_payment_charge_id = charge_id
    payment.provider_payment_charge_id = provider_charge_id
    payment.amount_fen = amount
    return _settle(session, payment)


def confirm_offline_payment(*, session: Session, reference: str, operator_id: int) -> Settlement:
    """An operator confirms money received at the counter or by transfer; safe to repeat."""
    payment = get_payment(session=session, reference=reference, lock=True)
    if payment is None:
        raise PaymentError("unknown")
    if payment.status == PaymentStatus.PAID:
        return Settlement(payment, False)
    if payment.status != PaymentStatus.PENDING:
        raise PaymentError("not_payable")
    payment.method = PaymentMethod.OFFLINE
    payment.confirmed_by = operator_id
    return _settle(session, payment)


def cancel_payments_for(*, session: Session, kind: str, target_id: int) -> None:
    """Cancels the pending payments of a thing that expired or was cancelled."""
    for payment in session.exec(
        select(Payment)
        .where(Payment.kind == kind, Payment.target_id == target_id)
        .where(Payment.status == PaymentStatus.PENDING)
    ):
        payment.status, payment.pending_key = PaymentStatus.CANCELLED, None
        session.add(payment)


def pending_offline_payments(*, session: Session, limit: int = 50) -> list[Payment]:
    """Offline payments waiting for an operator, oldest first."""
    statement = (
        select(Payment)
        .where(Payment.status == PaymentStatus.PENDING, Payment.method == PaymentMethod.OFFLINE)
        .order_by(col(Payment.id))
        .limit(limit)
    )
    return list(session.exec(statement))
