"""The back office's work queues: orders to ship, and a farmer's paid orders to pack."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models.orders import Order, OrderItem, OrderStatus
from models.shop import Product


def orders_to_ship(*, session: Session, limit: int = 20) -> list[Order]:
    """Paid or packed orders, oldest first: what the post office ships next."""
    statement = (
        select(Order)
        .where(col(Order.status).in_([OrderStatus.PAID, OrderStatus.PACKED]))
        .order_by(col(Order.id))
        .limit(limit)
    )
    return list(session.exec(statement))


def farmer_open_orders(*, session: Session, farmer_id: int, limit: int = 20) -> list[Order]:
    """Paid orders holding this farmer's produce, oldest first: what the farmer packs next."""
    theirs = (
        select(OrderItem.id)
        .join(Product, col(Product.id) == col(OrderItem.product_id))
        .where(OrderItem.order_id == Order.id, Product.farmer_id == farmer_id)
    )
    statement = (
        select(Order)
        .where(Order.status == OrderStatus.PAID, theirs.exists())
        .order_by(col(Order.id))
        .limit(limit)
    )
    return list(session.exec(statement))
