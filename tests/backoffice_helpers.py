"""Shortcuts for back-office tests: paid orders, mixed orders, farmers bound to accounts."""

from __future__ import annotations

from sqlmodel import select

from bot.db import Database
from models.catalog.places import Farmer
from models.core.payments import PaymentMethod, confirm_offline_payment, open_payment
from models.core.roles import create_farmer_invite, redeem_farmer_invite
from models.shop.orders import Order, place_order
from models.shop.products import add_to_cart
from tests.conftest import ADMIN_ID
from tests.shop_helpers import RATES, buyer, order_now, product, ready_cart


def pay(db: Database, order: Order) -> None:
    """Opens and confirms an offline payment for the order."""
    payment = db.call(
        open_payment,
        kind="order",
        target_id=order.id,
        user_id=order.buyer_id,
        method=PaymentMethod.OFFLINE,
    )
    db.call(confirm_offline_payment, reference=payment.reference, operator_id=ADMIN_ID)


def paid_order(
    db: Database, user_id: int, sku: str, quantity: int = 1, country: str = "CN"
) -> Order:
    """A placed and paid order of one product."""
    order = order_now(db, user_id, sku, quantity, country)
    pay(db, order)
    return order


def paid_mixed_order(db: Database, user_id: int, skus: list[str], country: str = "CN") -> Order:
    """A placed and paid order of one of each product."""
    for sku in skus[1:]:
        db.call(add_to_cart, user_id=user_id, product_id=product(db, sku).id)
    version = ready_cart(db, user_id, skus[0], 1, country)
    order = db.call(
        place_order, user_id=user_id, version=version, rates=RATES, expiry_minutes=60
    ).order
    pay(db, order)
    return order


def bind_farmer(db: Database, telegram_id: int, code: str, language: str = "en") -> Farmer:
    """Binds a Telegram account to the farmer with this code, as the invite link does."""
    buyer(db, telegram_id, language)
    with db.session() as session:
        farmer = session.exec(select(Farmer).where(Farmer.code == code)).one()
    invite = db.call(create_farmer_invite, farmer_id=farmer.id, created_by=ADMIN_ID)
    bound, _ = db.call(redeem_farmer_invite, token=invite.token, telegram_id=telegram_id)
    return bound


def status_of(db: Database, order: Order) -> str:
    """The order's stored status."""
    with db.session() as session:
        return session.get_one(Order, order.id).status
