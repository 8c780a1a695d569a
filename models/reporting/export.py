"""CSV exports for operators: UTF-8 with a byte-order mark so spreadsheets read Chinese and Lao.

Columns holding personal data (names, phones, addresses) are marked "(personal data)" in the
header row, so whoever opens the file sees it at once while the file stays one plain table.
Every cell that a spreadsheet would run as a formula starts with an apostrophe (`safe_cell`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, col, select

from models.core.money import MINOR_DIGITS, major
from models.core.user import User
from models.shop.orders import Order, OrderItem

BOM = "\ufeff"
PERSONAL = " (personal data)"
ORDER_COLUMNS = [
    "number",
    "status",
    "created_utc",
    "country",
    "buyer_id",
    "buyer_name" + PERSONAL,
    "phone" + PERSONAL,
    "address" + PERSONAL,
    "note" + PERSONAL,
    "items",
    "currency",
    "subtotal",
    "shipping",
    "total",
    "carrier",
    "tracking_number",
]
BATCH = 500


def _same(value: str) -> str:
    """A code as it is stored."""
    return value


@dataclass(frozen=True)
class Labels:
    """How an export names its columns and values for its reader; by default, as stored.

    An operator's export is in their language (handlers build these from the catalogs); the
    command line keeps the codes, for scripts.
    """

    column: Callable[[str], str] = _same  # "phone" → "电话"
    personal: Callable[[str], str] = field(default=lambda name: name + PERSONAL)
    status: Callable[[str], str] = _same  # "shipped" → "已发货"
    carrier: Callable[[str], str] = _same  # "china_post" → "中国邮政"


def header(columns: Sequence[str], labels: Labels) -> list[str]:
    """The header row: each column's label, personal-data columns marked."""
    names = []
    for column in columns:
        code = column.removesuffix(PERSONAL)
        name = labels.column(code)
        names.append(labels.personal(name) if column.endswith(PERSONAL) else name)
    return names


def amount(value: int, currency: str) -> str:
    """Minor units as a plain decimal of the main unit that spreadsheets read as a number:
    "128.00" yuan, "150000" kip (the currency is in its own column)."""
    return str(major(value, currency).quantize(Decimal(1).scaleb(-MINOR_DIGITS[currency])))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list for CSV injection


def safe_cell(value: object) -> object:
    """Text a spreadsheet would read as a formula or a number kept as text, per OWASP.

    A cell starting with = + - @, a tab or a carriage return gets a leading apostrophe, numbers
    included: a phone number +8613912345678 stays text (and keeps its +), and "-1+1" is not
    computed. Numbers the bot writes itself (ids, amounts) never start with these.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file in UTF-8 with a byte-order mark and CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def _order_rows(session: Session, labels: Labels) -> Iterable[list[object]]:
    """Every order as a row, read in batches (three queries a batch)."""
    last_id = 0
    while True:
        orders = list(
            session.exec(
                select(Order).where(col(Order.id) > last_id).order_by(col(Order.id)).limit(BATCH)
            )
        )
        if not orders:
            return
        last_id = orders[-1].id or last_id
        ids = [o.id for o in orders]
        items: dict[int, list[str]] = {}
        for item in session.exec(
            select(OrderItem).where(col(OrderItem.order_id).in_(ids)).order_by(col(OrderItem.id))
        ):
            items.setdefault(item.order_id, []).append(f"{item.sku} x{item.quantity}")
        buyers = {o.buyer_id for o in orders}
        names = {
            u.id: u.display_name for u in session.exec(select(User).where(col(User.id).in_(buyers)))
        }
        for o in orders:
            yield [
                o.number,
                labels.status(o.status),
                o.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                o.country,
                o.buyer_id,
                names.get(o.buyer_id, ""),
                o.phone,
                o.address,
                o.note or "",
                "; ".join(items.get(o.id or 0, [])),
                o.currency,
                amount(o.subtotal_fen, o.currency),
                amount(o.shipping_fen, o.currency),
                amount(o.total_fen, o.currency),
                labels.carrier(o.carrier) if o.carrier else "",
                o.tracking_number or "",
            ]


def orders_csv(*, session: Session, labels: Labels | None = None) -> bytes:
    """Every order, one row each, with its items and the buyer's contact details."""
    labels = labels or Labels()
    return to_csv(header(ORDER_COLUMNS, labels), _order_rows(session, labels))


# Export name → domain function. The adoption module adds "adoptions" when it is merged.
EXPORTS: dict[str, Callable[..., bytes]] = {"orders": orders_csv}
