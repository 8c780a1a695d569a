"""Words a local reader expects outside the catalogs (issue 15): carriers named in the reader's
language, cart buttons with words, chart days and CSV exports in the operator's language."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlmodel import col, update

import handlers.backoffice.stats as stats_handlers
from bot.i18n import translator
from models.shop.carriers import carrier_name
from models.shop.orders import Order
from tests.adoption_helpers import paid_adoption
from tests.backoffice_helpers import bind_farmer, paid_order
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import buyer, ready_cart
from tests.test_stats_export import read_csv


def test_listed_carriers_have_a_name_per_language_and_old_rows_still_map() -> None:
    assert [carrier_name("china_post", lang) for lang in ("zh", "lo", "en")] == [
        "中国邮政",
        "ໄປສະນີຈີນ",
        "China Post",
    ]
    assert carrier_name("sf_express", "zh") == "顺丰速运"
    assert carrier_name("Lao Post", "lo") == "ໄປສະນີລາວ"  # stored before the codes
    assert carrier_name("Lao Express", "zh") == "Lao Express"  # typed in: shown as typed


async def test_the_chinese_buyer_reads_the_chinese_carrier_name_on_the_order(
    bot: Harness, li: TgUser
) -> None:
    order = paid_order(bot.db, li.id, "HONEY-500G")
    with bot.db.session() as session:
        values = {"status": "shipped", "carrier": "china_post", "tracking_number": "EA1234567CN"}
        session.exec(update(Order).where(col(Order.id) == order.id).values(**values))  # type: ignore[call-overload]
        session.commit()
    text = last_text(await bot.command(li, f"/track {order.number}"))
    assert "中国邮政" in text and "china_post" not in text


async def test_cart_buttons_say_what_they_do_in_lao(bot: Harness, noy: TgUser) -> None:
    buyer(bot.db, noy.id, "lo")
    ready_cart(bot.db, noy.id, "KIWI-5KG")
    await bot.command(noy, "/cart")
    labels = [text for text, _ in bot.buttons(noy)]
    assert {"➖ ຫຼຸດລົງ", "➕ ເພີ່ມອີກ", "🗑 ເອົາອອກ", "🔢 ຈັກອັນ? 1–10"} <= set(labels)
    calls = await bot.tap(noy, "➖ ຫຼຸດລົງ")
    assert "“ເອົາອອກ”" in last_text(calls)  # the hint names the button by its word


@pytest.mark.parametrize(
    ("language_code", "label"), [("zh-CN", "12月1日"), ("lo", "1/12"), ("en", "Dec 1")]
)
async def test_chart_days_are_written_the_viewer_s_way(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, language_code: str, label: str
) -> None:
    drawn: dict[str, Any] = {}

    def capture(**chart: Any) -> bytes:
        drawn.update(chart)
        return b"png"

    monkeypatch.setattr(stats_handlers, "render_bar_chart", capture)
    await bot.command(TgUser(id=7000, first_name="Op", language_code=language_code), "/stats")
    labels = [day for day, _ in drawn["bars"]]
    assert len(labels) == stats_handlers.CHART_DAYS
    dec_1 = translator({"zh-CN": "zh"}.get(language_code, language_code)).short_day
    assert dec_1(date(2026, 12, 1)) == label
    assert all("-" not in day for day in labels)  # not the fixed %m-%d


async def test_orders_export_is_in_the_operator_s_language(
    bot: Harness, admin: TgUser, noy: TgUser
) -> None:
    order = paid_order(bot.db, noy.id, "RICE-5KG", country="LA")
    with bot.db.session() as session:
        values = {"status": "shipped", "carrier": "lao_post", "tracking_number": "LA123456789CN"}
        session.exec(update(Order).where(col(Order.id) == order.id).values(**values))  # type: ignore[call-overload]
        session.commit()
    lao_operator = TgUser(id=admin.id, first_name="Op", language_code="lo")
    calls = await bot.command(lao_operator, "/export orders")
    document = next(c for c in calls if c.method == "sendDocument")
    rows = read_csv(document.files["document"][1])
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["ເລກອໍເດີ"] == order.number
    assert row["ສະຖານະ"] == "ສົ່ງອອກແລ້ວ" and row["ບໍລິສັດຂົນສົ່ງ"] == "ໄປສະນີລາວ"
    assert row["ເບີໂທ (ຂໍ້ມູນສ່ວນຕົວ)"].startswith("'+856")


async def test_chinese_screens_use_chinese_punctuation(bot: Harness, li: TgUser) -> None:
    order = paid_order(bot.db, li.id, "KIWI-5KG")
    text = last_text(await bot.command(li, f"/track {order.number}"))
    assert "（" in text and "）" in text  # 猕猴桃（5公斤箱）
    assert not re.search(r"[\u4e00-\u9fff]\s?\(|\)\s?[\u4e00-\u9fff]", text)
    assert " — " not in text
    text = last_text(await bot.command(li, "/help"))
    assert "/start：主菜单" in text and " — " not in text


async def test_a_lao_adopter_sees_the_nickname_in_lao_quotation_marks(
    bot: Harness, noy: TgUser
) -> None:
    await bot.command(noy, "/start")
    paid_adoption(bot.db, noy.id, "PEACH-0001", nickname="ນ້ອຍ")
    text = last_text(await bot.command(noy, "/mytrees"))
    assert "“ນ້ອຍ”" in text and "«" not in text and " — " not in text


async def test_my_trees_is_the_adopter_s_trees_in_the_menu_and_the_farmer_s_own_in_theirs(
    bot: Harness, li: TgUser
) -> None:
    bind_farmer(bot.db, li.id, "SBD-SHI", "zh")
    await bot.command(li, "/start")
    assert "🍑 我认养的树" in [label for label, _ in bot.buttons(li)]  # the trees li adopted
    await bot.command(li, "/farmer")
    labels = [label for label, _ in bot.buttons(li)]
    assert "🌳 我的树" in labels and "🌳 我认养的树" not in labels
    lao_farmer = TgUser(id=2030, first_name="Kham", language_code="lo")
    bind_farmer(bot.db, lao_farmer.id, "PSV-KHAM", "lo")
    await bot.command(lao_farmer, "/farmer")
    assert "🌳 ຕົ້ນໄມ້ຂອງຂ້ອຍ" in [label for label, _ in bot.buttons(lao_farmer)]
    text = last_text(await bot.command(lao_farmer, "/mytrees"))
    assert "ຕົ້ນໄມ້ທີ່ຂ້ອຍຮັບລ້ຽງ" in text or "ທ່ານຍັງບໍ່ໄດ້ຮັບລ້ຽງ" in text
