"""Offline payment as villagers and Lao buyers pay: the village's ways to pay, the QR code, "I have
paid" with a slip photo, the operators' queue (confirm, reject with a reason), holds of a day or
more with reminders, late money, and the receipt picture."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from PIL import Image
from sqlmodel import select

from bot.notify import deliver_pending
from models.core.base import utcnow
from models.core.payments import (
    Payment,
    PaymentStatus,
    queue_payment_reminders,
)
from models.payment.methods import VillagePaymentMethod
from models.shop.orders import Order, OrderStatus, expire_orders
from tests.factories import TgUser
from tests.harness import Harness, last_text, texts
from tests.shop_helpers import buyer, order_now, product, set_stock


def payment_of(bot: Harness, order: Order) -> Payment:
    """The order's newest payment, read now."""
    with bot.db.session() as session:
        return session.exec(
            select(Payment)
            .where(Payment.kind == "order", Payment.target_id == order.id)
            .order_by(Payment.id.desc())  # type: ignore[union-attr]
        ).first()  # type: ignore[return-value]


def order_row(bot: Harness, order: Order) -> Order:
    """The order, read now."""
    with bot.db.session() as session:
        return session.get_one(Order, order.id)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def slip_sent(bot: Harness, user: TgUser, photo: str) -> Order:
    """A honey order, in Chinese, paid by Alipay, its slip sent as `photo`."""
    order = await start_paying(bot, user, "zh", "HONEY-500G")
    await bot.tap(user, "支付宝")
    await bot.tap(user, "我已付款")
    await bot.photo(user, photo)
    return order


async def payments_queue(bot: Harness, admin: TgUser) -> str:
    """The operator's "payments to confirm" screen, as text, opened from /ops."""
    await bot.command(admin, "/ops")
    return last_text(await bot.tap(admin, "待确认的付款"))


async def start_paying(bot: Harness, user: TgUser, language: str, sku: str) -> Order:
    """Places an order and opens its payment step from /orders."""
    buyer(bot.db, user.id, language)
    order = order_now(bot.db, user.id, sku)
    await bot.command(user, "/start")
    await bot.press(user, f"ORD pay {order.id}")
    return order


async def test_chinese_buyer_pays_by_wechat_sends_slip_and_gets_a_receipt(
    bot: Harness, li: TgUser, admin: TgUser
) -> None:
    await bot.command(admin, "/start")  # operators are told when a slip arrives
    order = await start_paying(bot, li, "zh", "KIWI-5KG")
    offer = last_text(bot.api.calls)
    total = f"¥{order.total_fen / 100:.2f}"
    assert "您想怎样付款？" in offer and total in offer and "基普" not in offer
    labels = [t for t, _ in bot.buttons(li)]
    assert labels[:4] == ["💚 微信支付", "💙 支付宝", "🏦 银行转账", "🏤 邮政所柜台"]
    payment = payment_of(bot, order)
    assert f"<code>{payment.reference}</code>" in offer

    calls = await bot.tap(li, "微信支付")
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    image = Image.open(io.BytesIO(photo.files["photo"][1]))  # the sample placeholder QR
    assert image.size == (600, 760)
    caption = photo.params["caption"]
    assert "请在转账备注中填写付款编号" in caption and payment.reference in caption
    assert "我们为您保留 24 小时" in caption
    assert re.search(r"\d{1,2}:\d{2}（北京时间） 前付款", caption)  # a time, and its zone
    stored = order_row(bot, order)
    assert aware(stored.expires_at) - aware(stored.created_at) >= timedelta(hours=24)
    assert payment_of(bot, order).method_id is not None

    await bot.tap(li, "我已付款")
    calls = await bot.text(li, "我付了")  # not a photo: asked again
    assert "请以照片发送付款凭证" in last_text(calls)
    calls = await bot.photo(li, "slip-photo-1")
    assert "邮政所会核对您的付款" in last_text(calls)
    sent = payment_of(bot, order)
    assert (sent.proof_kind, sent.proof_file_id) == ("slip", "slip-photo-1")

    bot.api.clear()
    await deliver_pending(bot.app)
    [pushed] = [c for c in bot.api.sent("sendMessage") if c.params["chat_id"] == admin.id]
    assert pushed.params["text"] == (
        f"📎 李娜 发送了付款 <code>{payment.reference}</code>（{total}）的凭证。"
    )
    assert f"📎 {payment.reference}" in await payments_queue(bot, admin)
    calls = await bot.tap(admin, payment.reference)
    [shown] = [c for c in calls if c.method == "sendPhoto"]
    assert shown.params["photo"] == "slip-photo-1"
    assert order.number in shown.params["caption"] and "李娜" in shown.params["caption"]
    assert total in shown.params["caption"]
    calls = await bot.tap(admin, "确认")
    assert f"✅ 付款 {payment.reference} 已确认" in last_text(calls)
    assert order_row(bot, order).status == OrderStatus.PAID

    bot.api.clear()
    await deliver_pending(bot.app)
    receipts = [c for c in bot.api.sent("sendPhoto") if c.params["chat_id"] == li.id]
    [receipt] = receipts
    assert receipt.params["caption"] == f"🧾 {order.number} 的收据。谢谢！"
    png = Image.open(io.BytesIO(receipt.files["photo"][1]))
    assert png.format == "PNG" and png.width == 900

    await bot.press(li, f"ORD view {order.id}")
    calls = await bot.tap(li, "收据")  # /orders resends it
    assert [c.method for c in calls if c.method == "sendPhoto"] == ["sendPhoto"]


async def test_operator_rejects_a_slip_with_a_reason_and_a_note(
    bot: Harness, li: TgUser, admin: TgUser
) -> None:
    order = await slip_sent(bot, li, "blurry")
    reference = payment_of(bot, order).reference
    await bot.command(admin, "/ops")
    await bot.press(admin, f"OPS payment {reference}")
    await bot.tap(admin, "驳回")
    assert {"💸 未收到款项", "🔢 金额不符", "🌫 凭证看不清", "❓ 无法对应订单"} <= {
        t for t, _ in bot.buttons(admin)
    }
    await bot.tap(admin, "凭证看不清")
    calls = await bot.text(admin, "请重新拍一张清楚的照片")
    assert f"已驳回付款 {reference}" in last_text(calls)
    row = payment_of(bot, order)
    assert row.status == PaymentStatus.PENDING and row.proof_at is None
    assert (row.rejected_reason, row.note) == ("unreadable", "请重新拍一张清楚的照片")
    bot.api.clear()
    await deliver_pending(bot.app)
    [told] = [c for c in bot.api.sent("sendMessage") if c.params["chat_id"] == li.id]
    assert "我们未能确认您的付款" in told.params["text"] and "照片看不清" in told.params["text"]
    assert "邮政所补充：请重新拍一张清楚的照片" in told.params["text"]
    # the buyer sends another slip from the message
    await bot.press(li, f"PAY slip {reference}")
    await bot.photo(li, "sharp")
    assert payment_of(bot, order).proof_file_id == "sharp"


async def test_counter_shows_address_and_hours_and_i_paid_at_the_counter(
    bot: Harness, noy: TgUser, admin: TgUser
) -> None:
    order = await start_paying(bot, noy, "lo", "RICE-5KG")  # a Lao village's product
    offer = last_text(bot.api.calls)
    kip = f"{order.total_fen:,} ກີບ".replace(",", ".")
    assert order.currency == "LAK" and kip in offer  # the Lao village's own currency
    assert "ຢວນ" not in offer  # a Lao reader of a kip amount needs no estimate
    assert [t for t, _ in bot.buttons(noy)][:2] == [
        "📱 ສະແກນ QR ທະນາຄານ (BCEL One)",
        "🏤 ຈ່າຍທີ່ໄປສະນີ",
    ]
    calls = await bot.tap(noy, "ຈ່າຍທີ່ໄປສະນີ")
    text = last_text(calls)
    assert "ບ້ານໂພນສະຫວ່າງ, ເມືອງນາໝໍ້" in text and "8:00–16:30" in text
    assert not [c for c in calls if c.method == "sendPhoto"]  # no QR code for the counter
    calls = await bot.tap(noy, "ຂ້ອຍຈ່າຍທີ່ເຄົາເຕີແລ້ວ")
    assert "ໄປສະນີຈະກວດ" in last_text(calls)
    row = payment_of(bot, order)
    assert (row.proof_kind, row.proof_file_id) == ("counter", None)
    assert f"🏤 {row.reference}" in await payments_queue(bot, admin)


async def test_reminder_before_the_hold_runs_out_once_in_the_buyers_language(
    bot: Harness, noy: TgUser
) -> None:
    order = await start_paying(bot, noy, "lo", "RICE-5KG")
    await bot.tap(noy, "BCEL")
    deadline = aware(order_row(bot, order).expires_at)
    assert bot.db.call(queue_payment_reminders, now=deadline - timedelta(hours=5)) == 0
    assert bot.db.call(queue_payment_reminders, now=deadline - timedelta(hours=2)) == 1
    assert bot.db.call(queue_payment_reminders, now=deadline - timedelta(hours=1)) == 0
    bot.api.clear()
    await deliver_pending(bot.app)
    [reminder] = bot.api.sent("sendMessage")
    assert reminder.params["text"].startswith("⏰ ແຈ້ງເຕືອນ")
    assert order.number in reminder.params["text"]
    assert ":" in reminder.params["text"] and ":00:" not in reminder.params["text"]  # no seconds


async def test_a_buyer_who_said_they_paid_is_not_reminded(bot: Harness, li: TgUser) -> None:
    order = await start_paying(bot, li, "zh", "KIWI-5KG")
    await bot.tap(li, "邮政所柜台")
    await bot.tap(li, "我已在柜台付款")
    deadline = aware(order_row(bot, order).expires_at)
    assert bot.db.call(queue_payment_reminders, now=deadline - timedelta(hours=1)) == 0


async def test_late_payment_is_confirmed_when_stock_allows_and_stock_is_taken_again(
    bot: Harness, li: TgUser, admin: TgUser
) -> None:
    order = await start_paying(bot, li, "zh", "PEACH-5KG")
    await bot.tap(li, "邮政所柜台")
    await bot.tap(li, "我已在柜台付款")
    stock = product(bot.db, "PEACH-5KG").stock
    later = utcnow() + timedelta(hours=25)
    assert bot.db.call(expire_orders, now=later) == 1
    assert product(bot.db, "PEACH-5KG").stock == stock + 1
    reference = payment_of(bot, order).reference
    # still in the queue, the hold ran out
    assert f"🏤⌛ {reference}" in await payments_queue(bot, admin)
    calls = await bot.tap(admin, reference)
    assert "保留时间已过" in last_text(calls)
    calls = await bot.tap(admin, "确认")
    assert f"✅ 付款 {reference} 已确认" in last_text(calls)
    assert order_row(bot, order).status == OrderStatus.PAID
    assert product(bot.db, "PEACH-5KG").stock == stock  # re-reserved
    assert payment_of(bot, order).status == PaymentStatus.PAID


async def test_late_payment_for_sold_out_stock_gives_the_operator_a_choice(
    bot: Harness, li: TgUser, admin: TgUser
) -> None:
    order = await start_paying(bot, li, "zh", "PEACH-5KG")
    await bot.tap(li, "邮政所柜台")
    await bot.tap(li, "我已在柜台付款")
    bot.db.call(expire_orders, now=utcnow() + timedelta(hours=25))
    set_stock(bot.db, "PEACH-5KG", 0)
    reference = payment_of(bot, order).reference
    await bot.command(admin, "/ops")
    await bot.press(admin, f"OPS payment {reference}")
    calls = await bot.tap(admin, "确认")
    assert "已无法提供" in last_text(calls)
    assert {"↩️ 记录退款", "🔁 请买家重新选择"} <= {t for t, _ in bot.buttons(admin)}
    assert order_row(bot, order).status == OrderStatus.EXPIRED
    calls = await bot.tap(admin, "请买家重新选择")
    total = f"¥{order.total_fen / 100:.2f}"
    assert f"{total} 已为买家保留" in last_text(calls)
    assert payment_of(bot, order).status == PaymentStatus.REFUND_DUE
    bot.api.clear()
    await deliver_pending(bot.app)
    told = [c.params["text"] for c in bot.api.sent("sendMessage") if c.params["chat_id"] == li.id]
    assert any(f"邮政所为您保留 {total}" in text for text in told), told


async def test_operator_edits_switches_off_and_uploads_a_qr_code(
    bot: Harness, li: TgUser, admin: TgUser
) -> None:
    await bot.command(admin, "/ops")
    await bot.tap(admin, "更多工具")  # the rarer tools are one screen further
    await bot.tap(admin, "付款方式")
    calls = await bot.tap(admin, "支付宝")
    assert "样例占位图" in last_text(calls)
    await bot.tap(admin, "关闭")
    await bot.press(admin, "OPM list")
    wechat = next(d for t, d in bot.buttons(admin) if "微信支付" in t)
    await bot.press(admin, wechat)
    await bot.tap(admin, "保留时长")
    calls = await bot.text(admin, "0")
    assert "请输入 1 到 336 之间的整数小时" in last_text(calls)
    calls = await bot.text(admin, "36")
    assert "保留：36 小时" in last_text(calls)
    await bot.tap(admin, "上传二维码照片")
    calls = await bot.photo(admin, "real-wechat-qr")
    assert "二维码已保存" in last_text(calls)
    with bot.db.session() as session:
        rows = {m.kind: m for m in session.exec(select(VillagePaymentMethod))}
    assert rows["alipay_qr"].enabled is False
    assert (rows["wechat_qr"].hold_hours, rows["wechat_qr"].qr_file_id) == (36, "real-wechat-qr")

    order = await start_paying(bot, li, "zh", "KIWI-5KG")
    assert "💙 支付宝" not in [t for t, _ in bot.buttons(li)]
    calls = await bot.tap(li, "微信支付")
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    assert photo.params["photo"] == "real-wechat-qr"
    assert "我们为您保留 36 小时" in photo.params["caption"]
    stored = order_row(bot, order)
    assert aware(stored.expires_at) - aware(stored.created_at) >= timedelta(hours=36)


async def test_a_buyer_cannot_pick_a_method_for_someone_elses_payment(
    bot: Harness, li: TgUser, ann: TgUser
) -> None:
    order = await start_paying(bot, li, "zh", "KIWI-5KG")
    reference = payment_of(bot, order).reference
    method_id = int(next(d for _, d in bot.buttons(li) if d.startswith("PAY how")).split()[-1])
    await bot.command(ann, "/start")
    calls = await bot.press(ann, f"PAY how {reference} {method_id}")
    assert "This payment is not known" in last_text(calls)
    calls = await bot.press(ann, f"PAY counter {reference}")
    assert "This payment is not known" in last_text(calls)
    assert payment_of(bot, order).method_id is None and payment_of(bot, order).proof_at is None


async def test_buyers_cannot_press_operator_payment_buttons(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    for data in ("OPS payment P2345678", "OPS reject P2345678", "OPM list", "OPM toggle 1"):
        calls = await bot.press(ann, data)
        assert calls[0].params["text"] == "Sorry, this is not allowed for your account."
    with bot.db.session() as session:
        assert all(m.enabled for m in session.exec(select(VillagePaymentMethod)))


async def test_checkout_and_adoption_state_one_hold(bot: Harness, li: TgUser) -> None:
    from tests.test_adopt import fill_dialogue

    await fill_dialogue(bot, li, "PEACH-0005", gift=False, country="CN")
    summary = last_text(bot.api.calls)
    assert "确认后，这棵树为您保留 24 小时" in summary
    calls = await bot.press(li, "ADOPT ok")
    held = [t for t in texts(calls) if "已为您保留到" in t]
    offer = [t for t in texts(calls) if "您想怎样付款？" in t]
    assert held and offer
    deadline = held[0].split("保留到 ")[1].split("，")[0]
    assert deadline in offer[0]  # the same deadline on both messages


def reserved_adoption(bot: Harness, user: TgUser, code: str) -> tuple[int, str]:
    """Reserves a tree for `user` with an offline payment; returns (adoption id, reference)."""
    from models.adoption.adoptions import reserve_tree, start_draft, update_draft
    from models.core.payments import PaymentMethod, open_payment
    from tests.adoption_helpers import LAO_ADDRESS, tree_id

    assert bot.db.call(
        start_draft, user_id=user.id, tree_id=tree_id(bot.db, code), certificate_name="ນ້ອຍ"
    )
    address, phone = LAO_ADDRESS
    bot.db.call(
        update_draft, user_id=user.id, country="LA", address=address, phone=phone, nickname=""
    )
    adoption = bot.db.call(reserve_tree, user_id=user.id, minutes=60 * 24).adoption
    assert adoption is not None and adoption.id is not None
    payment = bot.db.call(
        open_payment,
        kind="adoption",
        target_id=adoption.id,
        user_id=user.id,
        method=PaymentMethod.OFFLINE,
    )
    return adoption.id, payment.reference


def counter_paid_then_expired(bot: Harness, user: TgUser, code: str) -> tuple[int, str]:
    """A Lao buyer's adoption reported paid at the counter, whose hold then ran out."""
    from models.adoption.adoptions import Adoption, expire_reservations
    from models.core.payments import ProofKind, submit_proof

    buyer(bot.db, user.id, "lo")
    adoption_id, reference = reserved_adoption(bot, user, code)
    bot.db.call(
        submit_proof, reference=reference, user_id=user.id, kind=ProofKind.COUNTER, file_id=None
    )
    with bot.db.session() as session:
        row = session.get_one(Adoption, adoption_id)
        row.reserved_until = utcnow() - timedelta(minutes=1)
        session.add(row)
        session.commit()
    assert bot.db.call(expire_reservations) == [adoption_id]
    return adoption_id, reference


async def test_late_adoption_payment_takes_the_tree_back_and_sends_a_lao_receipt(
    bot: Harness, noy: TgUser, admin: TgUser
) -> None:
    from models.adoption.adoptions import Adoption, AdoptionStatus

    adoption_id, reference = counter_paid_then_expired(bot, noy, "PEACH-0007")
    await bot.command(admin, "/ops")
    await bot.press(admin, f"OPS payment {reference}")
    calls = await bot.tap(admin, "确认")
    assert f"✅ 付款 {reference} 已确认" in last_text(calls)
    with bot.db.session() as session:
        row = session.get_one(Adoption, adoption_id)
    assert row.status == AdoptionStatus.ACTIVE and row.hold_key is not None
    bot.api.clear()
    await deliver_pending(bot.app)
    photos = [c for c in bot.api.sent("sendPhoto") if c.params["chat_id"] == noy.id]
    assert photos[-1].params["caption"].startswith("🧾 ໃບຮັບເງິນສຳລັບ CERT-")


async def test_late_adoption_payment_for_a_tree_someone_else_took_is_refunded(
    bot: Harness, noy: TgUser, li: TgUser, admin: TgUser
) -> None:
    from models.adoption.adoptions import Adoption, expire_reservations

    buyer(bot.db, noy.id, "lo")
    buyer(bot.db, li.id, "zh")
    adoption_id, reference = reserved_adoption(bot, noy, "PEACH-0007")
    with bot.db.session() as session:
        row = session.get_one(Adoption, adoption_id)
        row.reserved_until = utcnow() - timedelta(minutes=1)
        session.add(row)
        session.commit()
    bot.db.call(expire_reservations)
    reserved_adoption(bot, li, "PEACH-0007")  # someone else has it now
    calls = await bot.command(admin, f"/confirm {reference}")
    assert "已无法提供" in last_text(calls)
    assert {"↩️ 记录退款", "🔁 请买家重新选择"} <= {t for t, _ in bot.buttons(admin)}
    await bot.tap(admin, "记录退款")
    with bot.db.session() as session:
        payment = session.exec(select(Payment).where(Payment.reference == reference)).one()
    assert payment.status == PaymentStatus.REFUND_DUE
    bot.api.clear()
    await deliver_pending(bot.app)
    told = [c.params["text"] for c in bot.api.sent("sendMessage") if c.params["chat_id"] == noy.id]
    assert any("ໄປສະນີຈະຄືນ" in text for text in told), told


async def test_erasing_my_data_drops_the_slip_of_a_settled_payment(
    bot: Harness, li: TgUser, admin: TgUser
) -> None:
    from models.core.payments import confirm_offline_payment
    from models.privacy import erase_user_data

    order = await start_paying(bot, li, "zh", "KIWI-5KG")
    await bot.tap(li, "微信支付")
    await bot.tap(li, "我已付款")
    await bot.photo(li, "slip-with-my-bank-name")
    bot.db.call(
        confirm_offline_payment, reference=payment_of(bot, order).reference, operator_id=admin.id
    )
    bot.db.call(erase_user_data, user_id=li.id)
    assert payment_of(bot, order).proof_file_id is None


async def test_operator_adds_a_way_to_pay_switched_off_until_filled_in(
    bot: Harness, noy: TgUser, admin: TgUser
) -> None:
    await bot.command(admin, "/ops")
    await bot.tap(admin, "更多工具")  # the rarer tools are one screen further
    await bot.tap(admin, "付款方式")
    await bot.tap(admin, "添加付款方式")
    await bot.tap(admin, "蓬萨旺村")
    calls = await bot.tap(admin, "支付宝")
    assert "已添加，目前关闭" in last_text(calls)
    with bot.db.session() as session:
        [added] = session.exec(
            select(VillagePaymentMethod).where(VillagePaymentMethod.kind == "alipay_qr")
        ).all()[-1:]
    assert (added.enabled, added.name_zh, added.name_en) == (False, "支付宝", "Alipay")
    await bot.tap(admin, "收款账户")
    await bot.text(admin, "ໄປສະນີບ້ານໂພນສະຫວ່າງ · Alipay 123")
    await bot.tap(admin, "开启")
    await start_paying(bot, noy, "lo", "COFFEE-500G")
    assert any("ອາລີເພ" in text for text, _ in bot.buttons(noy))
    for data in (f"OPM add {added.village_id} counter", "OPM new", "OPM new-in 1"):
        calls = await bot.press(noy, data)
        assert calls[0].params["text"] == "ຂໍອະໄພ, ບັນຊີຂອງທ່ານບໍ່ມີສິດເຮັດສິ່ງນີ້."


async def test_the_payments_list_says_who_pays_for_what(
    bot: Harness, li: TgUser, admin: TgUser
) -> None:
    order = await slip_sent(bot, li, "slip-photo-1")
    reference = payment_of(bot, order).reference
    text = await payments_queue(bot, admin)
    line = text.split(reference, 1)[1].split("\n\n")[0]
    assert "买家：李娜" in line and order.number in line
