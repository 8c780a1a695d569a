"""The Telegram invoice path of the shared payment step (PAYMENT_PROVIDER_TOKEN set): the invoice,
the pre-checkout answer (yes while payable, no in the user's language once expired), and the
successful payment that activates the adoption and sends its certificate."""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.app import build_application
from bot.config import Settings
from bot.db import Database
from bot.notify import deliver_pending
from bot.offline import OfflineBotAPI
from models.adoption.adoptions import Adoption, AdoptionStatus
from models.core.base import utcnow
from models.core.payments import Payment, PaymentMethod, PaymentStatus
from tests.factories import TgUser, make_message_update, next_update_id
from tests.harness import Harness
from tests.test_adopt import fill_dialogue

_ids = itertools.count(1)


@pytest.fixture
async def paybot(settings: Settings, db: Database) -> AsyncIterator[Harness]:
    """The bot with a payment provider token: payments are Telegram invoices."""
    settings = dataclasses.replace(settings, payment_provider_token="284685063:TEST:provider")
    api = OfflineBotAPI()
    application = build_application(settings, db, request=api, rate_limit=False)
    async with application:
        yield Harness(application, api, db)


def pre_checkout(user: TgUser, invoice: dict[str, Any]) -> dict[str, Any]:
    """Telegram's pre-checkout query for an invoice the bot sent."""
    query = {
        "id": f"pcq{next(_ids)}",
        "from": user.json(),
        "currency": invoice["currency"],
        "total_amount": sum(int(p["amount"]) for p in invoice["prices"]),
        "invoice_payload": invoice["payload"],
    }
    return {"update_id": next_update_id(), "pre_checkout_query": query}


def successful_payment(user: TgUser, invoice: dict[str, Any], charge: str) -> dict[str, Any]:
    """The service message Telegram sends once the money is taken."""
    content = {
        "currency": invoice["currency"],
        "total_amount": sum(int(p["amount"]) for p in invoice["prices"]),
        "invoice_payload": invoice["payload"],
        "telegram_payment_charge_id": charge,
        "provider_payment_charge_id": f"provider_{charge}",
    }
    data = make_message_update(user, "")
    data["message"].pop("text")
    data["message"]["successful_payment"] = content
    data["message"]["date"] = int(time.time())
    return data


async def test_adoption_paid_by_invoice_gets_its_certificate(paybot: Harness, li: TgUser) -> None:
    await fill_dialogue(paybot, li, "PEACH-0004", gift=False, country="CN")
    await paybot.press(li, "ADOPT ok")
    invoice = paybot.api.sent("sendInvoice")[-1].params
    with paybot.db.session() as session:
        adoption = session.exec(select(Adoption)).one()
        payment = session.exec(select(Payment)).one()
    assert invoice["currency"] == "CNY" and invoice["provider_token"] == "284685063:TEST:provider"
    assert invoice["payload"] == payment.reference and payment.method == PaymentMethod.TELEGRAM
    assert sum(int(p["amount"]) for p in invoice["prices"]) == adoption.amount_fen
    calls = await paybot.send(pre_checkout(li, invoice))
    assert [(c.method, c.params["ok"]) for c in calls] == [("answerPreCheckoutQuery", True)]
    await paybot.send(successful_payment(li, invoice, "tg_charge_1"))
    with paybot.db.session() as session:
        assert session.get_one(Adoption, adoption.id).status == AdoptionStatus.ACTIVE
        row = session.get_one(Payment, payment.id)
    assert (row.status, row.telegram_payment_charge_id) == (PaymentStatus.PAID, "tg_charge_1")
    await deliver_pending(paybot.app)
    certificate = paybot.api.sent("sendPhoto")[-1]
    assert certificate.params["chat_id"] == li.id and certificate.files["photo"][1][:4] == (
        b"\x89PNG"
    )


async def test_expired_reservation_is_refused_at_checkout_in_the_users_language(
    paybot: Harness, noy: TgUser
) -> None:
    await fill_dialogue(paybot, noy, "PEACH-0006", gift=False, country="LA")
    await paybot.press(noy, "ADOPT ok")
    invoice = paybot.api.sent("sendInvoice")[-1].params
    with paybot.db.session() as session:  # the reservation runs out before the buyer pays
        session.exec(update(Adoption).values(reserved_until=utcnow()))  # type: ignore[call-overload]
        session.commit()
    calls = await paybot.send(pre_checkout(noy, invoice))
    answer = calls[-1].params
    assert answer["ok"] is False
    assert answer["error_message"].startswith("ບໍ່ສາມາດຈ່າຍໄດ້ແລ້ວ")
    with paybot.db.session() as session:
        assert session.exec(select(Adoption)).one().status != AdoptionStatus.ACTIVE


async def test_a_tree_priced_in_kip_is_paid_offline_even_with_a_provider(
    paybot: Harness, li: TgUser
) -> None:
    """Invoices are in yuan (Telegram's CNY, in fen): a Lao village's tree, priced in whole
    kip, gets the village's ways to pay instead, with its amount in kip."""
    await fill_dialogue(paybot, li, "TEA-0001", gift=False, country="CN")
    calls = await paybot.press(li, "ADOPT ok")
    assert paybot.api.sent("sendInvoice") == []
    with paybot.db.session() as session:
        adoption = session.exec(select(Adoption)).one()
        payment = session.exec(select(Payment)).one()
    assert (adoption.currency, adoption.amount_fen) == ("LAK", 900000)
    assert (payment.currency, payment.amount_fen, payment.method) == (
        "LAK",
        900000,
        PaymentMethod.OFFLINE,
    )
    offer = next(c.params["text"] for c in calls if "您想怎样付款？" in c.params.get("text", ""))
    assert "900,000基普 (约合 ¥300.00，按 1 元 = 3,000 基普)" in offer
