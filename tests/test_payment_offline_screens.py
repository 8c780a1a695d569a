"""What the offline payment screens say, as found trying #13 in the console: each offer names
its order and village (a cart from two villages gets two), the counter says which button to tap,
every operator button has an emoji, a late payment's notices say what happens, and a lapsed
hold still lets the buyer send the slip of money paid late."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.notify import deliver_pending
from bot.offline import ApiCall
from models.core.base import utcnow
from models.core.payments import Payment, PaymentStatus
from models.shop.orders import Order, expire_orders
from tests.factories import TgUser
from tests.harness import Harness, last_text, texts
from tests.shop_helpers import ready_cart, set_stock
from tests.test_payment_offline import (
    counter_paid_then_expired,
    payment_of,
    payments_queue,
    slip_sent,
    start_paying,
)


def pushed_to(bot: Harness, user: TgUser) -> list[str]:
    """The texts the outbox sent to `user` since the last clear."""
    return [c.params["text"] for c in bot.api.sent("sendMessage") if c.params["chat_id"] == user.id]


def starts_with_emoji(label: str) -> bool:
    """True if a button's label opens with a pictograph, not a letter or a digit."""
    return not label[0].isalnum() and not label[0].isspace()


async def test_each_offer_of_a_two_village_cart_names_its_order_and_village(
    bot: Harness, li: TgUser
) -> None:
    ready_cart(bot.db, li.id, "KIWI-5KG", country="CN")
    ready_cart(bot.db, li.id, "RICE-5KG", country="CN")
    await bot.command(li, "/cart")
    await bot.tap(li, "去结算")
    await bot.tap(li, "中国")
    await bot.press(li, bot.buttons(li)[0][1])  # the consents, one tap
    await bot.text(li, "湖南省长沙市岳麓区麓山南路 1 号 李娜")
    await bot.text(li, "138 0013 8000")
    await bot.tap(li, "跳过")
    calls = await bot.tap(li, "确认下单")
    with bot.db.session() as session:
        kiwi, rice = session.exec(select(Order).where(Order.buyer_id == li.id)).all()
    placed = next(t for t in texts(calls) if "已提交" in t)
    assert f"<b>{kiwi.number}</b>和<b>{rice.number}</b>" in placed  # not "A, B" in Chinese
    offers = [t for t in texts(calls) if "您想怎样付款？" in t]
    assert len(offers) == 2
    assert f"用途：农产品订单 <b>{kiwi.number}</b> · 十八洞村" in offers[0]
    assert f"用途：农产品订单 <b>{rice.number}</b> · 蓬萨旺村" in offers[1]
    calls = await bot.tap(li, "老挝银行扫码")  # the latest offer: the rice's
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    assert rice.number in photo.params["caption"]


async def test_the_counter_says_to_tap_i_paid_at_the_counter(bot: Harness, noy: TgUser) -> None:
    await start_paying(bot, noy, "lo", "RICE-5KG")
    text = last_text(await bot.tap(noy, "ຈ່າຍທີ່ໄປສະນີ"))
    assert "ກົດ “ຂ້ອຍຈ່າຍທີ່ເຄົາເຕີແລ້ວ”" in text
    assert "ກົດ “ຂ້ອຍຈ່າຍແລ້ວ” ແລະ ສົ່ງຮູບໃບຮັບເງິນ." not in text  # the QR methods' line


async def test_operator_payment_buttons_each_carry_an_emoji(
    bot: Harness, li: TgUser, admin: TgUser
) -> None:
    await bot.command(admin, "/start")
    order = await slip_sent(bot, li, "slip")
    reference = payment_of(bot, order).reference
    bot.api.clear()
    await deliver_pending(bot.app)
    [told] = [c for c in bot.api.sent("sendMessage") if c.params["chat_id"] == admin.id]
    [[open_payment]] = told.params["reply_markup"]["inline_keyboard"]
    assert open_payment["text"] == "💳 查看这笔付款"
    await bot.press(admin, f"OPS payment {reference}")
    await bot.tap(admin, "驳回")
    reasons = [t for t, _ in bot.buttons(admin)]
    assert len(reasons) == 5 and all(starts_with_emoji(t) for t in reasons), reasons
    await bot.tap(admin, "凭证看不清")
    labels = [t for t, _ in bot.buttons(admin)]
    assert all(starts_with_emoji(t) for t in labels), labels


async def test_offering_to_choose_again_says_the_money_is_kept_with_a_shop_button(
    bot: Harness, li: TgUser, admin: TgUser
) -> None:
    order = await start_paying(bot, li, "zh", "PEACH-5KG")
    await bot.tap(li, "邮政所柜台")
    await bot.tap(li, "我已在柜台付款")
    bot.db.call(expire_orders, now=utcnow() + timedelta(hours=25))
    set_stock(bot.db, "PEACH-5KG", 0)
    reference = payment_of(bot, order).reference
    await bot.press(admin, f"OPS payment {reference}")
    await bot.tap(admin, "确认")
    calls = await bot.tap(admin, "请买家重新选择")
    total = f"¥{order.total_fen / 100:.2f}"
    assert f"付款 {reference}：{total} 已为买家保留，已请买家重新选择或申请退款。" in last_text(
        calls
    )
    assert payment_of(bot, order).status == PaymentStatus.REFUND_DUE
    bot.api.clear()
    await deliver_pending(bot.app)
    [late] = [c for c in bot.api.sent("sendMessage") if "邮政所为您保留" in c.params["text"]]
    assert [b["text"] for [b] in late.params["reply_markup"]["inline_keyboard"]] == [
        "🧺 去小店看看"
    ]


async def test_adoption_address_prompt_follows_the_destination(
    bot: Harness, noy: TgUser, li: TgUser
) -> None:
    from tests.test_adopt import give_consents, tree_id

    for user, country, words in (
        (noy, "LA", "ບ້ານ, ເມືອງ, ແຂວງ ແລະ ເລກເຮືອນ"),
        (li, "CN", "省、市、区县、街道门牌号"),
    ):
        give_consents(bot, user)
        await bot.command(user, "/start tree_TEA-0002")
        await bot.press(user, f"ADOPT go {tree_id(bot, 'TEA-0002')}")
        await bot.press(user, "ADOPT skip")  # no nickname
        await bot.press(user, "ADOPT skip")  # the Telegram name on the certificate
        await bot.press(user, "ADOPT for me")
        calls = await bot.press(user, f"ADOPT to {country}")
        assert words in last_text(calls), last_text(calls)
        await bot.command(user, "/cancel")


async def test_an_expired_order_lets_the_buyer_send_a_late_slip(
    bot: Harness, li: TgUser, admin: TgUser
) -> None:
    order = await start_paying(bot, li, "zh", "PEACH-5KG")
    await bot.tap(li, "微信支付")  # no slip sent before the hold runs out
    reference = payment_of(bot, order).reference
    assert bot.db.call(expire_orders, now=utcnow() + timedelta(hours=25)) == 1
    bot.api.clear()
    await deliver_pending(bot.app)
    [expired] = [t for t in pushed_to(bot, li) if "未按时付款" in t]
    assert f"已经付过了？请点“我已付款”并发送凭证（<code>{reference}</code>）" in expired
    labels = [t for t, _ in bot.buttons(li)]
    assert "📷 我已付款：发送凭证" in labels
    await bot.tap(li, "我已付款")
    calls = await bot.photo(li, "late-slip")
    assert "邮政所会核对您的付款" in last_text(calls)
    row = payment_of(bot, order)
    assert (row.status, row.proof_file_id) == (PaymentStatus.CANCELLED, "late-slip")
    assert f"📎⌛ {reference}" in await payments_queue(bot, admin)


async def test_an_expired_order_whose_buyer_said_they_paid_says_it_is_being_checked(
    bot: Harness, noy: TgUser
) -> None:
    order = await start_paying(bot, noy, "lo", "RICE-5KG")
    await bot.tap(noy, "ຈ່າຍທີ່ໄປສະນີ")
    await bot.tap(noy, "ຂ້ອຍຈ່າຍທີ່ເຄົາເຕີແລ້ວ")
    bot.db.call(expire_orders, now=utcnow() + timedelta(hours=25))
    bot.api.clear()
    await deliver_pending(bot.app)
    [expired] = [c for c in bot.api.sent("sendMessage") if c.params["chat_id"] == noy.id]
    reference = payment_of(bot, order).reference
    assert f"ທ່ານແຈ້ງວ່າຈ່າຍແລ້ວ (<code>{reference}</code>): ໄປສະນີຍັງກວດຢູ່" in (expired.params["text"])
    labels = [b["text"] for row in expired.params["reply_markup"]["inline_keyboard"] for b in row]
    assert not any("ສົ່ງໃບຮັບເງິນ" in label for label in labels)  # nothing more to send


async def test_an_expired_adoption_with_a_counter_payment_says_it_is_being_checked(
    bot: Harness, noy: TgUser
) -> None:
    _adoption, reference = counter_paid_then_expired(bot, noy, "PEACH-0007")
    bot.api.clear()
    await deliver_pending(bot.app)
    [expired] = pushed_to(bot, noy)
    assert "ໝົດເວລາ" in expired and "ໄປສະນີຍັງກວດຢູ່" in expired
    with bot.db.session() as session:
        payment = session.exec(select(Payment).where(Payment.reference == reference)).one()
    assert payment.status == PaymentStatus.CANCELLED and payment.proof_at is not None


async def test_order_screen_joins_country_and_address_as_chinese_writes_it(
    bot: Harness, li: TgUser
) -> None:
    order = await start_paying(bot, li, "zh", "KIWI-5KG")
    text = last_text(await bot.press(li, f"ORD view {order.id}"))
    assert "收货地址：中国，" in text and "中国, " not in text


async def test_a_qr_picture_is_uploaded_once_then_sent_by_its_file_id(
    bot: Harness, li: TgUser, ann: TgUser
) -> None:
    from models.payment.methods import VillagePaymentMethod

    with bot.db.session() as session:  # as import-catalog stores a QR image from the file
        wechat = session.exec(
            select(VillagePaymentMethod).where(VillagePaymentMethod.kind == "wechat_qr")
        ).one()
        wechat.qr_image, wechat.qr_sample = b"\x89PNG imported qr", False
        session.add(wechat)
        session.commit()
    sent = []
    for user, language, label in ((li, "zh", "微信支付"), (ann, "en", "WeChat Pay")) * 2:
        await start_paying(bot, user, language, "KIWI-5KG")
        calls = await bot.tap(user, label)
        [photo] = [c for c in calls if c.method == "sendPhoto"]
        sent.append(photo)
    assert sent[0].files["photo"][1] == b"\x89PNG imported qr"  # the first is uploaded
    file_id = sent[0].result["photo"][-1]["file_id"]
    assert all(p.params.get("photo") == file_id and not p.files for p in sent[1:])
    # the sample placeholder too
    [first] = [c for c in await tap_alipay(bot, li) if c.method == "sendPhoto"]
    [again] = [c for c in await tap_alipay(bot, li) if c.method == "sendPhoto"]
    assert first.files and not again.files
    assert again.params.get("photo") == first.result["photo"][-1]["file_id"]


async def tap_alipay(bot: Harness, user: TgUser) -> list[ApiCall]:
    """A new order paid by Alipay (the sample placeholder QR)."""
    await start_paying(bot, user, "zh", "HONEY-500G")
    return await bot.tap(user, "支付宝")


async def test_the_order_screen_says_a_payment_the_buyer_reported_is_being_checked(
    bot: Harness, li: TgUser
) -> None:
    order = await start_paying(bot, li, "zh", "KIWI-5KG")
    text = last_text(await bot.press(li, f"ORD view {order.id}"))
    assert "邮政所仍在核对" not in text  # nothing reported yet
    await bot.press(li, f"ORD pay {order.id}")
    await bot.tap(li, "邮政所柜台")
    await bot.tap(li, "我已在柜台付款")
    text = last_text(await bot.press(li, f"ORD view {order.id}"))
    reference = payment_of(bot, order).reference
    assert f"📎 您已告诉我们付过款（<code>{reference}</code>）：邮政所仍在核对" in text


async def test_adding_a_second_product_counts_the_whole_cart(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start product_KIWI-5KG")
    await bot.tap(noy, "ໃສ່ກະຕ່າ")
    await bot.command(noy, "/start product_COFFEE-500G")  # another village's
    calls = await bot.tap(noy, "ໃສ່ກະຕ່າ")
    assert calls[0].params["text"] == "ໃສ່ກະຕ່າແລ້ວ. ໃນກະຕ່າມີ 2 ອັນ."
