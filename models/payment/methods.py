"""A village's offline payment methods: WeChat Pay / Alipay / Lao bank QR codes, bank transfer,
the post office counter; each with names in three languages, details, a hold and an on/off switch.

Operators manage them in the back office; the payment step offers the enabled ones of the village
an order or adoption comes from. A QR code is a Telegram file_id (an operator's photo), a picture
from the imported catalog file (`qr_image`) or, for the sample catalog, a placeholder drawn when
shown (`qr_sample`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, col, select

from models.catalog.places import Village
from models.core.base import utcnow
from models.core.payments import (
    PayableInfo,
    Payment,
    get_payment,
    payable_info,
    payable_infos,
    pending_offline_payments,
)
from models.core.user import User

DEFAULT_HOLD_HOURS = 24  # long enough to pay at the counter or by transfer the next day
MAX_HOLD_HOURS = 24 * 14
EDITABLE = ("name_zh", "name_lo", "name_en", "account", "address", "hours", "hold")


class MethodKind(StrEnum):
    """What kind of offline payment a method is."""

    WECHAT_QR = "wechat_qr"
    ALIPAY_QR = "alipay_qr"
    BANK_TRANSFER = "bank_transfer"
    LAO_BANK_QR = "lao_bank_qr"
    COUNTER = "counter"


# A new method's names until an operator edits them: (zh, lo, en), each in its own language.
DEFAULT_NAMES: dict[MethodKind, tuple[str, str, str]] = {
    MethodKind.WECHAT_QR: ("微信支付", "ວີແຊັດເພ (WeChat Pay)", "WeChat Pay"),
    MethodKind.ALIPAY_QR: ("支付宝", "ອາລີເພ (Alipay)", "Alipay"),
    MethodKind.BANK_TRANSFER: ("银行转账", "ໂອນເງິນຜ່ານທະນາຄານ", "Bank transfer"),
    MethodKind.LAO_BANK_QR: ("老挝银行扫码", "ສະແກນ QR ທະນາຄານ", "Lao bank QR"),
    MethodKind.COUNTER: ("邮政所柜台", "ຈ່າຍທີ່ໄປສະນີ", "Post office counter"),
}

QR_KINDS = frozenset({MethodKind.WECHAT_QR, MethodKind.ALIPAY_QR, MethodKind.LAO_BANK_QR})


class VillagePaymentMethod(SQLModel, table=True):
    """One way to pay a village's post office offline."""

    __tablename__ = "village_payment_method"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    kind: str = Field(max_length=20)
    position: int = 0
    name_zh: str = Field(max_length=60)
    name_lo: str = Field(default="", max_length=60)
    name_en: str = Field(default="", max_length=60)
    qr_file_id: str | None = Field(default=None, max_length=200)  # an operator's photo
    qr_sample: bool = False  # the sample catalog's placeholder, drawn when shown
    # a PNG or JPEG from the catalog file (python -m bot import-catalog), sent as it is
    qr_image: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    account_text: str = Field(default="", max_length=300)  # payee, bank, account number
    counter_address: str = Field(default="", max_length=300)
    opening_hours: str = Field(default="", max_length=120)
    hold_hours: int = Field(default=DEFAULT_HOLD_HOURS, ge=1, le=MAX_HOLD_HOURS)
    enabled: bool = True
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def has_qr(self) -> bool:
        """Whether the method has a QR code to show."""
        return bool(self.qr_file_id) or bool(self.qr_image) or self.qr_sample


class MethodError(Exception):
    """A method cannot be changed that way; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def village_methods(
    *, session: Session, village_id: int, enabled_only: bool = True
) -> list[VillagePaymentMethod]:
    """The village's methods in the order they are offered."""
    statement = select(VillagePaymentMethod).where(VillagePaymentMethod.village_id == village_id)
    if enabled_only:
        statement = statement.where(col(VillagePaymentMethod.enabled))
    statement = statement.order_by(col(VillagePaymentMethod.position), col(VillagePaymentMethod.id))
    return list(session.exec(statement))


def all_methods(*, session: Session) -> list[VillagePaymentMethod]:
    """Every village's methods, village by village."""
    statement = select(VillagePaymentMethod).order_by(
        col(VillagePaymentMethod.village_id),
        col(VillagePaymentMethod.position),
        col(VillagePaymentMethod.id),
    )
    return list(session.exec(statement))


def get_method(*, session: Session, method_id: int) -> VillagePaymentMethod | None:
    """One method by id."""
    return session.get(VillagePaymentMethod, method_id)


def village_hold_hours(*, session: Session, village_id: int | None) -> int:
    """How long an unpaid offline order or adoption of this village is held at first: the
    shortest hold of its enabled methods (a method's own may be longer once chosen)."""
    if village_id is None:
        return DEFAULT_HOLD_HOURS
    holds = [m.hold_hours for m in village_methods(session=session, village_id=village_id)]
    return min(holds) if holds else DEFAULT_HOLD_HOURS


def add_method(*, session: Session, village_id: int, kind: MethodKind, **values: object) -> int:
    """Adds a method to a village; returns its id."""
    method = VillagePaymentMethod(village_id=village_id, kind=kind, **values)  # type: ignore[arg-type]
    session.add(method)
    session.flush()
    assert method.id is not None
    return method.id


def add_default_method(*, session: Session, village_id: int, kind: MethodKind) -> int:
    """Adds a method of `kind` to a village, switched off until its details are filled in."""
    if session.get(Village, village_id) is None:
        raise MethodError("not_found")
    name_zh, name_lo, name_en = DEFAULT_NAMES[kind]
    last = village_methods(session=session, village_id=village_id, enabled_only=False)
    position = max((m.position for m in last), default=-1) + 1
    return add_method(
        session=session,
        village_id=village_id,
        kind=kind,
        name_zh=name_zh,
        name_lo=name_lo,
        name_en=name_en,
        position=position,
        enabled=False,
    )


def toggle_method(*, session: Session, method_id: int) -> VillagePaymentMethod | None:
    """Switches a method on or off."""
    method = session.get(VillagePaymentMethod, method_id)
    if method is None:
        return None
    method.enabled = not method.enabled
    method.updated_at = utcnow()
    session.add(method)
    session.flush()
    return method


def edit_method(
    *, session: Session, method_id: int, field: str, value: str
) -> VillagePaymentMethod:
    """Sets one of a method's texts, or its hold (hours, 1 to MAX_HOLD_HOURS)."""
    method = session.get(VillagePaymentMethod, method_id)
    if method is None:
        raise MethodError("not_found")
    value = value.strip()
    if field == "hold":
        hours = int(value) if value.isdigit() else 0
        if not 1 <= hours <= MAX_HOLD_HOURS:
            raise MethodError("bad_hours")
        method.hold_hours = hours
    elif field in ("name_zh", "name_lo", "name_en"):
        if not value or len(value) > 60:
            raise MethodError("bad_name")
        setattr(method, field, value)
    elif field in ("account", "address", "hours"):
        limit = 120 if field == "hours" else 300
        if len(value) > limit:
            raise MethodError("too_long")
        column = {"account": "account_text", "address": "counter_address", "hours": "opening_hours"}
        setattr(method, column[field], "" if value == "-" else value)
    else:
        raise MethodError("bad_field")
    method.updated_at = utcnow()
    session.add(method)
    session.flush()
    return method


def set_qr(*, session: Session, method_id: int, file_id: str) -> VillagePaymentMethod | None:
    """Stores the QR photo an operator sent (a Telegram file_id), replacing any placeholder."""
    method = session.get(VillagePaymentMethod, method_id)
    if method is None:
        return None
    method.qr_file_id = file_id[:200]
    method.qr_image = None
    method.qr_sample = False
    method.updated_at = utcnow()
    session.add(method)
    session.flush()
    return method


@dataclass(frozen=True)
class Offer:
    """A pending payment as the buyer sees it: what for, from which village, the ways to pay."""

    payment: Payment
    info: PayableInfo | None
    village: Village | None
    methods: list[VillagePaymentMethod]


def payment_offer(*, session: Session, reference: str, user_id: int | None = None) -> Offer | None:
    """The payment (the buyer's own, when `user_id` is given) with its village's enabled
    methods."""
    payment = get_payment(session=session, reference=reference)
    if payment is None or (user_id is not None and payment.user_id != user_id):
        return None
    info = payable_info(session=session, payment=payment)
    village = session.get(Village, info.village_id) if info and info.village_id else None
    methods = (
        village_methods(session=session, village_id=village.id) if village and village.id else []
    )
    return Offer(payment, info, village, methods)


@dataclass(frozen=True)
class QueueEntry:
    """One payment in the operators' queue, with what it is for, the buyer and the method."""

    payment: Payment
    info: PayableInfo | None
    buyer_name: str
    method: VillagePaymentMethod | None


def queue_entries(*, session: Session, limit: int = 50) -> list[QueueEntry]:
    """The operators' queue of offline payments (`pending_offline_payments`), each with what it
    is for and who pays."""
    payments = pending_offline_payments(session=session, limit=limit)
    # the payers' names in one query: the screen made three queries per payment before
    # (the payment again, its payer, what it is for), 15 ms for 20 payments on SQLite
    ids = {payment.user_id for payment in payments}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    payers = {user.id: user.display_name for user in users}
    infos = payable_infos(session=session, payments=list(payments))
    return [
        _entry(session, payment, payers.get(payment.user_id, ""), infos.get(payment.reference))
        for payment in payments
    ]


def queue_entry(*, session: Session, reference: str) -> QueueEntry | None:
    """A payment as the operator's screen shows it."""
    payment = get_payment(session=session, reference=reference)
    if payment is None:
        return None
    user = session.get(User, payment.user_id)
    info = payable_info(session=session, payment=payment)
    return _entry(session, payment, user.display_name if user else "", info)


def _entry(session: Session, payment: Payment, payer: str, info: PayableInfo | None) -> QueueEntry:
    """A loaded payment with who pays, what it is for and how it is paid."""
    method = session.get(VillagePaymentMethod, payment.method_id) if payment.method_id else None
    return QueueEntry(payment, info, payer, method)


def hold_hours_of(*, session: Session, method_id: int, village_id: int | None) -> int | None:
    """A method's hold, if it is an enabled method of this village (else None)."""
    method = session.get(VillagePaymentMethod, method_id)
    if method is None or not method.enabled or method.village_id != village_id:
        return None
    return method.hold_hours
