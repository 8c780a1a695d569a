"""Personal data in the shop, for /mydata, /deletemydata and the retention job.

Orders and the checkout draft hold address, phone, note and tracking number. An open order keeps
them, and its link to the buyer, until it is delivered (or cancelled or expired); the daily
retention job finishes the erasure then. Amounts, dates and items stay for the accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from models.privacy import ANONYMOUS, ANONYMOUS_ID, register_provider, row_dict
from models.shop.orders import Order, OrderEvent, OrderItem, OrderStatus
from models.shop.products import Cart, CartItem

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
        session.exec(delete(CartItem).where(col(CartItem.cart_id).in_(cart_ids)))
        session.exec(delete(Cart).where(col(Cart.user_id) == user_id))
        orders = session.exec(select(Order).where(Order.buyer_id == user_id)).all()
        done = [o.id for o in orders if o.status in FINISHED_ORDERS]
        _erase_orders(session, done)
        session.exec(update(Order).where(col(Order.id).in_(done)).values(buyer_id=ANONYMOUS_ID))
        session.exec(
            update(OrderEvent)
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
        update(Order)
        .where(col(Order.id).in_(order_ids))
        .values(address=ANONYMOUS, phone=ANONYMOUS, note=None, tracking_number=None)
    )
    session.exec(
        update(OrderEvent)
        .where(col(OrderEvent.order_id).in_(order_ids))
        .where(col(OrderEvent.to_status) == OrderStatus.SHIPPED)
        .values(note=None)  # carrier and tracking number
    )


register_provider("orders", _Orders())
