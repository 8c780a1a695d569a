"""Nothing lost, nothing twice: a process killed mid-dialogue, double taps on Confirm, the same
update delivered twice, and a successful payment reported twice."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from sqlmodel import select

from bot.app import App, build_application
from bot.config import Settings
from bot.db import Database
from bot.notify import deliver_pending
from bot.offline import OfflineBotAPI
from models.adoption.adoptions import Adoption, AdoptionDraft, AdoptionStatus
from models.core.outbox import Notification
from models.core.payments import Payment, PaymentStatus
from models.core.state import ConversationState
from models.shop.orders import Order
from models.shop.products import Cart, CartItem
from tests.factories import TgUser, _message, make_callback_update, next_update_id
from tests.harness import Harness, last_text
from tests.shop_helpers import buyer, product
from tests.test_adopt import fill_dialogue, give_consents, tree_id


async def started(settings: Settings, db: Database) -> Harness:
    """A fresh bot process on this database (initialised, as at start)."""
    api = OfflineBotAPI()
    app: App = build_application(settings, db, request=api, rate_limit=False)
    await app.initialize()
    return Harness(app, api, db)


def stored_states(db: Database) -> dict[str, str]:
    """Conversation name → stored state."""
    with db.session() as session:
        return {row.name: row.state for row in session.exec(select(ConversationState))}


async def test_checkout_carries_on_after_a_kill(settings: Settings, db: Database) -> None:
    noy = TgUser(id=4101, first_name="Noy", language_code="lo")
    first = await started(settings, db)
    await first.command(noy, "/start product_KIWI-5KG")
    await first.tap(noy, "ໃສ່ກະຕ່າ")
    await first.tap(noy, "ໃສ່ກະຕ່າ")  # two boxes
    await first.tap(noy, "🛒 ກະຕ່າ")
    await first.tap(noy, "ສັ່ງສິນຄ້າ")
    await first.tap(noy, "ລາວ")
    await first.tap(noy, "ຂ້ອຍຍິນຍອມ")
    assert "ເບີໂທ" in last_text(await first.text(noy, "ນະຄອນຫຼວງວຽງຈັນ, ບ້ານໂພນໄຊ, ເຮືອນ 12"))
    assert stored_states(db) == {"checkout": "3"}  # at the phone number
    # kill -9: no shutdown, nothing flushed; a new process starts on the same database
    second = await started(settings, db)
    text = last_text(await second.text(noy, "020 5555 1234"))
    assert "ໝາຍເຫດ" in text or "ຂ້າມ" in str(second.buttons(noy))
    summary = last_text(await second.press(noy, "CHK skip"))
    assert "ບ້ານໂພນໄຊ" in summary and "+8562055551234" in summary
    version = next(d for _, d in second.buttons(noy) if d.startswith("CHK ok "))
    await second.press(noy, version)
    with db.session() as session:
        [order] = session.exec(select(Order).where(Order.buyer_id == noy.id)).all()
        assert session.exec(select(CartItem)).all() == []  # the cart became the order
    assert (order.country, order.phone, order.subtotal_fen) == ("LA", "+8562055551234", 25600)
    assert order.address == "ນະຄອນຫຼວງວຽງຈັນ, ບ້ານໂພນໄຊ, ເຮືອນ 12"
    await second.app.shutdown()


async def test_adoption_carries_on_after_a_kill(settings: Settings, db: Database) -> None:
    li = TgUser(id=4102, first_name="李娜", language_code="zh-hans")
    first = await started(settings, db)
    give_consents(first, li)
    await first.command(li, "/start tree_PEACH-0007")
    await first.press(li, f"ADOPT go {tree_id(first, 'PEACH-0007')}")
    await first.text(li, "小桃")
    await first.press(li, "ADOPT skip")
    await first.press(li, "ADOPT for me")
    await first.press(li, "ADOPT to CN")
    assert "收件人" in last_text(await first.text(li, "湖南省长沙市岳麓路 12 号"))
    assert "手机号" in last_text(await first.press(li, "ADOPT skip"))  # to the adopter
    assert stored_states(db) == {"adopt": "8"}  # at the phone number
    second = await started(settings, db)  # the first process died without a word
    summary = last_text(await second.text(li, "138 1234 5678"))
    assert "小桃" in summary and "湖南省长沙市岳麓路 12 号" in summary
    await second.press(li, "ADOPT ok")
    with db.session() as session:
        [adoption] = session.exec(select(Adoption)).all()
        assert session.get(AdoptionDraft, li.id) is None
    assert (adoption.nickname, adoption.phone, adoption.status) == (
        "小桃",
        "+8613812345678",
        AdoptionStatus.AWAITING_PAYMENT,
    )
    assert stored_states(db) == {}
    await second.app.shutdown()


async def test_double_tap_on_adoption_confirm_makes_one(bot: Harness, ann: TgUser) -> None:
    await fill_dialogue(bot, ann, "PEACH-0005", gift=False, country="CN")
    summary = bot._last_keyboard[ann.id]
    first = await bot.press(ann, "ADOPT ok", summary)
    second = await bot.press(ann, "ADOPT ok", summary)  # the same button, tapped again
    assert any("How would you like to pay?" in str(c.params.get("text")) for c in first)
    assert second[-1].method == "answerCallbackQuery"
    with bot.db.session() as session:
        assert len(session.exec(select(Adoption)).all()) == 1
        assert len(session.exec(select(Payment)).all()) == 1


async def test_simultaneous_taps_on_adoption_confirm_make_one(bot: Harness, li: TgUser) -> None:
    await fill_dialogue(bot, li, "PEACH-0006", gift=False, country="CN")
    summary = bot._last_keyboard[li.id]
    await asyncio.gather(*(bot.press(li, "ADOPT ok", summary) for _ in range(3)))
    with bot.db.session() as session:
        assert len(session.exec(select(Adoption)).all()) == 1
        assert len(session.exec(select(Payment)).all()) == 1
    assert not any("抱歉" in str(c.params.get("text")) for c in bot.api.calls)


async def test_same_confirm_update_twice_has_one_effect(bot: Harness, noy: TgUser) -> None:
    await fill_dialogue(bot, noy, "TEA-0002", gift=False, country="LA")
    update = make_callback_update(noy, "ADOPT ok", bot._last_keyboard[noy.id])
    first = await bot.send(update)
    again = await bot.send(copy.deepcopy(update))  # Telegram delivers it once more
    assert first and again == []
    with bot.db.session() as session:
        assert len(session.exec(select(Adoption)).all()) == 1


async def checkout_to_summary(bot: Harness, user: TgUser) -> dict[str, Any]:
    """A buyer goes through checkout to the summary; returns the summary message."""
    buyer(bot.db, user.id, "en")
    give_consents(bot, user)
    await bot.command(user, "/start product_HONEY-500G")
    await bot.tap(user, "Add to cart")
    await bot.tap(user, "My cart")
    await bot.tap(user, "Check out")
    await bot.tap(user, "China")
    await bot.text(user, "1 Yuelu Road, Changsha, Hunan, Ann Lee")
    await bot.text(user, "138 0013 8000")
    await bot.press(user, "CHK skip")
    return bot._last_keyboard[user.id]


async def test_double_tap_and_repeated_update_on_checkout_confirm(
    bot: Harness, ann: TgUser
) -> None:
    stock = product(bot.db, "HONEY-500G").stock
    summary = await checkout_to_summary(bot, ann)
    version = next(d for _, d in bot.buttons(ann) if d.startswith("CHK ok "))
    update = make_callback_update(ann, version, summary)
    await bot.send(update)
    assert await bot.send(copy.deepcopy(update)) == []  # the same update: skipped
    again = await bot.press(ann, version, summary)  # a second tap: the same order, shown
    assert "already been placed" in last_text(again)
    with bot.db.session() as session:
        assert len(session.exec(select(Order)).all()) == 1
        assert len(session.exec(select(Payment)).all()) == 1
    assert product(bot.db, "HONEY-500G").stock == stock - 1


def paid(reference: str, amount: int, charge: str) -> dict[str, Any]:
    """A successful_payment as Telegram reports it."""
    return {
        "currency": "CNY",
        "total_amount": amount,
        "invoice_payload": reference,
        "telegram_payment_charge_id": charge,
        "provider_payment_charge_id": f"prov_{charge}",
    }


async def report_twice(bot: Harness, user: TgUser, payment: Payment) -> list[list[Any]]:
    """Telegram reports the same charge twice, in two different updates."""
    content = paid(payment.reference, payment.amount_fen, f"tgcharge_{user.id}")
    return [
        await bot.send(
            {"update_id": next_update_id(), "message": _message(user, successful_payment=content)}
        )
        for _ in range(2)
    ]


async def test_repeated_successful_payment_for_an_adoption_is_recorded_once(
    bot: Harness, li: TgUser
) -> None:
    await fill_dialogue(bot, li, "PEACH-0008", gift=False, country="CN")
    await bot.press(li, "ADOPT ok")
    with bot.db.session() as session:
        payment = session.exec(select(Payment)).one()
    first, second = await report_twice(bot, li, payment)
    assert "收到付款" in last_text(first) and second == []
    await deliver_pending(bot.app)
    with bot.db.session() as session:
        payments = session.exec(select(Payment)).all()
        adoption = session.exec(select(Adoption)).one()
        paid_notes = session.exec(
            select(Notification).where(Notification.kind == "adoption_paid")
        ).all()
    assert [(p.status, p.telegram_payment_charge_id) for p in payments] == [
        (PaymentStatus.PAID, f"tgcharge_{li.id}")
    ]
    assert adoption.status == AdoptionStatus.ACTIVE and len(paid_notes) == 1
    certificates = [c for c in bot.api.sent("sendPhoto") if "MYT certificate-file" in str(c.params)]
    assert len(certificates) == 1  # one certificate (the other photo is the tree's card)


async def test_repeated_successful_payment_for_an_order_is_recorded_once(
    bot: Harness, ann: TgUser
) -> None:
    await checkout_to_summary(bot, ann)
    await bot.tap(ann, "Confirm order")
    with bot.db.session() as session:
        payment = session.exec(select(Payment)).one()
    first, second = await report_twice(bot, ann, payment)
    assert "Payment received" in last_text(first) and second == []
    with bot.db.session() as session:
        payments = session.exec(select(Payment)).all()
        order = session.exec(select(Order)).one()
        cart = session.exec(select(Cart)).one()
    assert len(payments) == 1 and payments[0].status == PaymentStatus.PAID
    assert order.status == "paid" and cart.user_id == ann.id
