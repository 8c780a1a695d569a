"""Bulk seeding for the benchmark: many trees, and the festival-scale history (--scale)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from models.catalog.places import Farmer, Village
from models.catalog.trees import Species, Tree
from models.core.base import utcnow
from models.core.money import CNY
from models.core.payments import Payment
from models.core.user import User
from models.shop.orders import Order, OrderEvent, OrderItem
from models.shop.products import Product


def seed_trees(*, session: Session, count: int, prefix: str = "BENCH") -> list[int]:
    """Adds `count` free trees spread over the sample species, villages and farmers."""
    species = list(session.exec(select(Species.id).order_by(col(Species.id))).all())
    farmers = list(session.exec(select(Farmer.id, Farmer.village_id)).all())
    villages = set(session.exec(select(Village.id)).all())
    assert species and farmers and villages, "load the sample catalog first"
    rows = []
    for n in range(count):
        farmer_id, village_id = farmers[n % len(farmers)]
        rows.append(
            {
                "code": f"{prefix}-{n:06d}",
                "species_id": species[n % len(species)],
                "village_id": village_id,
                "farmer_id": farmer_id,
                "year_planted": 2010 + n % 10,
                "description_zh": "基准测试用的树。",
                "description_lo": "ຕົ້ນໄມ້ສຳລັບທົດສອບ.",
                "description_en": "A tree for the benchmark.",
                "price_fen": 30000 + (n % 5) * 1000,
                "harvest_kg": 10,
                "status": "available",
            }
        )
    for start in range(0, len(rows), 5000):
        session.execute(insert(Tree), rows[start : start + 5000])
    like = col(Tree.code).like(f"{prefix}-%")
    ids = session.exec(select(Tree.id).where(like).order_by(col(Tree.id))).all()
    return [tree_id for tree_id in ids if tree_id is not None]


ORDER_MIX = [  # (status, share in 100, the statuses it went through)
    ("delivered", 70, ["awaiting_payment", "paid", "packed", "shipped", "delivered"]),
    ("shipped", 10, ["awaiting_payment", "paid", "packed", "shipped"]),
    ("packed", 5, ["awaiting_payment", "paid", "packed"]),
    ("paid", 5, ["awaiting_payment", "paid"]),
    ("awaiting_payment", 3, ["awaiting_payment"]),
    ("cancelled", 4, ["awaiting_payment", "cancelled"]),
    ("expired", 3, ["awaiting_payment", "expired"]),
]
STATUS_BY_AGE = [(status, path) for status, share, path in ORDER_MIX for _ in range(share)]
ENDED = {"delivered", "cancelled", "expired"}


def status_of(n: int, orders: int) -> tuple[str, list[str]]:
    """The status of the n-th oldest order: open orders are the newest, as in a real shop."""
    open_share = sum(share for status, share, _ in ORDER_MIX if status not in ENDED)
    if n > orders * (100 - open_share) // 100:  # the newest: in the order of the mix
        share = (n * 100 // orders) - (100 - open_share)
        open_mix = [pair for pair in STATUS_BY_AGE if pair[0] not in ENDED]
        return open_mix[min(max(share, 0), len(open_mix) - 1)]
    ended = [pair for pair in STATUS_BY_AGE if pair[0] in ENDED]
    return ended[(n * 13) % len(ended)]


@dataclass(frozen=True)
class History:
    """What seed_history made, and whom to measure."""

    users: int
    orders: int
    items: int
    events: int
    payments: int
    heavy_buyer: int
    farmer_id: int


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> int:
    """Bulk-inserts rows in chunks (COPY on PostgreSQL); returns how many."""
    if rows and session.get_bind().dialect.name == "postgresql":
        return _copy(session, table, rows)
    for start in range(0, len(rows), 5000):
        session.execute(insert(table), rows[start : start + 5000])
    return len(rows)


def _copy(session: Session, table: Any, rows: list[dict[str, Any]]) -> int:
    """PostgreSQL's COPY: executemany of 400,000 rows takes minutes, COPY seconds."""
    columns = list(rows[0])
    names = ", ".join(f'"{column}"' for column in columns)
    raw: Any = session.connection().connection.dbapi_connection  # a psycopg Connection
    sql = f'COPY "{table.__tablename__}" ({names}) FROM STDIN'
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])
    return len(rows)


def seed_users(*, session: Session, count: int, first_id: int = 2_000_000) -> list[int]:
    """Adds `count` buyers with their languages spread over zh, lo and en."""
    now = utcnow()
    ids = [first_id + n for n in range(count)]
    rows: list[dict[str, Any]] = [
        {
            "id": user_id,
            "first_name": f"Buyer{n}",
            "language": ("zh", "lo", "en")[n % 3],
            "role": "buyer",
            "language_chosen": False,
            "blocked_bot": False,
            "created_at": now,
            "last_seen_at": now,
        }
        for n, user_id in enumerate(ids)
    ]
    _insert(session, User, rows)
    return ids


def seed_history(*, session: Session, trees: int, orders: int, users: int) -> History:
    """A festival's history: trees, buyers, orders with items, events and payments."""
    seed_trees(session=session, count=trees, prefix="SCALE")
    buyers = seed_users(session=session, count=users)
    heavy = buyers[0]  # a buyer with a long history: every 500th order is theirs
    # one village's currency per order, as checkout makes them: the yuan-priced produce
    priced_in_yuan = (
        select(Product.id, Product.farmer_id, Product.price_fen)
        .join(Village, col(Village.id) == col(Product.village_id))
        .where(col(Village.currency) == CNY)
    )
    products = list(session.exec(priced_in_yuan).all())
    start = utcnow() - timedelta(days=90)
    order_rows, items, events, payments = [], [], [], []
    for n in range(1, orders + 1):
        status, path = status_of(n, orders)
        created = start + timedelta(seconds=n * 77)
        lines = [products[(n + k) % len(products)] for k in range(1 + n % 3)]
        subtotal = sum(price for _, _, price in lines)
        order_rows.append(
            {
                "id": n,
                "number": f"SBD-{n:08d}",
                "buyer_id": heavy if n % 500 == 0 else buyers[n % len(buyers)],
                "source_key": f"scale-{n}",
                "status": status,
                "country": "CN" if n % 4 else "LA",
                "address": "湖南省湘西州花垣县双龙镇十八洞村 3 组 12 号",
                "phone": "+8613800138000",
                "weight_g": 5000,
                "subtotal_fen": subtotal,
                "shipping_fen": 1200,
                "total_fen": subtotal + 1200,
                "currency": CNY,  # COPY on PostgreSQL fills no default
                "created_at": created,
                "updated_at": created,
                "expires_at": created + timedelta(hours=24),
            }
        )
        items += [_item(n, product_id or 0, price) for product_id, _, price in lines]
        events += [_event(n, path, k, created) for k in range(len(path))]
        if status != "cancelled" and status != "expired":
            payments.append(_payment(n, order_rows[-1], paid=status != "awaiting_payment"))
    _insert(session, Order, order_rows)
    _insert(session, OrderItem, items)
    _insert(session, OrderEvent, events)
    _insert(session, Payment, payments)
    farmer = next(farmer_id for _, farmer_id, _ in products if farmer_id is not None)
    return History(users, orders, len(items), len(events), len(payments), heavy, farmer)


def _item(order_id: int, product_id: int, price: int) -> dict[str, Any]:
    """An order line."""
    return {
        "order_id": order_id,
        "product_id": product_id,
        "sku": f"P{product_id}",
        "name_zh": "猕猴桃",
        "name_lo": "ໝາກກີວີ",
        "name_en": "Kiwifruit",
        "unit_zh": "5 公斤箱",
        "unit_lo": "ກັບ 5 ກິໂລ",
        "unit_en": "5 kg box",
        "price_fen": price,
        "currency": CNY,
        "quantity": 1,
    }


def _event(order_id: int, path: list[str], k: int, created: datetime) -> dict[str, Any]:
    """The k-th status change along an order's path."""
    return {
        "order_id": order_id,
        "from_status": path[k - 1] if k else None,
        "to_status": path[k],
        "created_at": created + timedelta(hours=k),
    }


def _payment(n: int, order: dict[str, Any], paid: bool) -> dict[str, Any]:
    """The order's offline payment: paid, or waiting for an operator."""
    return {
        "reference": f"S{n:09d}",
        "kind": "order",
        "target_id": n,
        "user_id": order["buyer_id"],
        "amount_fen": order["total_fen"],
        "currency": "CNY",
        "method": "offline",
        "status": "paid" if paid else "pending",
        "created_at": order["created_at"],
        "paid_at": order["created_at"] if paid else None,
    }
