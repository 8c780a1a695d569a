"""Farmers: news with nobody to send it to says so before the first step; earnings in kip for
Lao farmers (older yuan income apart), and per month and per season."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col

from models.core.base import utcnow
from models.shop.orders import Order, OrderItem
from models.shop.packing import farmer_earnings
from tests.adoption_helpers import paid_adoption, tree_id
from tests.backoffice_helpers import bind_farmer, paid_order
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.test_farmer import KHAM, LONG
from tests.test_farmer_trees import SHI


def tr_month_lo(moment: datetime) -> str:
    """This month as Lao readers write it: the month's name spelled out, then the year."""
    names = [
        "ມັງກອນ",
        "ກຸມພາ",
        "ມີນາ",
        "ເມສາ",
        "ພຶດສະພາ",
        "ມິຖຸນາ",
        "ກໍລະກົດ",
        "ສິງຫາ",
        "ກັນຍາ",
        "ຕຸລາ",
        "ພະຈິກ",
        "ທັນວາ",
    ]
    local = moment.astimezone(ZoneInfo("Asia/Shanghai"))  # as farmer_earnings counts months
    return f"{names[local.month - 1]} {local.year}"


async def test_news_with_no_adopters_says_so_before_writing(bot: Harness) -> None:
    bind_farmer(bot.db, SHI.id, "SBD-SHI")
    calls = await bot.press(SHI, "FRM news")
    assert "Nobody has adopted your trees this season yet" in last_text(calls)
    assert not any("All my adopted trees" in label for label, _ in bot.buttons(SHI))
    calls = await bot.press(SHI, f"FRM news-tree {tree_id(bot.db, 'PEACH-0005')}")
    text = last_text(calls)
    assert "ℹ️ Nobody has adopted this tree this season" in text
    assert "What is new?" in text  # said on the first step of the news, before any writing


async def test_news_with_adopters_offers_all_trees_without_a_warning(
    bot: Harness, noy: TgUser
) -> None:
    bind_farmer(bot.db, SHI.id, "SBD-SHI")
    await bot.command(noy, "/start")
    paid_adoption(bot.db, noy.id, "PEACH-0001")
    calls = await bot.press(SHI, "FRM news")
    assert "Nobody has adopted" not in last_text(calls)
    assert any("All my adopted trees" in label for label, _ in bot.buttons(SHI))
    calls = await bot.press(SHI, f"FRM news-tree {tree_id(bot.db, 'PEACH-0001')}")
    assert "Nobody has adopted" not in last_text(calls)


async def test_lao_farmers_earnings_show_kip(bot: Harness, ann: TgUser) -> None:
    kham = bind_farmer(bot.db, KHAM.id, "PSV-KHAM", "lo")
    await bot.command(ann, "/start")
    paid_order(bot.db, ann.id, "COFFEE-500G", 2)  # 2 × 150,000 kip
    text = last_text(await bot.press(KHAM, "FRM earnings"))
    assert "ຍອດຂາຍຜະລິດຕະພັນ: 300.000 ກີບ" in text and "ຢວນ" not in text
    assert "ສ່ວນແບ່ງ" in text and "45.000 ກີບ" in text  # the collective's 15%, in kip
    month = tr_month_lo(utcnow())
    assert f"{month}: 300.000 ກີບ" in text and "." not in month  # spelled out, not ທ.ວ.
    # an order from before the village priced in kip stays in yuan, counted on its own
    old = paid_order(bot.db, ann.id, "COFFEE-500G", 1)
    with bot.db.session() as session:
        for table in (Order, OrderItem):
            key = Order.id if table is Order else OrderItem.order_id
            session.exec(update(table).where(col(key) == old.id).values(currency="CNY"))  # type: ignore[call-overload]
        session.exec(
            update(OrderItem).where(col(OrderItem.order_id) == old.id).values(price_fen=7500)  # type: ignore[call-overload]
        )
        session.commit()
    kip, yuan = bot.db.call(farmer_earnings, farmer_id=kham.id)
    assert (kip.currency, kip.total_fen, yuan.currency, yuan.total_fen) == (
        "LAK",
        300000,
        "CNY",
        7500,
    )
    text = last_text(await bot.press(KHAM, "FRM earnings"))
    assert "ຍອດຂາຍຜະລິດຕະພັນ: 300.000 ກີບ" in text  # never added to the yuan
    assert "ຍອດຂາຍຜະລິດຕະພັນ: 75 ຢວນ (≈ 225.000 ກີບ)" in text


async def test_earnings_per_month_and_per_season(bot: Harness, ann: TgUser, noy: TgUser) -> None:
    farmer = bind_farmer(bot.db, LONG.id, "SBD-LONG")
    await bot.command(ann, "/start")
    await bot.command(noy, "/start")
    old = paid_order(bot.db, ann.id, "KIWI-5KG", 1)  # ¥128, moved 62 days back
    paid_order(bot.db, ann.id, "KIWI-5KG", 2)  # ¥256, now
    paid_adoption(bot.db, noy.id, "PEACH-0004")  # Long's tree, this season
    back = utcnow() - timedelta(days=62)
    with bot.db.session() as session:
        session.exec(
            update(Order).where(col(Order.id) == old.id).values(created_at=back)  # type: ignore[call-overload]
        )
        session.commit()
    [result] = bot.db.call(farmer_earnings, farmer_id=farmer.id)
    months = dict(result.by_month)
    month = back.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")  # the farmer's month
    assert len(months) == 2 and months[month] == 12800
    assert sum(months.values()) == result.total_fen
    assert sum(fen for _, fen in result.by_season) == result.total_fen
    text = last_text(await bot.press(LONG, "FRM earnings"))
    assert "<b>By month</b>" in text and "<b>By season</b>" in text
    assert f"{back.year}" in text and "CN¥128.00" in text
