"""The operator's side of the shop: orders to ship with who bought them, and product edits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import bindparam, func, not_, or_, update
from sqlmodel import Session, col, select

from models.catalog.places import Farmer, Village
from models.core.payments import Payment
from models.core.user import User
from models.shop.orders import (
    PAYMENT_KIND,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    order_route,
)
from models.shop.products import Category, Product

TO_SHIP = (OrderStatus.PAID, OrderStatus.PACKED)
IN_TRANSIT = (OrderStatus.SHIPPED,)
MAX_STOCK = 100_000
MAX_PRICE_FEN = 10_000_000  # ¥100,000: a typo guard, not a business rule
MAX_PRICE_KIP = 300_000_000  # the same guard in kip
MAX_PRICE = max(MAX_PRICE_FEN, MAX_PRICE_KIP)  # in any currency's minor units
MAX_WEIGHT_G = 100_000
TRACKING = re.compile(r"^[A-Za-z0-9-]{6,40}$")
YUAN = re.compile(r"^\d{1,7}(\.\d{1,2})?$")
KIP = re.compile(r"^(\d{1,9}|\d{1,3}([.,\s]\d{3})+)$")  # 150000, 150.000 (Lao), 150,000


@dataclass(frozen=True)
class OperatorOrder:
    """An order as the post office sees it: items, buyer's display name, timeline."""

    order: Order
    items: list[OrderItem]
    buyer_name: str
    events: list[OrderEvent] = field(default_factory=list)
    route: tuple[str, str] | None = None  # (from, to) countries, for the delivery estimate


def _items_by_order(session: Session, order_ids: Sequence[int]) -> dict[int, list[OrderItem]]:
    """The items of several orders, in one query."""
    found: dict[int, list[OrderItem]] = {order_id: [] for order_id in order_ids}
    statement = select(OrderItem).where(col(OrderItem.order_id).in_(order_ids))
    for item in session.exec(statement.order_by(col(OrderItem.id))):
        found[item.order_id].append(item)
    return found


def _names(session: Session, user_ids: Sequence[int]) -> dict[int, str]:
    """Display names of several users, in one query."""
    users = session.exec(select(User).where(col(User.id).in_(user_ids)))
    return {user.id: user.display_name for user in users}


def _oldest(session: Session, statuses: Sequence[str], offset: int, limit: int) -> list[Order]:
    """One page of the oldest orders in `statuses`: one indexed (status, id) walk per status."""
    # With `status IN (...) ORDER BY id` SQLite walked the whole order history in id order
    # instead of the (status, id) index: 12 ms at 100,000 orders, against 1 ms this way.
    found: list[Order] = []
    for status in statuses:
        # A literal status (not a bound parameter) lets PostgreSQL prove the partial index
        # ix_shop_order_to_ship_id applies, also once psycopg has prepared the statement.
        is_status = col(Order.status) == bindparam(None, status, literal_execute=True)
        statement = select(Order).where(is_status).order_by(col(Order.id))
        found += session.exec(statement.limit(offset + limit)).all()
    return sorted(found, key=lambda order: order.id or 0)[offset : offset + limit]


def operator_orders(
    *, session: Session, statuses: Sequence[str], offset: int = 0, limit: int = 5
) -> tuple[list[OperatorOrder], int]:
    """One page of orders in `statuses`, oldest first, and how many there are in all."""
    where = col(Order.status).in_(list(statuses))
    total = session.exec(select(func.count()).select_from(Order).where(where)).one()
    orders = _oldest(session, statuses, offset, limit)
    ids = [o.id for o in orders if o.id is not None]
    items = _items_by_order(session, ids)
    names = _names(session, [o.buyer_id for o in orders])
    page = [
        OperatorOrder(o, items[o.id], names.get(o.buyer_id, "")) for o in orders if o.id is not None
    ]
    return page, int(total)


def operator_order(*, session: Session, order_id: int) -> OperatorOrder | None:
    """Any order with its items, buyer's name and timeline (for operators only)."""
    order = session.get(Order, order_id)
    if order is None or order.id is None:
        return None
    events = session.exec(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(col(OrderEvent.id))
    ).all()
    name = _names(session, [order.buyer_id]).get(order.buyer_id, "")
    items = _items_by_order(session, [order.id])[order.id]
    return OperatorOrder(order, items, name, list(events), order_route(session, order))


def valid_tracking(raw: str) -> str | None:
    """A tracking number of 6–40 letters, digits or dashes, upper-cased, without the spaces
    labels print in it ("SF 1234 5678 9012"); None if not one."""
    code = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    return code if TRACKING.match(code) else None


FOUND_AT_MOST = 10


def find_orders(*, session: Session, query: str) -> list[OperatorOrder]:
    """Orders matching an order number, a payment reference, or a buyer (Telegram id,
    @username or part of the name), newest first (for operators only)."""
    text = " ".join(unicodedata.normalize("NFKC", query).split())
    if not text:
        return []
    code = text.replace(" ", "").upper()
    ids: list[int] = list(session.exec(select(Order.id).where(Order.number == code)).all())  # type: ignore[arg-type]
    ids += session.exec(
        select(Payment.target_id).where(Payment.reference == code, Payment.kind == PAYMENT_KIND)
    ).all()
    buyers: list[int] = []
    if code.isdigit() and len(code) < 16:
        buyers.append(int(code))
    name = text.removeprefix("@").lower()
    if len(name) >= 2:
        pattern = f"%{name.replace('%', '').replace('_', '')}%"
        buyers += session.exec(
            select(User.id)
            .where(
                or_(
                    func.lower(col(User.username)) == name,
                    func.lower(
                        col(User.first_name) + " " + func.coalesce(col(User.last_name), "")
                    ).like(pattern),
                )
            )
            .limit(FOUND_AT_MOST)
        ).all()
    if buyers:
        ids += session.exec(
            select(Order.id)
            .where(col(Order.buyer_id).in_(buyers))
            .order_by(col(Order.id).desc())
            .limit(FOUND_AT_MOST)
        ).all()  # type: ignore[arg-type]
    unique = sorted({i for i in ids if i is not None}, reverse=True)[:FOUND_AT_MOST]
    found = [operator_order(session=session, order_id=order_id) for order_id in unique]
    return [entry for entry in found if entry is not None]


# --- products ------------------------------------------------------------------------------


def all_products(*, session: Session) -> list[tuple[Product, Village]]:
    """Every product, on sale or not, with its village."""
    statement = select(Product, Village).join(Village).order_by(col(Product.id))
    return [(product, village) for product, village in session.exec(statement)]


def get_product(*, session: Session, product_id: int) -> tuple[Product, Village] | None:
    """One product, on sale or not, with its village."""
    row = session.exec(
        select(Product, Village).join(Village).where(Product.id == product_id)
    ).first()
    return (row[0], row[1]) if row else None


def parse_stock(raw: str) -> int | None:
    """A whole number from 0 to 100,000; None if the text is not one."""
    text = raw.strip().replace(" ", "")
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    value = int(text)
    return value if value <= MAX_STOCK else None


def parse_yuan(raw: str) -> int | None:
    """Yuan with up to two decimals ("12", "12.5", "12,50", "¥12") in fen; None if not a price."""
    text = raw.strip().removeprefix("¥").removesuffix("元").strip().replace(",", ".")
    if not text.isascii() or not YUAN.match(text):
        return None
    try:
        fen = int(Decimal(text) * 100)
    except InvalidOperation:
        return None
    return fen if 0 < fen <= MAX_PRICE_FEN else None


def parse_kip(raw: str) -> int | None:
    """Whole kip ("150000", "150.000", "150,000 ກີບ", "₭150000"); None if not a price."""
    text = raw.strip().removeprefix("₭").removesuffix("ກີບ").strip()
    if not text.isascii() or not KIP.match(text):
        return None
    kip = int("".join(ch for ch in text if ch.isdigit()))
    return kip if 0 < kip <= MAX_PRICE_KIP else None


def parse_price(raw: str, currency: str) -> int | None:
    """A typed price in minor units of `currency` (yuan to fen, whole kip); None if not one."""
    return parse_kip(raw) if currency == "LAK" else parse_yuan(raw)


def _set(session: Session, product_id: int, **values: object) -> Product | None:
    """Updates one product's columns; returns it fresh, or None if there is no such product."""
    result = session.exec(update(Product).where(col(Product.id) == product_id).values(**values))
    if result.rowcount != 1:
        return None
    product = session.get_one(Product, product_id)
    session.refresh(product)
    return product


def parse_stock_change(raw: str) -> tuple[bool, int] | None:
    """(relative, number) from "25" (a count), "+10" or "-3" (a change); None if neither."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "").replace("−", "-")
    sign = text[:1]
    if sign in ("+", "-"):
        count = parse_stock(text[1:])
        if count is None or count == 0:
            return None
        return True, count if sign == "+" else -count
    stock = parse_stock(text)
    return None if stock is None else (False, stock)


def adjust_stock(*, session: Session, product_id: int, change: int) -> Product | None:
    """Adds `change` to the stock in one statement (two operators' changes both count);
    None if there is no such product, ValueError if the stock would leave 0..100,000."""
    result = session.exec(
        update(Product)
        .where(col(Product.id) == product_id)
        .where((col(Product.stock) + change).between(0, MAX_STOCK))
        .values(stock=col(Product.stock) + change)
    )
    product = session.get(Product, product_id)
    if product is None:
        return None
    session.refresh(product)
    if result.rowcount != 1:
        raise ValueError(product.stock)
    return product


def set_stock(*, session: Session, product_id: int, stock: int) -> Product | None:
    """Sets how many are on the shelf (what the operator counted)."""
    if not 0 <= stock <= MAX_STOCK:
        raise ValueError(stock)
    return _set(session, product_id, stock=stock)


def set_price(*, session: Session, product_id: int, price_fen: int) -> Product | None:
    """Sets the price for new orders; orders already placed keep theirs."""
    if not 0 < price_fen <= MAX_PRICE:
        raise ValueError(price_fen)
    return _set(session, product_id, price_fen=price_fen)


def toggle_on_sale(*, session: Session, product_id: int) -> Product | None:
    """Puts a product on sale or takes it off, in one statement (two taps cannot cross)."""
    return _set(session, product_id, active=not_(col(Product.active)))


def village_farmers(*, session: Session, village_id: int) -> list[Farmer]:
    """The farmers of a village, in a stable order."""
    statement = select(Farmer).where(Farmer.village_id == village_id).order_by(col(Farmer.id))
    return list(session.exec(statement))


def new_sku(session: Session, english_name: str) -> str:
    """A free SKU made from the English name ("Wild honey" → WILD-HONEY, then WILD-HONEY-2)."""
    words = re.findall(r"[A-Z0-9]+", unicodedata.normalize("NFKD", english_name).upper())
    base = "-".join(words)[:30].strip("-") or "PRODUCT"
    taken = set(session.exec(select(Product.sku).where(col(Product.sku).like(f"{base}%"))).all())
    sku, n = base, 1
    while sku in taken:
        n += 1
        sku = f"{base}-{n}"
    return sku


def add_product(
    *,
    session: Session,
    village_id: int,
    farmer_id: int | None,
    category: str,
    names: dict[str, str],
    units: dict[str, str],
    descriptions: dict[str, str],
    price_fen: int,
    weight_g: int,
    stock: int,
    photo: str | None = None,
) -> Product:
    """Adds a product to the shop, on sale at once; its SKU is made from the English name.
    `photo` is a Telegram file_id, as `/photo SKU` stores it."""
    if category not in set(Category) or not 0 < price_fen <= MAX_PRICE:
        raise ValueError(category, price_fen)
    if not 0 <= stock <= MAX_STOCK or not 0 < weight_g <= MAX_WEIGHT_G:
        raise ValueError(stock, weight_g)
    farmer = session.get(Farmer, farmer_id) if farmer_id else None
    if session.get(Village, village_id) is None or (farmer_id and farmer is None):
        raise ValueError(village_id, farmer_id)
    texts = {
        f"{field}_{lang}": value
        for field, values in (("name", names), ("unit", units), ("description", descriptions))
        for lang, value in values.items()
    }
    product = Product(
        sku=new_sku(session, names.get("en", "")),
        name_zh=names["zh"],
        category=category,
        village_id=village_id,
        farmer_id=farmer.id if farmer else None,
        price_fen=price_fen,
        weight_g=weight_g,
        stock=stock,
        photo=photo,
    )
    for name, value in texts.items():
        setattr(product, name, value)
    session.add(product)
    session.flush()
    return product


def parse_weight(raw: str) -> int | None:
    """Grams from "500", "500 g", "1.3 kg" or "1,3kg"; None if not a weight up to 100 kg."""
    text = unicodedata.normalize("NFKC", raw).strip().lower().replace(" ", "").replace(",", ".")
    factor = 1
    for suffix, times in (("kg", 1000), ("公斤", 1000), ("ກິໂລ", 1000), ("g", 1), ("克", 1)):
        if text.endswith(suffix):
            text, factor = text.removesuffix(suffix), times
            break
    if not re.fullmatch(r"\d{1,6}(\.\d{1,3})?", text):
        return None
    grams = int(Decimal(text) * factor)
    return grams if 0 < grams <= MAX_WEIGHT_G else None
