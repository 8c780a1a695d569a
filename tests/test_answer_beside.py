"""A tapped button's answer travels beside the screen it opens, not before it: on the real
network that is one round trip before the buyer sees the screen instead of two."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Settings
from bot.db import Database
from bot.offline import OfflineBotAPI
from tests.engine_helpers import running
from tests.factories import TgUser
from tests.harness import Harness
from tests.test_payment_offline import start_paying


class SlowAnswers(OfflineBotAPI):
    """The offline Bot API whose button answers take a while; it notes when each call starts
    and ends."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str]] = []

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Notes the call's start and end; an answerCallbackQuery takes 30 ms."""
        name = url.rsplit("/", 1)[-1]
        self.events.append(("start", name))
        if name == "answerCallbackQuery":
            await asyncio.sleep(0.03)
        try:
            return await super().do_request(url, method, *args, **kwargs)
        finally:
            self.events.append(("end", name))


@pytest.fixture
async def slow(settings: Settings, db: Database) -> AsyncIterator[Harness]:
    """The real Application behind a Bot API whose button answers are slow."""
    async with running(settings, db, api=SlowAnswers()) as harness:
        yield harness


async def test_the_payment_qr_goes_out_while_the_button_is_answered(
    slow: Harness, li: TgUser
) -> None:
    api = slow.api
    assert isinstance(api, SlowAnswers)
    await start_paying(slow, li, "zh", "HONEY-500G")
    api.events.clear()
    calls = await slow.tap(li, "支付宝")
    assert [c.method for c in calls].count("sendPhoto") == 1  # the QR, as a photo
    assert [c.method for c in calls].count("answerCallbackQuery") == 1
    events = api.events
    photo_starts = events.index(("start", "sendPhoto"))
    answer_ends = events.index(("end", "answerCallbackQuery"))
    assert photo_starts < answer_ends, events


async def test_a_picture_card_goes_out_while_the_button_is_answered(
    slow: Harness, ann: TgUser
) -> None:
    api = slow.api
    assert isinstance(api, SlowAnswers)
    await slow.command(ann, "/shop")
    await slow.tap(ann, "Honey")
    api.events.clear()
    await slow.tap(ann, "Shibadong wild honey")
    assert ("start", "editMessageMedia") in api.events, api.events
    card_starts = api.events.index(("start", "editMessageMedia"))
    assert card_starts < api.events.index(("end", "answerCallbackQuery")), api.events
