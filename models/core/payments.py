"""Payments, shared by tree adoptions and produce orders.

A payable thing (an adoption, an order) registers a `Payable` under its kind. A payment is opened
for it with a reference code; it is settled either by Telegram (a successful payment, recorded once
per `telegram_payment_charge_id`) or by an operator confirming an offline payment by reference.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import Index, and_, or_
from sqlmodel import Field, Session, SQLModel, col, select

from models.core.base import insert_ignoring_conflicts, telegram_id_column, utcnow
from models.core.outbox import notify
from models.core.user import Role, User

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


class ProofKind(StrEnum):
    """How the buyer says they paid."""

    SLIP = "slip"  # a photo of the slip or a screenshot of the transfer
    COUNTER = "counter"  # paid in cash at the post office counter


RECEIPT_KINDS = frozenset({"order", "adoption"})  # what models.payment.receipts can describe
REJECT_REASONS = ("not_received", "wrong_amount", "unreadable", "other")


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


class Priced(Protocol):
    """A payable whose amounts may be in another currency than yuan."""

    def currency(self, session: Session, target_id: int) -> str:
        """The currency its amount is in (CNY, LAK)."""


@dataclass(frozen=True)
class PayableInfo:
    """What the offline payment screens show of a payable thing."""

    number: str  # the order number, or the tree's code
    village_id: int | None
    deadline: datetime | None  # until when it is held unpaid (None once paid or gone)
    status: str


class Holdable(Protocol):
    """What a payable offers for offline payment: its facts, a longer hold, a late payment."""

    def infos(self, session: Session, target_ids: list[int]) -> dict[int, PayableInfo]:
        """The things' numbers, villages and holds, by id (one that does not exist is left out);
        in one query, for a list of payments."""

    def hold_until(self, session: Session, target_id: int, until: datetime) -> datetime | None:
        """Holds the unpaid thing at least until `until`; returns the new deadline."""

    def revive(self, session: Session, target_id: int) -> bool:
        """Takes back an expired thing for a payment that arrived late, if it can still be had."""


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
    amount_fen: int  # minor units of `currency` (fen, whole kip), as the thing was priced
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
    # offline payment: the village's method chosen, the buyer's proof, the operator's answer
    method_id: int | None = None  # a models.payment.methods row (no FK: core stands alone)
    proof_kind: str | None = Field(default=None, max_length=10)
    proof_file_id: str | None = Field(default=None, max_length=200)
    proof_at: datetime | None = None
    rejected_reason: str | None = Field(default=None, max_length=20)
    note: str | None = Field(default=None, max_length=300)
    reminded_at: datetime | None = None


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
        "currency": _currency(session, kind, target_id),
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


def _currency(session: Session, kind: str, target_id: int) -> str:
    """The currency the thing is priced in (a payable that does not say: yuan)."""
    payable = PAYABLES[kind]
    if not hasattr(payable, "currency"):
        return "CNY"
    priced: Priced = payable  # type: ignore[assignment]
    return priced.currency(session, target_id)


def payable_currency(*, session: Session, kind: str, target_id: int) -> str:
    """What a payable thing is priced in (CNY, LAK)."""
    return _currency(session, kind, target_id)


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
    if ok and payment.kind in RECEIPT_KINDS:
        session.flush()
        notify(
            session=session,
            user_id=payment.user_id,
            kind="payment_receipt",
            params={"reference": payment.reference},
            dedupe_key=f"receipt-{payment.reference}",
        )
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
            currency=payment.currency,
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
    if payment.status == PaymentStatus.CANCELLED:
        # the hold ran out before the money was seen: take the thing back if it can still be had
        holdable = _holdable(payment.kind)
        if holdable is None or not holdable.revive(session, payment.target_id):
            raise PaymentError("late_unavailable")
        payment.status = PaymentStatus.PENDING
    elif payment.status != PaymentStatus.PENDING:
        raise PaymentError("not_payable")
    payment.method = PaymentMethod.OFFLINE
    payment.confirmed_by = operator_id
    return _settle(session, payment)


def _holdable(kind: str) -> Holdable | None:
    """The payable of this kind if it supports offline holds (every real one does)."""
    payable = PAYABLES.get(kind)
    return payable if hasattr(payable, "revive") else None  # type: ignore[return-value]


def payable_info(*, session: Session, payment: Payment) -> PayableInfo | None:
    """The number, village and hold of what a payment is for."""
    return payable_infos(session=session, payments=[payment]).get(payment.reference)


def payable_infos(*, session: Session, payments: list[Payment]) -> dict[str, PayableInfo]:
    """What each payment is for, by its reference: one query per kind of thing paid for."""
    found: dict[str, PayableInfo] = {}
    for kind in {payment.kind for payment in payments}:
        holdable = _holdable(kind)
        if holdable is None:
            continue
        of_kind = [payment for payment in payments if payment.kind == kind]
        infos = holdable.infos(session, [payment.target_id for payment in of_kind])
        found.update({p.reference: infos[p.target_id] for p in of_kind if p.target_id in infos})
    return found


def buyers_payment(*, session: Session, reference: str, user_id: int) -> Payment | None:
    """The buyer's own payment with this reference (someone else's reads as unknown)."""
    payment = get_payment(session=session, reference=reference)
    return payment if payment is not None and payment.user_id == user_id else None


@dataclass(frozen=True)
class ChosenMethod:
    """A pending payment with its method chosen, and until when the thing is held."""

    payment: Payment
    deadline: datetime | None


def choose_method(
    *, session: Session, reference: str, user_id: int, method_id: int, hold_hours: int
) -> ChosenMethod:
    """The buyer picked one of the village's methods: remember it and hold the thing for that
    method's hours from when it was ordered (never shorter than it already was)."""
    payment = get_payment(session=session, reference=reference, lock=True)
    if payment is None or payment.user_id != user_id:
        raise PaymentError("unknown")
    if payment.status != PaymentStatus.PENDING:
        raise PaymentError(
            "already_paid" if payment.status == PaymentStatus.PAID else "not_payable"
        )
    if PAYABLES[payment.kind].amount_due(session, payment.target_id) is None:
        raise PaymentError("not_payable")
    payment.method_id = method_id
    session.add(payment)
    deadline = None
    holdable = _holdable(payment.kind)
    if holdable is not None:
        until = _as_utc(payment.created_at) + timedelta(hours=hold_hours)
        deadline = holdable.hold_until(session, payment.target_id, until)
    session.flush()
    return ChosenMethod(payment, deadline)


def _as_utc(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime (SQLite hands back naive ones)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _money(payment: Payment, **params: object) -> dict[str, object]:
    """A payment notification's parameters: its reference and amount, plus `params`."""
    return {
        "reference": payment.reference,
        "amount_fen": payment.amount_fen,
        "currency": payment.currency,
        **params,
    }


def submit_proof(
    *, session: Session, reference: str, user_id: int, kind: ProofKind, file_id: str | None
) -> Payment:
    """The buyer says they paid (a slip photo, or at the counter): it joins the operators'
    queue as paid-by-the-buyer; a new proof replaces a rejected one."""
    payment = get_payment(session=session, reference=reference, lock=True)
    if payment is None or payment.user_id != user_id:
        raise PaymentError("unknown")
    if payment.status == PaymentStatus.PAID:
        raise PaymentError("already_paid")
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.CANCELLED):
        raise PaymentError("not_payable")  # a late payment still reaches the operators
    payment.proof_kind = kind
    payment.proof_file_id = file_id[:200] if file_id else None
    payment.proof_at = utcnow()
    payment.rejected_reason = None
    payment.note = None
    session.add(payment)
    session.flush()
    buyer = session.get(User, user_id)
    for operator_id in session.exec(select(User.id).where(User.role == Role.OPERATOR)).all():
        notify(
            session=session,
            user_id=operator_id,
            kind="payment_proof",
            params=_money(payment, buyer=buyer.display_name if buyer else "", proof=kind.value),
            dedupe_key=f"payment-proof-{payment.reference}-{operator_id}-{payment.proof_at}",
        )
    return payment


def reject_proof(
    *, session: Session, reference: str, operator_id: int, reason: str, note: str | None
) -> Payment:
    """An operator has not found the money: the proof leaves the queue, the buyer is told why
    (in their language) and may send another; the payment stays open."""
    if reason not in REJECT_REASONS:
        raise PaymentError("bad_reason")
    payment = get_payment(session=session, reference=reference, lock=True)
    if payment is None:
        raise PaymentError("unknown")
    live = (PaymentStatus.PENDING, PaymentStatus.CANCELLED)
    if payment.status not in live or payment.proof_at is None:
        raise PaymentError("not_payable")
    payment.rejected_reason = reason
    payment.note = note[:300] if note else None
    payment.confirmed_by = operator_id
    rejected_at = payment.proof_at
    payment.proof_at = None
    payment.proof_kind = None
    payment.proof_file_id = None
    session.add(payment)
    notify(
        session=session,
        user_id=payment.user_id,
        kind="payment_rejected",
        params=_money(payment, reason=reason, note=payment.note),
        dedupe_key=f"payment-rejected-{payment.reference}-{_as_utc(rejected_at).isoformat()}",
    )
    session.flush()
    return payment


LATE_OUTCOMES = ("refund", "reoffer")


def settle_late_payment(
    *, session: Session, reference: str, operator_id: int, outcome: str
) -> Payment:
    """Money arrived after the hold ran out and what it paid for is gone: record it as due for
    a refund, and tell the buyer (a refund, or an offer to choose again first)."""
    if outcome not in LATE_OUTCOMES:
        raise PaymentError("bad_outcome")
    payment = get_payment(session=session, reference=reference, lock=True)
    if payment is None:
        raise PaymentError("unknown")
    if payment.status == PaymentStatus.REFUND_DUE:
        return payment  # a second tap
    if payment.status != PaymentStatus.CANCELLED:
        raise PaymentError("not_payable")
    payment.status = PaymentStatus.REFUND_DUE
    payment.method = PaymentMethod.OFFLINE
    payment.confirmed_by = operator_id
    payment.paid_at = utcnow()
    payment.note = outcome
    session.add(payment)
    notify(
        session=session,
        user_id=payment.user_id,
        kind="payment_late",
        params=_money(payment, outcome=outcome, payable=payment.kind),
        dedupe_key=f"payment-late-{payment.reference}",
    )
    session.flush()
    return payment


REMIND_BEFORE = timedelta(hours=3)


def queue_payment_reminders(*, session: Session, now: datetime | None = None) -> int:
    """Reminds each buyer once whose offline payment's hold runs out within REMIND_BEFORE and
    who has not said they paid; returns how many were queued."""
    moment = now or utcnow()
    statement = (
        select(Payment)
        .where(Payment.status == PaymentStatus.PENDING, Payment.method == PaymentMethod.OFFLINE)
        .where(col(Payment.reminded_at).is_(None), col(Payment.proof_at).is_(None))
        .order_by(col(Payment.id))
        .limit(500)
    )
    count = 0
    for payment in session.exec(statement).all():
        info = payable_info(session=session, payment=payment)
        if info is None or info.deadline is None:
            continue
        deadline = _as_utc(info.deadline)
        if not moment < deadline <= moment + REMIND_BEFORE:
            continue
        payment.reminded_at = moment
        session.add(payment)
        notify(
            session=session,
            user_id=payment.user_id,
            kind="payment_reminder",
            params=_money(payment, number=info.number, deadline=deadline.isoformat()),
            dedupe_key=f"payment-reminder-{payment.reference}",
        )
        count += 1
    return count


def pending_proof(*, session: Session, kind: str, target_id: int) -> Payment | None:
    """The thing's open payment the buyer said they paid (a slip, the counter), if any."""
    return session.exec(
        select(Payment)
        .where(Payment.kind == kind, Payment.target_id == target_id)
        .where(Payment.status == PaymentStatus.PENDING, col(Payment.proof_at).is_not(None))
        .order_by(col(Payment.id).desc())
    ).first()


def lapsed_payment(*, session: Session, kind: str, target_id: int) -> Payment | None:
    """The offline payment of a thing whose hold ran out (cancelled with it, its money still
    welcome late), newest first; None if there is none."""
    return session.exec(
        select(Payment)
        .where(Payment.kind == kind, Payment.target_id == target_id)
        .where(Payment.status == PaymentStatus.CANCELLED, Payment.method == PaymentMethod.OFFLINE)
        .order_by(col(Payment.id).desc())
    ).first()


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
    """Offline payments waiting for an operator (with those whose hold ran out after the buyer
    said they paid): those the buyer says are paid first, then the rest, oldest first each."""
    statement = (
        select(Payment)
        .where(Payment.method == PaymentMethod.OFFLINE)
        .where(
            or_(
                col(Payment.status) == PaymentStatus.PENDING,
                # the hold ran out while the buyer says they paid: the operator decides
                and_(
                    col(Payment.status) == PaymentStatus.CANCELLED,
                    col(Payment.proof_at).is_not(None),
                ),
            )
        )
        .order_by(col(Payment.proof_at).is_(None), col(Payment.id))
        .limit(limit)
    )
    return list(session.exec(statement))
