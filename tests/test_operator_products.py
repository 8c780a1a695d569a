"""The back office's products: stock, price and on sale, with bad input asked again."""

from __future__ import annotations

import pytest

from models.shop.backoffice import parse_stock, parse_yuan
from models.shop.products import products_in
from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import product


@pytest.fixture
def op() -> TgUser:
    """The operator, writing in English."""
    return TgUser(id=ADMIN_ID, first_name="Operator", language_code="en")


@pytest.mark.parametrize(
    ("raw", "fen"),
    [
        ("128", 12800),
        ("98.5", 9850),
        ("98,50", 9850),
        ("¥12.05", 1205),
        ("12元", 1200),
        ("0", None),
        ("0.00", None),
        ("-3", None),
        ("12.345", None),
        ("abc", None),
        ("", None),
        ("１２", None),
        ("99999999", None),
    ],
)
def test_parse_yuan(raw: str, fen: int | None) -> None:
    assert parse_yuan(raw) == fen


@pytest.mark.parametrize(
    ("raw", "stock"),
    [
        ("0", 0),
        ("25", 25),
        ("100000", 100000),
        ("100001", None),
        ("-1", None),
        ("2.5", None),
        ("x", None),
        ("٣", None),
    ],
)
def test_parse_stock(raw: str, stock: int | None) -> None:
    assert parse_stock(raw) == stock


async def test_operator_edits_stock_price_and_on_sale(bot: Harness, op: TgUser) -> None:
    kiwi = product(bot.db, "KIWI-5KG")
    await bot.command(op, "/ops")
    calls = await bot.tap(op, "Products")
    assert "Shibadong red-heart kiwifruit · 40 · CN¥128.00" in str(bot.buttons(op))
    calls = await bot.tap(op, "Shibadong red-heart kiwifruit")
    assert "In stock: 40" in last_text(calls) and "On sale: yes" in last_text(calls)
    await bot.tap(op, "Change stock")
    for bad in ("many", "+-5", "100001"):  # "-5" is a change now (tests/test_operator_tools.py)
        calls = await bot.text(op, bad)
        assert last_text(calls).startswith("That is not a whole number from 0 to 100,000,")
        assert "How many are in stock now?" in last_text(calls)
    calls = await bot.text(op, "25")
    assert "Stock set to 25." in last_text(calls) and "In stock: 25" in last_text(calls)
    await bot.tap(op, "Change price")
    calls = await bot.text(op, "0")
    assert last_text(calls).startswith("That is not a price")
    calls = await bot.text(op, "12.345")
    assert last_text(calls).startswith("That is not a price")
    await bot.text(op, "118.50")
    row = product(bot.db, "KIWI-5KG")
    assert (row.stock, row.price_fen) == (25, 11850)
    calls = await bot.tap(op, "Take off sale")
    assert "On sale: no" in last_text(calls)
    assert kiwi.id not in [p.id for p in bot.db.call(products_in, category="fruit")]
    await bot.tap(op, "Put on sale")
    assert product(bot.db, "KIWI-5KG").active
    assert kiwi.id in [p.id for p in bot.db.call(products_in, category="fruit")]


async def test_back_leaves_the_typed_step(bot: Harness, op: TgUser) -> None:
    kiwi = product(bot.db, "KIWI-5KG")
    await bot.press(op, f"OPP stock {kiwi.id}")
    calls = await bot.tap(op, "Back")
    assert "In stock: 40" in last_text(calls)
    await bot.text(op, "3")  # not an answer any more
    assert product(bot.db, "KIWI-5KG").stock == 40


async def test_a_lao_villages_price_is_typed_and_shown_in_kip(bot: Harness, op: TgUser) -> None:
    coffee = product(bot.db, "COFFEE-500G")
    await bot.command(op, "/ops")
    await bot.tap(op, "Products")
    assert "Oudomxai mountain coffee beans · 20 · LAK 150,000" in str(bot.buttons(op))
    calls = await bot.press(op, f"OPP price {coffee.id}")
    assert "Send the new price in kip, for example 150000." in last_text(calls)
    calls = await bot.text(op, "98.50")  # yuan, not kip
    assert last_text(calls).startswith("That is not a price: use whole kip")
    calls = await bot.text(op, "165.000")  # as Lao write it
    assert "Price set to LAK 165,000." in last_text(calls)
    assert product(bot.db, "COFFEE-500G").price_fen == 165000
