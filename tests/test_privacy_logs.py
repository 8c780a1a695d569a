"""No phone number, address or payment detail reaches the log, even at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.redact import RedactingFilter, install, redact
from tests import fake_orders
from tests.harness import Harness
from tests.test_privacy import (
    ADDRESS_CN,
    ADDRESS_LA,
    CHARGE,
    ERASED,
    PHONE_LA,
    PROVIDER_CHARGE,
    ZOE,
    buyer_with_history,
)

OWN_LOGGERS = ("bot", "handlers", "models")


class ListHandler(logging.Handler):
    """Keeps every record's final message, unfiltered."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []
        self.tracebacks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        self.tracebacks.append(record.exc_text or "")


@pytest.fixture
def own_logs() -> Iterator[ListHandler]:
    """What the bot's own modules log, before any filter could mask it."""
    handler = ListHandler()
    for name in OWN_LOGGERS:
        logging.getLogger(name).addHandler(handler)
    yield handler
    for name in OWN_LOGGERS:
        logging.getLogger(name).removeHandler(handler)


async def test_full_journey_leaves_no_personal_data_in_the_log(
    bot: Harness, caplog: pytest.LogCaptureFixture, own_logs: ListHandler
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter())
    fake_orders.install(bot.app)
    await buyer_with_history(bot, ZOE)
    await bot.text(ZOE, f"my other address is {ADDRESS_LA}, call {PHONE_LA}")
    await bot.command(ZOE, "/mydata")
    await bot.command(ZOE, "/deletemydata")
    await bot.press(ZOE, "PRIV DEL YES")
    assert caplog.records, "the journey should log something at DEBUG"
    assert any("sendMessage" in record.getMessage() for record in caplog.records)
    for value in [*ERASED, ADDRESS_LA, PHONE_LA, "02055551234"]:
        assert value not in caplog.text, value
        assert not any(value in message for message in own_logs.messages), value


def test_redact_masks_phones_addresses_and_charges() -> None:
    samples = {
        "13812345678": "call 13812345678 now",
        "+86 138 1234 5678": "tel +86 138 1234 5678",
        "020 5555 1234": "tel 020 5555 1234.",
        "+856 20 5555 1234": "tel +856 20 5555 1234",
        ADDRESS_CN: f"to {ADDRESS_CN}",
        ADDRESS_LA: f"to {ADDRESS_LA}",
        "88 Setthathirath Road": "ship to 88 Setthathirath Road, Vientiane",
        CHARGE: f"telegram_payment_charge_id='{CHARGE}'",
        PROVIDER_CHARGE: f'"provider_payment_charge_id": "{PROVIDER_CHARGE}"',
        "4242 4242 4242 4242": "card 4242 4242 4242 4242",
    }
    for secret, line in samples.items():
        assert secret not in redact(line), line
    kept = "update 12345 from user 1001: payment P7KQ3XM9A of 88.00 CNY at 2026-11-29 10:00"
    assert redact(kept) == kept


def test_setup_logging_installs_the_filter() -> None:
    logger = logging.getLogger("test.redact")
    handler = ListHandler()
    logger.addHandler(handler)
    logger.propagate = False
    try:
        install(logger)
        logger.warning("order for %s, phone %s", ADDRESS_CN, "13812345678")
        try:
            raise ValueError(f"bad address {ADDRESS_CN}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert handler.messages[0] == "order for [redacted], phone [redacted]"
    assert "ValueError: bad address [redacted]" in handler.tracebacks[1]


async def test_shop_checkout_leaves_no_personal_data_in_the_log(
    bot: Harness, caplog: pytest.LogCaptureFixture, own_logs: ListHandler
) -> None:
    from tests.test_privacy_shop import ADDRESS, BUYER, lao_order

    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter())
    await lao_order(bot)
    await bot.command(BUYER, "/deletemydata")
    await bot.press(BUYER, "PRIV DEL YES")
    for value in (ADDRESS, "ສຸກສະຫວັນ", "5555 1234", "2055551234", "Souksavanh", "Phommachanh"):
        assert value not in caplog.text, value
        assert not any(value in message for message in own_logs.messages), value
