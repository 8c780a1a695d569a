"""Figures for the operator's /stats: aggregate SQL only, never a loop over every order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.catalog.places import Village
from models.catalog.trees import season_end
from models.core.base import utcnow
from models.shop.orders import Order, OrderItem, OrderStatus
from models.shop.products import Product

SOLD = (OrderStatus.PAID, OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@dataclass(frozen=True)
class ProductSales:
    """Sold quantity and produce value of one product (names as the product has them now)."""

    product: Product
    quantity: int
    fen: int  # minor units of `currency`
    currency: str = "CNY"


@dataclass(frozen=True)
class VillageSales:
    """Produce sold from one village and its collective's share."""

    village: Village
    fen: int  # minor units of `currency`
    currency: str = "CNY"

    @property
    def collective_fen(self) -> int:
        """The collective's share at the village's percentage, rounded to the fen."""
        return (self.fen * self.village.collective_share_pct + 50) // 100


@dataclass(frozen=True)
class SeasonFigures:
    """Trees adopted and money raised in one season (filled by the adoption module)."""

    season: str
    trees: int
    fen: int  # minor units of `currency`
    currency: str = "CNY"


_LINE_TOTAL = func.sum(col(OrderItem.price_fen) * col(OrderItem.quantity))


def sales_by_product(*, session: Session) -> list[ProductSales]:
    """Quantity and value sold per product (and currency), best sellers first in each."""
    rows = session.exec(
        select(Product, OrderItem.currency, func.sum(col(OrderItem.quantity)), _LINE_TOTAL)
        .join(OrderItem, col(OrderItem.product_id) == col(Product.id))
        .join(Order, col(Order.id) == col(OrderItem.order_id))
        .where(col(Order.status).in_(SOLD))
        .group_by(col(Product.id), col(OrderItem.currency))
        .order_by(col(OrderItem.currency), _LINE_TOTAL.desc())
    )
    return [ProductSales(product, int(qty), int(fen), cur) for product, cur, qty, fen in rows]


def sales_by_village(*, session: Session) -> list[VillageSales]:
    """Produce value sold per village and currency, with the collective's share."""
    rows = session.exec(
        select(Village, OrderItem.currency, _LINE_TOTAL)
        .join(Product, col(Product.village_id) == col(Village.id))
        .join(OrderItem, col(OrderItem.product_id) == col(Product.id))
        .join(Order, col(Order.id) == col(OrderItem.order_id))
        .where(col(Order.status).in_(SOLD))
        .group_by(col(Village.id), col(OrderItem.currency))
        .order_by(col(Village.id), col(OrderItem.currency))
    )
    return [VillageSales(village, int(fen), cur) for village, cur, fen in rows]


def orders_by_status(*, session: Session) -> dict[str, int]:
    """How many orders stand in each status."""
    rows = session.exec(select(Order.status, func.count()).group_by(col(Order.status)))
    return {status: int(count) for status, count in rows}


def sales_per_day(
    *, session: Session, days: int = 30, today: date | None = None, currency: str = "CNY"
) -> list[tuple[date, int]]:
    """Produce value (subtotals) of paid orders in `currency` per UTC day of ordering, every
    day of the span."""
    last = today or utcnow().date()
    first = last - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
    day = func.date(col(Order.created_at))
    rows = session.exec(
        select(day, func.sum(col(Order.subtotal_fen)))
        .where(col(Order.status).in_(SOLD), col(Order.created_at) >= since)
        .where(col(Order.currency) == currency)
        .group_by(day)
    )
    totals = {str(d)[:10]: int(fen) for d, fen in rows}
    span = [first + timedelta(days=i) for i in range(days)]
    return [(d, totals.get(d.isoformat(), 0)) for d in span]


def _no_adoptions(session: Session) -> list[SeasonFigures]:
    """No adoption figures until the adoption module registers its query."""
    return []


# The adoption module replaces this with its own query (trees adopted and money per season).
adoption_figures: Callable[[Session], list[SeasonFigures]] = _no_adoptions


def adoptions_by_season(*, session: Session) -> list[SeasonFigures]:
    """Trees adopted and money raised per season (empty until adoption is merged)."""
    return adoption_figures(session)


def boxes_sold(*, session: Session, season: str) -> dict[int, int]:
    """village id -> boxes (order lines' quantities) of its products sold in this season.

    An order counts in the season it was placed in, as an adoption does in the one it was made
    in (`current_season`): after the previous season's end, up to this one's.
    """
    since, until = season_end(str(int(season) - 1)), season_end(season)
    rows = session.exec(
        select(Product.village_id, func.sum(col(OrderItem.quantity)))
        .join(OrderItem, col(OrderItem.product_id) == col(Product.id))
        .join(Order, col(Order.id) == col(OrderItem.order_id))
        .where(col(Order.status).in_(SOLD))
        .where(col(Order.created_at) > since, col(Order.created_at) <= until)
        .group_by(col(Product.village_id))
    )
    return {int(village): int(count) for village, count in rows}
