"""Produce orders: checkout from the cart with stock taken atomically, the status lifecycle with
its recorded events, expiry of unpaid orders, and the buyer's view of their own orders."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, delete, or_, text, update
from sqlalchemy import select as select_rows  # sqlmodel's select takes at most 4 columns
from sqlmodel import Field, Session, SQLModel, col, select

from models.catalog.places import Village, village_prefix
from models.core.base import telegram_id_column, utcnow
from models.core.crypto import Encrypted
from models.core.outbox import notify
from models.core.payments import (
    REFERENCE_ALPHABET,
    PayableInfo,
    Payment,
    PaymentStatus,
    cancel_payments_for,
    register_payable,
)
from models.shop.products import CartItem, CartLine, Product, bump_version, cart_of, read_cart
from models.shop.shipping import DEFAULT_ORIGIN, Rate, shipping_fee

PAYMENT_KIND = "order"
NUMBER_PREFIX = "SBD"


class OrderStatus(StrEnum):
    """Where an order stands."""

    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # not paid in time; its stock went back on the shelf


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset({S.PACKED, S.CANCELLED}),
    S.PACKED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
}
BUYER_CANCELLABLE = frozenset({S.AWAITING_PAYMENT, S.PAID})  # before packing
RESTOCKING = frozenset({S.CANCELLED, S.EXPIRED})


class OrderError(Exception):
    """An order cannot be placed or moved; `code` says why, `product_ids` what ran out."""

    def __init__(self, code: str, product_ids: list[int] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.product_ids = product_ids or []


OPEN_WHERE = "status IN ('paid', 'packed')"


class Order(SQLModel, table=True):
    """One buyer's order of produce, to one address; its amounts (`*_fen`, named from when
    every amount was in fen) are minor units of `currency`, the village's when ordered."""

    __tablename__ = "shop_order"
    # The back office's queues take the oldest orders of a status: (status, id) finds them
    # without walking the delivered history (docs/performance.md).
    # PostgreSQL ignores it for `status = 'paid' ORDER BY id`: open orders are the newest, and the
    # planner, assuming status and id independent, walks the primary key through the delivered
    # history (14 ms). A partial index of the orders to ship, by id (a (status, id) one
    # is ignored the same way), is walked instead.
    __table_args__ = (
        Index("ix_shop_order_status_id", "status", "id"),
        Index(
            "ix_shop_order_to_ship_id",
            "id",
            postgresql_where=text(OPEN_WHERE),
            sqlite_where=text(OPEN_WHERE),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, max_length=20)
    buyer_id: int = Field(sa_column=telegram_id_column(index=True, nullable=False))
    # the village that sells and ships it (a village.id; no foreign key: SQLite could add one
    # only by rebuilding this table, which the items' and events' keys forbid)
    village_id: int | None = None
    source_key: str = Field(unique=True, max_length=40)  # cart id and version: one order each
    status: str = Field(default=OrderStatus.AWAITING_PAYMENT, max_length=20, index=True)
    country: str = Field(max_length=2)
    address: str = Field(sa_type=Encrypted, max_length=300)
    phone: str = Field(sa_type=Encrypted, max_length=20)
    note: str | None = Field(default=None, max_length=300)
    weight_g: int = 0
    subtotal_fen: int
    shipping_fen: int
    total_fen: int
    currency: str = Field(default="CNY", max_length=3)
    carrier: str | None = Field(default=None, max_length=40)
    tracking_number: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(default_factory=utcnow, index=True)


class OrderItem(SQLModel, table=True):
    """A product in an order, with its name and price as they were when ordered."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    sku: str = Field(max_length=40)
    name_zh: str = Field(max_length=80)
    name_lo: str = Field(default="", max_length=80)
    name_en: str = Field(default="", max_length=80)
    unit_zh: str = Field(default="", max_length=40)
    unit_lo: str = Field(default="", max_length=40)
    unit_en: str = Field(default="", max_length=40)
    price_fen: int  # minor units of `currency`
    currency: str = Field(default="CNY", max_length=3)
    quantity: int = Field(ge=1)

    @property
    def total_fen(self) -> int:
        """Price of the line."""
        return self.price_fen * self.quantity


class OrderEvent(SQLModel, table=True):
    """One status change of an order: from, to, by whom, when, and a note."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    by_user_id: int | None = Field(default=None, sa_column=telegram_id_column(nullable=True))
    note: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class PlacedOrder:
    """The outcome of confirming a checkout: its orders (one per village; `order` is the
    first); `new` is False for a repeated confirmation."""

    order: Order
    new: bool
    orders: list[Order] = field(default_factory=list)


@dataclass(frozen=True)
class OrderDetail:
    """An order with its items and its timeline."""

    order: Order
    items: list[OrderItem]
    events: list[OrderEvent] = field(default_factory=list)
    route: tuple[str, str] | None = None  # (from, to) countries, for the delivery estimate


def new_number(prefix: str | None = None) -> str:
    """An order number such as `SBD-7KQ3-XM9A` (the selling village's prefix): easy to read
    out, hard to guess."""
    chars = [secrets.choice(REFERENCE_ALPHABET) for _ in range(8)]
    return f"{prefix or NUMBER_PREFIX}-{''.join(chars[:4])}-{''.join(chars[4:])}"


def normalize_number(raw: str) -> str:
    """Accepts a number typed in any case, with or without dashes and spaces."""
    code = "".join(ch for ch in raw.upper() if ch.isascii() and ch.isalnum())
    prefix, body = code[:-8], code[-8:]
    if 2 <= len(prefix) <= 6 and prefix.isalpha():
        return f"{prefix}-{body[:4]}-{body[4:]}"
    return code


# --- checkout ------------------------------------------------------------------------------


def _take_stock(session: Session, wanted: list[tuple[int, int]]) -> None:
    """Takes stock for every line or none (in product order, so two checkouts cannot deadlock)."""
    short = []
    for product_id, quantity in sorted(wanted):
        result = session.exec(
            update(Product)
            .where(col(Product.id) == product_id, col(Product.active))
            .where(col(Product.stock) >= quantity)
            .values(stock=Product.stock - quantity)
        )
        if result.rowcount != 1:
            short.append(product_id)
    if short:
        raise OrderError("sold_out", short)  # the transaction rolls back what was taken


def _existing(session: Session, source_key: str) -> list[Order]:
    """The orders already made from this cart version (one per village), if any."""
    statement = select(Order).where(
        or_(col(Order.source_key) == source_key, col(Order.source_key).like(source_key + ":%"))
    )
    return list(session.exec(statement.order_by(col(Order.id))))


@dataclass(frozen=True)
class Parcel:
    """The part of a cart one village sells and ships: its lines, weight and shipping fee,
    all in the village's currency."""

    village: Village
    lines: list[CartLine]
    shipping_fen: int | None  # None: the route is not in the shipping table

    @property
    def currency(self) -> str:
        """What this parcel is priced in."""
        return self.village.currency

    @property
    def subtotal_fen(self) -> int:
        """Sum of the lines."""
        return sum(line.total_fen for line in self.lines)

    @property
    def weight_g(self) -> int:
        """Parcel weight."""
        return sum(line.product.weight_g * line.quantity for line in self.lines)


def parcels_of(
    session: Session, lines: list[CartLine], country: str | None, rates: tuple[Rate, ...]
) -> list[Parcel]:
    """Splits cart lines into one parcel per selling village, in the order they were added,
    each priced from the village's country to `country`."""
    groups: dict[int, list[CartLine]] = {}
    for line in lines:
        groups.setdefault(line.product.village_id, []).append(line)
    parcels = []
    for village_id, group in groups.items():
        village = session.get_one(Village, village_id)
        weight = sum(line.product.weight_g * line.quantity for line in group)
        fee = (
            shipping_fee(
                country=country,
                weight_g=weight,
                rates=rates,
                origin=village.country,
                currency=village.currency,
            )
            if country
            else None
        )
        parcels.append(Parcel(village, group, fee))
    return parcels


def cart_parcels(*, session: Session, user_id: int, rates: tuple[Rate, ...]) -> list[Parcel]:
    """The buyer's cart as the orders it will become, one per village."""
    view = read_cart(session, cart_of(session, user_id))
    return parcels_of(session, view.lines, view.cart.country, rates)


def place_order(
    *,
    session: Session,
    user_id: int,
    version: int,
    rates: tuple[Rate, ...],
    expiry_minutes: int,
) -> PlacedOrder:
    """Turns the cart, as it was at `version`, into orders awaiting payment, one per selling
    village (each with its own shipping, number and payment); safe to repeat."""
    cart = cart_of(session, user_id)
    source_key = f"{cart.id}:{version}"
    existing = _existing(session, source_key)
    if existing:
        return PlacedOrder(existing[0], False, existing)
    if not bump_version(session, cart, version):
        existing = _existing(session, source_key)  # a concurrent tap may just have made it
        if existing:
            return PlacedOrder(existing[0], False, existing)
        raise OrderError("stale")
    view = read_cart(session, cart)
    if not view.lines:
        raise OrderError("empty")
    if not (cart.country and cart.address and cart.phone):
        raise OrderError("incomplete")
    parcels = parcels_of(session, view.lines, cart.country, rates)
    if any(parcel.shipping_fen is None for parcel in parcels):
        raise OrderError("no_shipping")
    _take_stock(session, [(line.product.id, line.quantity) for line in view.lines])  # type: ignore[misc]
    now = utcnow()
    orders = []
    for parcel in parcels:
        assert parcel.shipping_fen is not None
        key = source_key if len(parcels) == 1 else f"{source_key}:{parcel.village.id}"
        order = Order(
            number=new_number(village_prefix(session=session, village=parcel.village)),
            buyer_id=user_id,
            village_id=parcel.village.id,
            source_key=key,
            country=cart.country,
            address=cart.address,
            phone=cart.phone,
            note=cart.note,
            weight_g=parcel.weight_g,
            subtotal_fen=parcel.subtotal_fen,
            shipping_fen=parcel.shipping_fen,
            total_fen=parcel.subtotal_fen + parcel.shipping_fen,
            currency=parcel.village.currency,
            created_at=now,
            updated_at=now,
            expires_at=now + timedelta(minutes=expiry_minutes),
        )
        session.add(order)
        session.flush()
        for line in parcel.lines:
            session.add(_item(order, line.product, line.quantity))
        session.add(OrderEvent(order_id=order.id, to_status=S.AWAITING_PAYMENT, by_user_id=user_id))  # type: ignore[arg-type]
        orders.append(order)
    session.exec(delete(CartItem).where(col(CartItem.cart_id) == cart.id))
    cart.note = None
    session.add(cart)
    session.flush()
    return PlacedOrder(orders[0], True, orders)


def _item(order: Order, product: Product, quantity: int) -> OrderItem:
    """An order line copying the product's name, unit and price as they are now."""
    names = {
        f"{a}_{lang}": getattr(product, f"{a}_{lang}")
        for a in ("name", "unit")
        for lang in ("zh", "lo", "en")
    }
    return OrderItem(
        order_id=order.id,  # type: ignore[arg-type]
        product_id=product.id,  # type: ignore[arg-type]
        sku=product.sku,
        price_fen=product.price_fen,
        currency=order.currency,
        quantity=quantity,
        **names,
    )


# --- the status lifecycle ------------------------------------------------------------------


def _move(
    session: Session,
    order_id: int,
    to: OrderStatus,
    *,
    by_user_id: int | None,
    note: str | None = None,
    reason_code: str | None = None,
    allowed_from: frozenset[OrderStatus] | None = None,
    buyer_id: int | None = None,
    **values: Any,
) -> Order:
    """Moves an order to `to` if that is allowed from where it stands (compare-and-set)."""
    order = session.get(Order, order_id)
    if order is None or (buyer_id is not None and order.buyer_id != buyer_id):
        raise OrderError("not_found")
    current = OrderStatus(order.status)
    allowed = to in TRANSITIONS.get(current, frozenset())
    if not allowed or (allowed_from is not None and current not in allowed_from):
        raise OrderError("not_allowed")
    now = utcnow()
    result = session.exec(
        update(Order)
        .where(col(Order.id) == order_id, col(Order.status) == current)
        .values(status=to, updated_at=now, **values)
    )
    if result.rowcount != 1:
        raise OrderError("conflict")  # someone else moved it in the meantime
    session.refresh(order)
    session.add(
        OrderEvent(
            order_id=order_id,
            from_status=current,
            to_status=to,
            by_user_id=by_user_id,
            note=" · ".join(part for part in (reason_code, note) if part) or None,
        )
    )
    if to in RESTOCKING:
        _restock(session, order_id)
        _settle_payments(session, order_id, refund=current != S.AWAITING_PAYMENT)
    notify(
        session=session,
        user_id=order.buyer_id,
        kind="order_status",
        params={
            "order_id": order.id,
            "number": order.number,
            "status": to.value,
            "carrier": order.carrier,
            "tracking": order.tracking_number,
            # for the estimate
            "route": list(order_route(session, order)) if to == S.SHIPPED else None,
            "refund": to == S.CANCELLED and current != S.AWAITING_PAYMENT,
            "reason": note if to == S.CANCELLED else None,
            "reason_code": reason_code if to == S.CANCELLED else None,
        },
        dedupe_key=f"order-{order.id}-{to.value}",
    )
    session.flush()
    return order


def order_route(session: Session, order: Order) -> tuple[str, str]:
    """Where an order's parcel leaves from (its village's country) and where it goes."""
    village = session.get(Village, order.village_id) if order.village_id else None
    return (village.country if village else DEFAULT_ORIGIN, order.country)


def _restock(session: Session, order_id: int) -> None:
    """Puts an order's quantities back on the shelf."""
    for item in session.exec(select(OrderItem).where(OrderItem.order_id == order_id)):
        session.exec(
            update(Product)
            .where(col(Product.id) == item.product_id)
            .values(stock=Product.stock + item.quantity)
        )


def _settle_payments(session: Session, order_id: int, *, refund: bool) -> None:
    """Cancels pending payments; flags money already received for a refund."""
    cancel_payments_for(session=session, kind=PAYMENT_KIND, target_id=order_id)
    if refund:
        session.exec(
            update(Payment)
            .where(col(Payment.kind) == PAYMENT_KIND, col(Payment.target_id) == order_id)
            .where(col(Payment.status) == PaymentStatus.PAID)
            .values(status=PaymentStatus.REFUND_DUE)
        )


def pack_order(*, session: Session, order_id: int, by_user_id: int) -> Order:
    """A farmer or operator has packed a paid order."""
    return _move(session, order_id, S.PACKED, by_user_id=by_user_id)


def ship_order(
    *, session: Session, order_id: int, by_user_id: int, carrier: str, tracking_number: str
) -> Order:
    """An operator hands a packed order to the carrier."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise OrderError("tracking_required")
    return _move(
        session,
        order_id,
        S.SHIPPED,
        by_user_id=by_user_id,
        note=f"{carrier} {tracking_number}",
        carrier=carrier[:40],
        tracking_number=tracking_number[:60],
    )


def deliver_order(*, session: Session, order_id: int, by_user_id: int) -> Order:
    """The parcel has arrived."""
    return _move(session, order_id, S.DELIVERED, by_user_id=by_user_id)


CANCEL_REASONS = ("sold_out", "damaged", "unreachable", "asked", "other")


def cancel_order(
    *,
    session: Session,
    order_id: int,
    by_user_id: int,
    note: str | None = None,
    reason_code: str | None = None,
) -> Order:
    """An operator cancels an order that has not shipped, with a ready reason (one of
    CANCEL_REASONS, told to the buyer in their language) and/or a note; its stock goes back."""
    assert reason_code is None or reason_code in CANCEL_REASONS, reason_code
    return _move(
        session, order_id, S.CANCELLED, by_user_id=by_user_id, note=note, reason_code=reason_code
    )


def cancel_by_buyer(*, session: Session, order_id: int, user_id: int) -> Order:
    """The buyer cancels their own order before it is packed; its stock goes back."""
    return _move(
        session,
        order_id,
        S.CANCELLED,
        by_user_id=user_id,
        allowed_from=BUYER_CANCELLABLE,
        buyer_id=user_id,
    )


def expire_orders(*, session: Session, now: datetime | None = None, limit: int = 200) -> int:
    """Expires unpaid orders past their time, giving their stock back; returns how many."""
    moment = now or utcnow()
    due = session.exec(
        select(Order.id)
        .where(Order.status == S.AWAITING_PAYMENT, col(Order.expires_at) <= moment)
        .order_by(col(Order.id))
        .limit(limit)
    ).all()
    expired = 0
    for order_id in due:
        try:
            _move(session, order_id, S.EXPIRED, by_user_id=None, note="not paid in time")  # type: ignore[arg-type]
        except OrderError:
            continue  # paid or cancelled in the meantime
        expired += 1
    return expired


# --- payment -------------------------------------------------------------------------------


class OrderPayable:
    """Lets the shared payment step take money for an order."""

    def amount_due(self, session: Session, target_id: int) -> int | None:
        """The order's total while it awaits payment and has not expired."""
        order = session.exec(
            select(Order)
            .where(Order.id == target_id, Order.status == S.AWAITING_PAYMENT)
            .where(col(Order.expires_at) > utcnow())
        ).first()
        return order.total_fen if order else None

    def currency(self, session: Session, target_id: int) -> str:
        """What the order was priced in."""
        return session.get_one(Order, target_id).currency

    def mark_paid(self, session: Session, target_id: int, payment: Payment) -> bool:
        """Moves the order to paid; False if it expired or was cancelled meanwhile."""
        try:
            _move(session, target_id, S.PAID, by_user_id=payment.user_id, note=payment.reference)
        except OrderError:
            return False
        return True

    def infos(self, session: Session, target_ids: list[int]) -> dict[int, PayableInfo]:
        """The orders' numbers, villages and payment deadlines, by id."""
        # four columns, not the rows: their encrypted addresses and phones need no decrypting
        columns = select_rows(
            col(Order.id),
            col(Order.number),
            col(Order.village_id),
            col(Order.expires_at),
            col(Order.status),
        )
        rows = session.execute(columns.where(col(Order.id).in_(target_ids))).all()
        return {
            order_id: PayableInfo(
                number, village_id, expires if status == S.AWAITING_PAYMENT else None, status
            )
            for order_id, number, village_id, expires, status in rows
            if order_id is not None
        }

    def hold_until(self, session: Session, target_id: int, until: datetime) -> datetime | None:
        """Keeps the unpaid order's stock until `until` (never less than it had)."""
        order = session.get(Order, target_id)
        if order is None or order.status != S.AWAITING_PAYMENT:
            return None
        current = _aware(order.expires_at)
        if until > current:
            order.expires_at = until
            session.add(order)
            session.flush()
        return max(until, current)

    def revive(self, session: Session, target_id: int) -> bool:
        """An expired order paid late: its stock is taken again if there is enough."""
        order = session.get(Order, target_id)
        if order is None or order.status != S.EXPIRED:
            return False
        items = session.exec(select(OrderItem).where(OrderItem.order_id == target_id)).all()
        try:
            with session.begin_nested():  # a shortfall gives back what was taken
                _take_stock(session, [(item.product_id, item.quantity) for item in items])
        except OrderError:
            return False
        result = session.exec(
            update(Order)
            .where(col(Order.id) == target_id, col(Order.status) == S.EXPIRED)
            .values(status=S.AWAITING_PAYMENT, updated_at=utcnow(), expires_at=utcnow())
        )
        if result.rowcount != 1:
            return False
        session.add(
            OrderEvent(
                order_id=target_id,
                from_status=S.EXPIRED,
                to_status=S.AWAITING_PAYMENT,
                note="paid after the hold ran out: stock taken again",
            )
        )
        session.refresh(order)
        return True


def _aware(moment: datetime) -> datetime:
    """A stored moment as aware UTC (SQLite returns naive datetimes)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


register_payable(PAYMENT_KIND, OrderPayable())


# --- the buyer's view ----------------------------------------------------------------------


def list_orders(*, session: Session, user_id: int, limit: int = 10) -> list[Order]:
    """The buyer's latest orders, newest first."""
    statement = select(Order).where(Order.buyer_id == user_id)
    return list(session.exec(statement.order_by(col(Order.id).desc()).limit(limit)))


def order_detail(
    *, session: Session, user_id: int, order_id: int | None = None, number: str | None = None
) -> OrderDetail | None:
    """One of the buyer's own orders; None for an unknown number or someone else's."""
    statement = select(Order).where(Order.buyer_id == user_id)
    if number is not None:
        statement = statement.where(Order.number == normalize_number(number))
    else:
        statement = statement.where(Order.id == order_id)
    order = session.exec(statement).first()
    if order is None:
        return None
    items = session.exec(
        select(OrderItem).where(OrderItem.order_id == order.id).order_by(col(OrderItem.id))
    ).all()
    events = session.exec(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(col(OrderEvent.id))
    ).all()
    return OrderDetail(order, list(items), list(events), order_route(session, order))
