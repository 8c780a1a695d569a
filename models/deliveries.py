"""The buyer's last delivery details, so the next checkout or adoption need not ask them again.

Orders and adoptions both hold an address and a phone number (an adoption also the name of
the parcel's recipient; an order carries the name inside its address). The newest one to the
same country that still has its details (not erased by /deletemydata or the retention job) is
offered with one tap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models.adoption.adoptions import Adoption
from models.privacy import ANONYMOUS
from models.shop.orders import Order


@dataclass(frozen=True)
class Delivery:
    """Where a parcel went: address, recipient's name ("" when in the address) and phone."""

    address: str
    recipient: str
    phone: str
    at: datetime


def _usable(address: str, phone: str) -> bool:
    """Whether the details are still there (not erased, not left empty)."""
    return bool(address and phone) and ANONYMOUS not in (address, phone)


def last_delivery(*, session: Session, user_id: int, country: str) -> Delivery | None:
    """The newest address, recipient and phone the user gave for this country, if any."""
    found: list[Delivery] = []
    order = session.exec(
        select(Order)
        .where(Order.buyer_id == user_id, Order.country == country)
        .where(col(Order.address) != ANONYMOUS, col(Order.phone) != ANONYMOUS)
        .order_by(col(Order.created_at).desc(), col(Order.id).desc())
        .limit(1)
    ).first()
    if order is not None and _usable(order.address, order.phone):
        found.append(Delivery(order.address, "", order.phone, order.created_at))
    adoption = session.exec(
        select(Adoption)
        .where(Adoption.user_id == user_id, Adoption.country == country)
        .where(col(Adoption.address) != ANONYMOUS, col(Adoption.phone) != ANONYMOUS)
        .order_by(col(Adoption.created_at).desc(), col(Adoption.id).desc())
        .limit(1)
    ).first()
    if adoption is not None and _usable(adoption.address, adoption.phone):
        recipient = "" if adoption.recipient == ANONYMOUS else adoption.recipient
        found.append(Delivery(adoption.address, recipient, adoption.phone, adoption.created_at))
    return max(found, key=lambda delivery: delivery.at, default=None)
