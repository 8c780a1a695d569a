"""Tracking numbers with a tap-to-open tracking page (EMS, China Post, SF with the number in it;
Lao Post's site, where the number is typed; a carrier typed in: the number alone), and the
delivery estimate of each route from the shipping table."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import Settings
from bot.notify import deliver_pending
from models.shop.carriers import tracking_url
from models.shop.orders import Order
from models.shop.products import add_to_cart
from models.shop.shipping import Rate, delivery_days, parse_rates
from tests.adoption_helpers import paid_adoption
from tests.backoffice_helpers import paid_order
from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import ADDRESSES, product, ready_cart

OP = TgUser(id=ADMIN_ID, first_name="Operator", language_code="en")
CARRIER_BUTTON = {"ems": 0, "china_post": 1, "sf_express": 2, "lao_post": 3}
SF_URL = "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890"
EMS_URL = "https://www.ems.com.cn/queryList?mailNum=EA123456789CN"


def url_buttons(markup: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(text, url) of the URL buttons of an inline keyboard."""
    rows = (markup or {}).get("inline_keyboard", [])
    return [(b["text"], b["url"]) for row in rows for b in row if "url" in b]


async def ship(bot: Harness, order: Order, carrier: str, number: str) -> None:
    """The operator packs and ships the order with a listed carrier."""
    await bot.press(OP, f"OPO pack {order.id}")
    await bot.press(OP, f"OPO ship {order.id}")
    await bot.press(OP, f"OPO carrier {CARRIER_BUTTON[carrier]}")
    await bot.text(OP, number)


async def shipped_notice(bot: Harness, user: TgUser) -> dict[str, Any]:
    """The shipped notification the buyer got from the outbox (after paid and packed)."""
    bot.api.clear()
    await deliver_pending(bot.app)
    sent = [c.params for c in bot.api.sent("sendMessage") if c.params["chat_id"] == user.id]
    [shipped] = [params for params in sent if "<code>" in params["text"]]
    return shipped


async def test_sf_parcel_within_china_has_its_page_and_estimate_in_chinese(
    bot: Harness, li: TgUser
) -> None:
    await bot.command(li, "/start")
    order = paid_order(bot.db, li.id, "HONEY-500G")
    await ship(bot, order, "sf_express", "SF 1234 5678 90")
    sent = await shipped_notice(bot, li)
    assert "<code>SF1234567890</code>" in sent["text"] and "顺丰速运" in sent["text"]
    assert "预计约 2–4 天送达" in sent["text"]  # Shibadong (China) to China: CN>CN@2-4
    assert url_buttons(sent["reply_markup"]) == [("🔎 查询物流", SF_URL)]
    # the order's screen, from /orders and from /track, has the same button
    await bot.command(li, "/orders")
    await bot.tap(li, order.number)
    assert ("🔎 查询物流", SF_URL) in bot.buttons(li)
    await bot.command(li, f"/track {order.number}")
    assert ("🔎 查询物流", SF_URL) in bot.buttons(li)


async def test_ems_parcel_to_laos_in_english(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    order = paid_order(bot.db, ann.id, "KIWI-5KG", country="LA")
    await ship(bot, order, "ems", "ea123456789cn")
    sent = await shipped_notice(bot, ann)
    assert "Delivery in about 5–10 days." in sent["text"]  # China to Laos: CN>LA@5-10
    assert url_buttons(sent["reply_markup"]) == [("🔎 Track parcel", EMS_URL)]
    assert "View order" in str(sent["reply_markup"])


async def test_lao_post_opens_its_site_and_the_number_is_there_to_copy_in_lao(
    bot: Harness, noy: TgUser
) -> None:
    await bot.command(noy, "/start")
    order = paid_order(bot.db, noy.id, "COFFEE-500G", country="LA")  # a Lao village's coffee
    await ship(bot, order, "lao_post", "LA123456789LA")
    sent = await shipped_notice(bot, noy)
    assert "<code>LA123456789LA</code>" in sent["text"] and "ໄປສະນີລາວ" in sent["text"]
    assert "ຈະຮອດພາຍໃນປະມານ 2–5 ມື້" in sent["text"]  # within Laos: LA>LA@2-5
    assert url_buttons(sent["reply_markup"]) == [("🔎 ຕິດຕາມພັດສະດຸ", "https://www.laopost.com.la/")]
    await bot.command(noy, f"/track {order.number}")
    assert "<code>LA123456789LA</code>" in last_text(bot.api.calls)
    assert ("🔎 ຕິດຕາມພັດສະດຸ", "https://www.laopost.com.la/") in bot.buttons(noy)


async def test_a_carrier_typed_in_shows_only_the_number(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    order = paid_order(bot.db, ann.id, "HONEY-500G")
    await bot.press(OP, f"OPO pack {order.id}")
    await bot.press(OP, f"OPO ship {order.id}")
    await bot.press(OP, "OPO carrier other")
    await bot.text(OP, "YTO <Express>")
    await bot.text(OP, "YT1234567")
    sent = await shipped_notice(bot, ann)
    assert "YTO &lt;Express&gt;" in sent["text"] and url_buttons(sent["reply_markup"]) == []


async def test_the_adopter_s_harvest_parcel_has_its_page_in_lao(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start")
    adoption = paid_adoption(bot.db, noy.id, "PEACH-0001")
    await bot.press(OP, f"OPH ship {adoption.id}")
    await bot.press(OP, "OPH carrier 0")
    await bot.text(OP, "EA123456789CN")
    sent = await shipped_notice(bot, noy)
    assert "<code>EA123456789CN</code>" in sent["text"]
    assert "ຈະຮອດພາຍໃນປະມານ 5–10 ມື້" in sent["text"]  # a Chinese tree's harvest to Laos
    assert url_buttons(sent["reply_markup"]) == [("🔎 ຕິດຕາມພັດສະດຸ", EMS_URL)]


async def test_the_checkout_review_gives_each_village_s_estimate(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    bot.db.call(add_to_cart, user_id=ann.id, product_id=product(bot.db, "HONEY-500G").id)
    ready_cart(bot.db, ann.id, "COFFEE-500G", country="LA")
    await bot.command(ann, "/cart")
    await bot.tap(ann, "Check out")
    await bot.tap(ann, "Laos")
    await bot.tap(ann, "I agree")
    await bot.text(ann, ADDRESSES["LA"][0] + ", Ann")
    await bot.text(ann, ADDRESSES["LA"][1])
    summary = last_text(await bot.tap(ann, "Skip"))
    # two orders: Shibadong (China) to Laos, then Phonsavang (Laos) to Laos
    first, second = summary.split("Delivery in about ")[1:3]
    assert first.startswith("5–10 days.") and second.startswith("2–5 days.")


async def test_the_checkout_review_in_chinese(bot: Harness, li: TgUser) -> None:
    await bot.command(li, "/start")
    ready_cart(bot.db, li.id, "HONEY-500G")
    await bot.command(li, "/cart")
    await bot.tap(li, "结算")
    await bot.tap(li, "中国")
    await bot.tap(li, "我同意")
    await bot.text(li, "湖南省长沙市岳麓区麓山南路 1 号 李娜")
    await bot.text(li, "138 0013 8000")
    summary = last_text(await bot.tap(li, "跳过"))
    assert "预计约 2–4 天送达。" in summary


def test_rates_take_days_and_stay_backward_compatible() -> None:
    assert parse_rates("CN>CN:1000+500@2-4,LA:4000+1500@7") == (
        Rate("CN", 1000, 500, "CN", days=(2, 4)),
        Rate("LA", 4000, 1500, "CN", days=(7, 7)),
    )
    assert parse_rates("CN>CN:1000+500") == (Rate("CN", 1000, 500, "CN"),)
    for bad in ("CN>CN:1000+500@", "CN>CN:1000+500@4-2", "CN>CN:1000+500@0", "CN:1+2@a-b"):
        with pytest.raises(ValueError, match="days"):
            parse_rates(bad)
    # a setting written before the days keeps each route's usual estimate
    raw = {"SHIPPING_RATES": "CN>CN:1000+500,LA>CN:4000+1500@3-6"}
    rates = Settings.from_env(raw, env_file=None).shipping_rates
    assert delivery_days(country="CN", rates=rates, origin="CN") == (2, 4)
    assert delivery_days(country="CN", rates=rates, origin="LA") == (3, 6)
    assert delivery_days(country="LA", rates=rates, origin="LA") is None  # not a route here


def test_tracking_pages_escape_the_number() -> None:
    assert tracking_url("sf_express", "SF1/2?x") == (
        "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1%2F2%3Fx"
    )
    assert tracking_url("China Post", "RR1") == "https://www.ems.com.cn/queryList?mailNum=RR1"
    assert tracking_url("lao_post", "LA1") == "https://www.laopost.com.la/"  # typed in there
    assert tracking_url("YTO", "1") is None and tracking_url("ems", None) is None


async def test_the_operator_s_order_screen_has_the_track_button(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    order = paid_order(bot.db, ann.id, "HONEY-500G")
    await ship(bot, order, "sf_express", "SF 1234 5678 90")
    screen = last_text(await bot.command(OP, f"/track {order.number}"))
    assert "Buyer: Ann" in screen and "<code>SF1234567890</code>" in screen
    assert ("🔎 Track parcel", SF_URL) in bot.buttons(OP)
    assert "Delivery in about 2–4 days." in screen  # the operator sees the estimate too


async def test_an_order_opened_from_orders_gives_its_delivery_estimate_in_chinese(
    bot: Harness, li: TgUser
) -> None:
    await bot.command(li, "/start")
    order = paid_order(bot.db, li.id, "HONEY-500G")  # Shibadong (China) to China
    await bot.command(li, "/orders")
    screen = last_text(await bot.tap(li, order.number))
    assert "预计约 2–4 天送达。" in screen
    await ship(bot, order, "ems", "EA123456789CN")
    await bot.press(OP, f"OPO delivered {order.id}")
    screen = last_text(await bot.command(li, f"/track {order.number}"))
    assert "✅" in screen and "预计约" not in screen  # delivered: no estimate any more


async def test_an_order_to_laos_gives_its_estimate_in_lao(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start")
    order = paid_order(bot.db, noy.id, "COFFEE-500G", country="LA")  # within Laos
    screen = last_text(await bot.command(noy, f"/track {order.number}"))
    assert "ຈະຮອດພາຍໃນປະມານ 2–5 ມື້" in screen
