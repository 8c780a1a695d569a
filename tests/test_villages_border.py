"""Villages on both sides of the border: shipping priced from the village's country to the
destination, a cart from two villages becoming one order per village, each village's order
prefix, and the address prompt following the destination."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.config import ConfigError, Settings
from models.shop.orders import Order, normalize_number
from models.shop.shipping import Rate, parse_rates, shipping_fee
from tests.factories import TgUser
from tests.harness import Harness, last_text, texts
from tests.shop_helpers import RATES, ready_cart


def orders_of(bot: Harness, user_id: int) -> list[Order]:
    """The buyer's orders, oldest first."""
    with bot.db.session() as session:
        return list(session.exec(select(Order).where(Order.buyer_id == user_id).order_by(Order.id)))  # type: ignore[arg-type]


def test_the_shipping_table_prices_each_route() -> None:
    rates = parse_rates("CN>CN:1000+500, CN>LA:4000+1500, LA>LA:800+300, LA>CN:4000+1500")
    assert shipping_fee(country="CN", weight_g=700, rates=rates, origin="CN") == 1000
    assert shipping_fee(country="LA", weight_g=5200, rates=rates, origin="CN") == 4000 + 5 * 1500
    assert shipping_fee(country="LA", weight_g=5200, rates=rates, origin="LA") == 800 + 5 * 300
    assert shipping_fee(country="CN", weight_g=1000, rates=rates, origin="LA") == 4000
    assert shipping_fee(country="TH", weight_g=500, rates=rates, origin="LA") is None
    assert parse_rates("LA:4000+1500") == (Rate("LA", 4000, 1500, "CN"),)  # the old form
    assert Settings().shipping_rates == rates  # the default table has all four routes
    with pytest.raises(ConfigError, match="SHIPPING_RATES"):
        Settings.from_env({"SHIPPING_RATES": "CHN>LA:1+1"}, env_file=None)


async def test_lao_buyer_gets_a_domestic_lao_fee_for_a_lao_villages_product(
    bot: Harness, noy: TgUser
) -> None:
    await bot.command(noy, "/start product_RICE-5KG")
    await bot.tap(noy, "ໃສ່ກະຕ່າ")
    await bot.tap(noy, "🛒 ກະຕ່າ")
    await bot.tap(noy, "ສັ່ງສິນຄ້າ")
    await bot.tap(noy, "ລາວ")
    await bot.tap(noy, "ຂ້ອຍຍິນຍອມ")
    for label in ("ຍິນຍອມໃຫ້ສົ່ງຂໍ້ມູນ", "ສືບຕໍ່"):
        if any(label in t for t, _ in bot.buttons(noy)):
            await bot.tap(noy, label)
    prompt = last_text(bot.api.calls)
    assert "ບ້ານ, ເມືອງ, ແຂວງ" in prompt  # how Lao addresses are written
    await bot.text(noy, "ບ້ານໂພນໄຊ, ເມືອງໄຊເສດຖາ, ນະຄອນຫຼວງວຽງຈັນ, ເຮືອນ 12, ນ້ອຍ")
    await bot.text(noy, "020 5555 1234")
    summary = last_text(await bot.tap(noy, "ຂ້າມ"))
    # 5.2 kg within Laos: 8 yuan for the first kg + 5 × 3 yuan, not the China→Laos 115
    assert "ຄ່າສົ່ງໄປ🇱🇦 ລາວ (5,2 ກິໂລ): 23 ຢວນ (≈ 69.000 ກີບ)" in summary
    calls = await bot.tap(noy, "ຢືນຢັນອໍເດີ")
    [order] = orders_of(bot, noy.id)
    assert (order.shipping_fen, order.total_fen) == (2300, 6800 + 2300)
    assert order.number.startswith("PSV-")  # the Lao village's prefix
    offer = next(t for t in texts(calls) if "ທ່ານຢາກຈ່າຍແບບໃດ?" in t)
    assert "91 ຢວນ (≈ 273.000 ກີບ" in offer  # the amount with kip at the stated rate
    assert [t for t, _ in bot.buttons(noy)][:1] == ["📱 ສະແກນ QR ທະນາຄານ (BCEL One)"]


async def test_a_cart_from_two_villages_becomes_two_orders(bot: Harness, li: TgUser) -> None:
    ready_cart(bot.db, li.id, "KIWI-5KG", country="CN")
    ready_cart(bot.db, li.id, "RICE-5KG", country="CN")
    await bot.command(li, "/cart")
    await bot.tap(li, "去结算")
    calls = await bot.tap(li, "中国")
    # the rice's farmers are in Laos: the border consent too, one tap for both
    assert "在老挝为您种树或打包订单的农户" in last_text(calls)
    await bot.press(li, bot.buttons(li)[0][1])
    assert "请发送中国的收货地址" in last_text(bot.api.calls)
    await bot.text(li, "湖南省长沙市岳麓区麓山南路 1 号 李娜")
    await bot.text(li, "138 0013 8000")
    summary = last_text(await bot.tap(li, "跳过"))
    assert "将分成 2 个订单" in summary
    assert "1. 十八洞村" in summary and "2. 蓬萨旺村" in summary
    assert "运费（寄往🇨🇳 中国，5.5 公斤）：¥35.00" in summary  # CN→CN for the kiwifruit
    assert "运费（寄往🇨🇳 中国，5.2 公斤）：¥115.00" in summary  # LA→CN for the rice
    assert "所有订单合计：¥346.00" in summary
    confirm = next(d for t, d in bot.buttons(li) if "确认下单" in t)
    calls = await bot.press(li, confirm)
    kiwi, rice = orders_of(bot, li.id)
    assert kiwi.number.startswith("SBD-") and rice.number.startswith("PSV-")
    assert (kiwi.total_fen, rice.total_fen) == (12800 + 3500, 6800 + 11500)
    assert (kiwi.village_id, rice.village_id) == (1, 2)
    placed = next(t for t in texts(calls) if "已提交" in t)
    assert kiwi.number in placed and rice.number in placed
    offers = [t for t in texts(calls) if "您想怎样付款？" in t]
    assert len(offers) == 2 and "¥163.00" in offers[0] and "¥183.00" in offers[1]
    # a second tap on Confirm makes no more orders
    calls = await bot.press(li, confirm)
    assert len(orders_of(bot, li.id)) == 2 and "已经提交" in last_text(calls)


async def test_numbers_with_any_villages_prefix_are_found(bot: Harness, li: TgUser) -> None:
    assert normalize_number("psv 7kq3 xm9a") == "PSV-7KQ3-XM9A"
    assert normalize_number("SBD-7KQ3-XM9A") == "SBD-7KQ3-XM9A"
    ready_cart(bot.db, li.id, "RICE-5KG", country="CN")
    from models.shop.orders import place_order
    from models.shop.products import view_cart

    version = bot.db.call(view_cart, user_id=li.id).version
    placed = bot.db.call(
        place_order, user_id=li.id, version=version, rates=RATES, expiry_minutes=60
    )
    calls = await bot.command(li, f"/track {placed.order.number.lower().replace('-', ' ')}")
    assert placed.order.number in last_text(calls)


async def test_address_prompt_follows_the_destination_not_the_language(
    bot: Harness, li: TgUser
) -> None:
    ready_cart(bot.db, li.id, "HONEY-500G", country="LA")
    await bot.command(li, "/cart")
    await bot.tap(li, "去结算")
    await bot.tap(li, "老挝")
    for label in ("我同意", "同意", "继续"):
        if any(label in t for t, _ in bot.buttons(li)):
            await bot.tap(li, label)
    assert "请发送老挝的收货地址：村（ບ້ານ）、县（ເມືອງ）、省（ແຂວງ）" in last_text(bot.api.calls)
