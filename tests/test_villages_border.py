"""Villages on both sides of the border: shipping priced from the village's country to the
destination, a cart from two villages becoming one order per village, each village's order
prefix, and the address prompt following the destination."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import ConfigError, Settings
from bot.i18n import LANGUAGE_NAMES, translator
from handlers.payment.receipts import receipt_content
from models.core.payments import Payment
from models.payment.receipts import receipt_facts
from models.shop.orders import Order, OrderItem, normalize_number
from models.shop.shipping import (
    Rate,
    delivery_days,
    parse_rates,
    priced_for_villages,
    shipping_fee,
)
from tests.factories import TgUser
from tests.harness import Harness, last_text, texts
from tests.shop_helpers import RATES, ready_cart


def orders_of(bot: Harness, user_id: int) -> list[Order]:
    """The buyer's orders, oldest first."""
    with bot.db.session() as session:
        return list(session.exec(select(Order).where(Order.buyer_id == user_id).order_by(Order.id)))  # type: ignore[arg-type]


def test_the_shipping_table_prices_each_route_in_its_origins_currency() -> None:
    rates = parse_rates(
        "CN>CN:1000+500@2-4, CN>LA:4000+1500@5-10, LA>LA:25000+10000LAK@2-5, LA>CN:800+300"
    )
    assert shipping_fee(country="CN", weight_g=700, rates=rates, origin="CN") == 1000
    assert shipping_fee(country="LA", weight_g=5200, rates=rates, origin="CN") == 4000 + 5 * 1500
    fee = shipping_fee(country="LA", weight_g=5200, rates=rates, origin="LA", currency="LAK")
    assert fee == 25000 + 5 * 10000  # kip
    assert (
        shipping_fee(country="LA", weight_g=500, rates=rates, origin="LA", currency="CNY") is None
    )
    assert shipping_fee(country="CN", weight_g=1000, rates=rates, origin="LA") == 800  # yuan
    assert shipping_fee(country="TH", weight_g=500, rates=rates, origin="LA") is None
    assert parse_rates("LA:4000+1500") == (Rate("LA", 4000, 1500, "CN"),)  # the old form
    # the old setting's Lao routes were in fen: still yuan, and offered in kip at the rate
    [old, in_kip] = priced_for_villages(parse_rates("LA>LA:800+300"), 3000)
    assert (old.currency, in_kip) == ("CNY", Rate("LA", 24000, 9000, "LA", "LAK"))
    table = Settings().shipping_rates  # the default: Lao routes in kip, with yuan twins
    assert Rate("LA", 25000, 10000, "LA", "LAK", (2, 5)) in table
    assert Rate("CN", 120000, 45000, "LA", "LAK", (5, 10)) in table
    assert Rate("CN", 1000, 500, "CN", "CNY", (2, 4)) in table
    assert delivery_days(country="LA", rates=rates, origin="LA") == (2, 5)
    with pytest.raises(ConfigError, match="SHIPPING_RATES"):
        Settings.from_env({"SHIPPING_RATES": "CHN>LA:1+1"}, env_file=None)
    with pytest.raises(ConfigError, match="cannot be priced in LAK"):
        Settings.from_env({"SHIPPING_RATES": "CN>LA:1+1LAK"}, env_file=None)


async def check_out_to_laos(bot: Harness, user: TgUser) -> None:
    """From a product card, in Lao: into the cart, check out to Laos, every consent given;
    the bot then asks for the address."""
    await bot.tap(user, "ໃສ່ກະຕ່າ")
    await bot.tap(user, "🛒 ກະຕ່າ")
    await bot.tap(user, "ສັ່ງສິນຄ້າ")
    await bot.tap(user, "ລາວ")
    await bot.tap(user, "ຂ້ອຍຍິນຍອມ")
    for label in ("ຍິນຍອມໃຫ້ສົ່ງຂໍ້ມູນ", "ສືບຕໍ່"):
        if any(label in t for t, _ in bot.buttons(user)):
            await bot.tap(user, label)


async def test_lao_buyer_pays_a_lao_villages_product_in_kip_with_a_domestic_fee(
    bot: Harness, noy: TgUser, admin: TgUser
) -> None:
    await bot.command(noy, "/start product_RICE-5KG")
    assert "ລາຄາ: 95.000 ກີບ" in last_text(bot.api.calls)  # kip, no yuan beside it
    await check_out_to_laos(bot, noy)
    prompt = last_text(bot.api.calls)
    assert "ບ້ານ, ເມືອງ, ແຂວງ" in prompt  # how Lao addresses are written
    await bot.text(noy, "ບ້ານໂພນໄຊ, ເມືອງໄຊເສດຖາ, ນະຄອນຫຼວງວຽງຈັນ, ເຮືອນ 12, ນ້ອຍ")
    await bot.text(noy, "020 5555 1234")
    summary = last_text(await bot.tap(noy, "ຂ້າມ"))
    # 5.2 kg within Laos, in kip: 25,000 for the first kg + 5 × 10,000, not the China→Laos rate
    assert "ຄ່າສົ່ງໄປ 🇱🇦 ລາວ (5,2 ກິໂລ): 75.000 ກີບ" in summary
    assert "ຢວນ" not in summary  # no yuan anywhere for a kip order read in Lao
    calls = await bot.tap(noy, "ຢືນຢັນອໍເດີ")
    [order] = orders_of(bot, noy.id)
    assert (order.currency, order.shipping_fen, order.total_fen) == ("LAK", 75000, 170000)
    assert order.number.startswith("PSV-")  # the Lao village's prefix
    with bot.db.session() as session:
        [item] = session.exec(select(OrderItem).where(OrderItem.order_id == order.id)).all()
        [payment] = session.exec(select(Payment).where(Payment.target_id == order.id)).all()
    assert (item.currency, item.price_fen) == ("LAK", 95000)
    assert (payment.currency, payment.amount_fen) == ("LAK", 170000)
    offer = next(t for t in texts(calls) if "ທ່ານຢາກຈ່າຍແບບໃດ?" in t)
    assert "170.000 ກີບ" in offer and "ຢວນ" not in offer
    assert [t for t, _ in bot.buttons(noy)][:1] == ["📱 ສະແກນ QR ທະນາຄານ (BCEL One)"]
    # the operator confirms it (their queue in kip), the receipt is in kip
    text = last_text(await bot.command(admin, f"/confirm {payment.reference}"))
    assert "170,000基普" in text and "¥170" not in text
    facts = bot.db.call(receipt_facts, reference=payment.reference)
    receipt = receipt_content(translator("lo"), facts)
    assert receipt.total[1] == "170.000 ກີບ"
    assert ("ຄ່າສົ່ງ", "75.000 ກີບ") in receipt.items
    assert receipt_content(translator("en"), facts).total[1] == "LAK 170,000"
    # the same order read in Chinese and in English: kip, with yuan as an estimate
    for language, total in (("zh", "170,000基普 (≈ ¥56.67)"), ("en", "LAK 170,000 (≈ CN¥56.67)")):
        await bot.command(noy, "/language")
        await bot.tap(noy, LANGUAGE_NAMES[language])
        text = last_text(await bot.command(noy, f"/track {order.number}"))
        assert total in text and ("75,000基普" in text or "LAK 75,000" in text), text


async def test_a_cart_from_two_villages_becomes_a_yuan_and_a_kip_order(
    bot: Harness, li: TgUser
) -> None:
    ready_cart(bot.db, li.id, "KIWI-5KG", country="CN")
    ready_cart(bot.db, li.id, "RICE-5KG", country="CN")
    cart = last_text(await bot.command(li, "/cart"))
    assert "小计：¥128.00 + 95,000基普 (≈ ¥31.67)" in cart  # never yuan plus kip added up
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
    assert "运费（寄往 🇨🇳 中国，5.5 公斤）：¥35.00" in summary  # CN→CN for the kiwifruit
    # LA→CN for the rice, in kip: 120,000 + 5 × 45,000
    assert "运费（寄往 🇨🇳 中国，5.2 公斤）：345,000基普 (≈ ¥115.00)" in summary
    assert "合计：440,000基普 (≈ ¥146.67)" in summary
    assert "所有订单合计：¥163.00 + 440,000基普 (≈ ¥146.67)" in summary
    confirm = next(d for t, d in bot.buttons(li) if "确认下单" in t)
    calls = await bot.press(li, confirm)
    kiwi, rice = orders_of(bot, li.id)
    assert kiwi.number.startswith("SBD-") and rice.number.startswith("PSV-")
    assert (kiwi.currency, kiwi.total_fen) == ("CNY", 12800 + 3500)
    assert (rice.currency, rice.total_fen) == ("LAK", 95000 + 345000)
    assert (kiwi.village_id, rice.village_id) == (1, 2)
    placed = next(t for t in texts(calls) if "已提交" in t)
    assert kiwi.number in placed and rice.number in placed
    offers = [t for t in texts(calls) if "您想怎样付款？" in t]
    assert len(offers) == 2 and "¥163.00" in offers[0]
    assert "440,000基普 (约合 ¥146.67，按 1 元 = 3,000 基普)" in offers[1]  # the stated rate
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


async def test_a_village_without_a_prefix_numbers_orders_with_its_own(
    bot: Harness, noy: TgUser, tmp_path: Path
) -> None:
    from models.catalog.importer import import_catalog, read_catalog_file
    from models.catalog.places import Village

    path = tmp_path / "catalog.yaml"
    path.write_text(
        "villages:\n"
        "  - {slug: namtha, country: LA, name_zh: 南塔村, name_lo: ບ້ານນ້ຳທາ, name_en: Ban Namtha}\n"
        "  - {slug: namkhan, country: LA, name_zh: 南坎村, name_lo: ບ້ານນ້ຳຄານ, name_en: Namkhan}\n"
        "  - {slug: sbd-new, country: CN, name_zh: 新村, name_lo: ບ້ານໃໝ່, name_en: New}\n"
        "products:\n"
        "  - {sku: HONEY-NT, category: honey, village: namtha, name_zh: 南塔蜂蜜,"
        " name_lo: ນ້ຳເຜິ້ງນ້ຳທາ, name_en: Namtha honey, unit_zh: 500克, unit_lo: 500 ກຣາມ,"
        " unit_en: 500 g, price: 80000, weight_g: 500, stock: 5}\n",
        encoding="utf-8",
    )
    bot.db.call(import_catalog, sections=read_catalog_file(path))
    with bot.db.session() as session:
        prefixes = {v.slug: v.order_prefix for v in session.exec(select(Village))}
        namtha = session.exec(select(Village).where(Village.slug == "namtha")).one()
        namtha.order_prefix = None  # as a village stored before prefixes were kept
        session.add(namtha)
        session.commit()
    # each its own, none Shibadong's: the first three letters, else another of the slug's
    assert (prefixes["namtha"], prefixes["namkhan"], prefixes["sbd-new"]) == ("NAM", "NAK", "SBN")
    await bot.command(noy, "/start product_HONEY-NT")
    await check_out_to_laos(bot, noy)
    await bot.text(noy, "ບ້ານໂພນໄຊ, ເມືອງໄຊເສດຖາ, ນະຄອນຫຼວງວຽງຈັນ, ເຮືອນ 12, ນ້ອຍ")
    await bot.text(noy, "020 5555 1234")
    await bot.tap(noy, "ຂ້າມ")
    calls = await bot.tap(noy, "ຢືນຢັນອໍເດີ")
    [order] = orders_of(bot, noy.id)
    assert order.number.startswith("NAM-")  # derived again from the slug, and kept
    assert any(order.number in t for t in texts(calls))
    with bot.db.session() as session:
        assert session.exec(select(Village).where(Village.slug == "namtha")).one().order_prefix == (
            "NAM"
        )
