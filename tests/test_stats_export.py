"""/stats with its chart, and the orders CSV from the chat and from the command line."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import update
from sqlmodel import col

from bot.cli import cmd_export
from bot.config import Settings
from models.core.base import utcnow
from models.reporting.export import BOM, safe_cell
from models.reporting.stats import orders_by_status, sales_by_village, sales_per_day
from models.shop.orders import Order
from tests.backoffice_helpers import paid_order
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import ADDRESSES, order_now


def sample_sales(bot: Harness, ann: TgUser, noy: TgUser) -> None:
    """Two paid orders from two villages, one unpaid."""
    paid_order(bot.db, ann.id, "KIWI-5KG", 2)  # Shibadong, ¥256
    paid_order(bot.db, noy.id, "COFFEE-500G", 1, country="LA")  # Phonsavang, 150,000 kip
    order_now(bot.db, ann.id, "HONEY-500G")  # awaiting payment: not a sale


async def test_stats_text_and_chart(bot: Harness, admin: TgUser, ann: TgUser, noy: TgUser) -> None:
    await bot.command(ann, "/start")
    await bot.command(noy, "/start")
    sample_sales(bot, ann, noy)
    calls = await bot.command(admin, "/stats")
    text = next(c.params["text"] for c in calls if c.method == "sendMessage")
    assert "十八洞红心猕猴桃: 2 · ¥256.00" in text
    assert "十八洞村：¥256.00，村集体 18%：¥46.08" in text
    assert "蓬萨旺村：150,000基普，村集体 15%：22,500基普" in text  # kip, never added to yuan
    assert "乌多姆赛山地咖啡豆: 1 · 150,000基普" in text
    assert "💰 已付款: 2" in text and "⏳ 待付款: 1" in text
    photo = next(c for c in calls if c.method == "sendPhoto")
    png = photo.files["photo"][1]
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (1200, 700))
    assert photo.params["caption"] == "每日农产品销售额"


def test_sales_per_day_fills_every_day(bot: Harness, ann: TgUser, noy: TgUser) -> None:
    sample_sales(bot, ann, noy)
    old = paid_order(bot.db, ann.id, "TEA-250G")
    with bot.db.session() as session:
        session.exec(  # type: ignore[call-overload]
            update(Order)
            .where(col(Order.id) == old.id)
            .values(created_at=utcnow() - timedelta(days=3))
        )
        session.commit()
    days = bot.db.call(sales_per_day, days=30)
    assert len(days) == 30 and days[-1][0] == utcnow().date()
    assert days[-1][1] == 25600  # yuan only
    assert days[-4][1] == old.subtotal_fen
    assert sum(fen for _, fen in days) == 25600 + old.subtotal_fen
    kip = bot.db.call(sales_per_day, days=30, currency="LAK")
    assert kip[-1][1] == 150000 and sum(k for _, k in kip) == 150000
    assert bot.db.call(orders_by_status) == {"paid": 3, "awaiting_payment": 1}
    shares = {v.village.slug: v.collective_fen for v in bot.db.call(sales_by_village)}
    assert shares["shibadong"] == (25600 + old.subtotal_fen) * 18 // 100


def read_csv(content: bytes) -> list[list[str]]:
    """Parses an export (after checking its byte-order mark)."""
    assert content.startswith(BOM.encode("utf-8"))
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


async def test_export_orders_as_a_document(
    bot: Harness, admin: TgUser, li: TgUser, noy: TgUser
) -> None:
    await bot.command(noy, "/start")
    lao = paid_order(bot.db, noy.id, "RICE-5KG", 2, country="LA")
    order_now(bot.db, li.id, "HONEY-500G")
    calls = await bot.command(admin, "/export orders")
    document = next(c for c in calls if c.method == "sendDocument")
    name, content = document.files["document"][0], document.files["document"][1]
    assert name.startswith("orders-") and name.endswith(".csv")
    assert "电话" in document.params["caption"]
    rows = read_csv(content)
    assert rows[0][:2] == ["订单号", "状态"]  # the operator's language
    assert rows[0][5:9] == [
        "买家姓名（个人数据）",
        "电话（个人数据）",
        "地址（个人数据）",
        "备注（个人数据）",
    ]
    assert len(rows) == 3
    row = next(r for r in rows if r[0] == lao.number)
    assert row[5] == "ນ້ອຍ" and row[7] == ADDRESSES["LA"][0]
    assert row[9] == "RICE-5KG x2" and rows[0][10:14] == ["币种", "小计", "运费", "合计"]
    assert row[10:14] == ["LAK", "190000", "125000", "315000"]  # whole kip, as numbers
    assert lao.total_fen == 315000
    calls = await bot.command(admin, "/export trees")
    assert "orders" in last_text(calls)


def test_export_from_the_command_line(bot: Harness, li: TgUser, tmp_path: Path) -> None:
    order_now(bot.db, li.id, "TEA-250G")
    output = tmp_path / "orders.csv"
    args = argparse.Namespace(kind="orders", output=str(output))
    assert cmd_export(Settings(), bot.db, args) == 0
    rows = read_csv(output.read_bytes())
    assert rows[1][9] == "TEA-250G x1" and "湖南省" in rows[1][7]
    assert cmd_export(Settings(), bot.db, argparse.Namespace(kind="x", output="-")) == 2


def test_formulas_are_kept_as_text() -> None:
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert safe_cell("+8613800138000") == "'+8613800138000"  # numbers too (OWASP)
    assert safe_cell("ບ້ານໂພນໄຊ") == "ບ້ານໂພນໄຊ"


async def test_chart_counts_kip_sales_as_yuan_at_the_stated_rate(
    bot: Harness, admin: TgUser, ann: TgUser, noy: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: dict[str, Any] = {}

    def record(**chart: Any) -> bytes:
        drawn.update(chart)
        return b"\x89PNG"

    monkeypatch.setattr("handlers.backoffice.stats.render_bar_chart", record)
    await bot.command(ann, "/start")
    await bot.command(noy, "/start")
    sample_sales(bot, ann, noy)  # ¥256 and 150,000 kip today
    await bot.command(admin, "/stats")
    assert drawn["title"] == "最近 30 天每日农产品销售额（元；基普按 1 元 ≈ 3,000 基普折算）"
    assert drawn["bars"][-1][1] == 256 + 50  # the kip sale as its yuan estimate
