"""The production rate limiter on a virtual clock: counts and orderings, never wall-clock timings.

`VirtualClockLoop` (benchmarks/pictures.py) jumps its clock to the next timer instead of waiting,
so the limiter paces exactly as in real time while a test runs in milliseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram.error import RetryAfter

from benchmarks.pictures import VirtualClockLoop
from bot.app import build_application, rate_limiter
from bot.config import Settings
from bot.limiter import BACKGROUND, PriorityRateLimiter, SlidingWindow, background, is_send
from bot.offline import OfflineBotAPI
from models.core.broadcast import create_broadcast
from models.core.user import touch_user

ROUND_TRIP = 0.05


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Runs a coroutine on a fresh virtual-clock loop."""
    loop = VirtualClockLoop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


@dataclass
class Sent:
    """One call as Telegram received it."""

    at: float
    endpoint: str
    chat: int | None
    label: str


@dataclass
class FakeTelegram:
    """Calls go through the limiter to a callback that notes when Telegram got them."""

    limiter: PriorityRateLimiter = field(default_factory=PriorityRateLimiter)
    log: list[Sent] = field(default_factory=list)
    flood: dict[tuple[str, int | None], list[int]] = field(default_factory=dict)

    async def call(
        self, endpoint: str, chat: int | None = None, label: str = "", bg: bool = False
    ) -> Any:
        """One Bot API call; raises RetryAfter when a flood was planned for it."""

        async def callback() -> bool:
            await asyncio.sleep(ROUND_TRIP / 2)
            loop = asyncio.get_running_loop()
            planned = self.flood.get((endpoint, chat))
            if planned:
                self.log.append(Sent(loop.time(), endpoint, chat, "429"))
                raise RetryAfter(planned.pop(0))
            self.log.append(Sent(loop.time(), endpoint, chat, label))
            await asyncio.sleep(ROUND_TRIP / 2)
            return True

        data = {"chat_id": chat} if chat is not None else {}
        args = {"priority": BACKGROUND} if bg else None
        return await self.limiter.process_request(callback, (), {}, endpoint, data, args)

    def sends(self) -> list[Sent]:
        """The calls that put a message into a chat, in the order Telegram got them."""
        return [s for s in self.log if is_send(s.endpoint) and s.label != "429"]


def most_in_window(times: list[float], seconds: float = 1.0) -> int:
    """The most stamps in any window [t, t + seconds)."""
    times = sorted(times)
    best, first = 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - seconds:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_no_second_holds_more_than_30_sends() -> None:
    async def scenario() -> FakeTelegram:
        tg = FakeTelegram()
        replies = [tg.call("sendMessage", 1000 + n) for n in range(100)]
        pushes = [tg.call("sendMessage", 5000 + n, bg=True) for n in range(100)]
        photos = [tg.call("sendPhoto", 9000 + n) for n in range(20)]
        await asyncio.gather(*replies, *pushes, *photos)
        return tg

    tg = run(scenario())
    assert len(tg.sends()) == 220
    assert most_in_window([s.at for s in tg.sends()]) == 30


def test_replies_go_before_background_sends_queued_earlier() -> None:
    async def scenario() -> FakeTelegram:
        tg = FakeTelegram()
        pushes = [
            asyncio.create_task(tg.call("sendMessage", 5000 + n, "bg", True)) for n in range(90)
        ]
        await asyncio.sleep(0.5)  # the broadcast is under way
        await asyncio.gather(*(tg.call("sendMessage", 1000 + n, "fg") for n in range(40)))
        await asyncio.gather(*pushes)
        return tg

    labels = [s.label for s in run(scenario()).sends()]
    first_fg, last_fg = labels.index("fg"), len(labels) - labels[::-1].index("fg") - 1
    assert labels[first_fg : last_fg + 1] == ["fg"] * 40  # no push slipped in between
    # 30 pushes went in the first second, before the replies came; 60 were still queued
    assert labels.count("bg") == 90 and first_fg == 30


def test_edits_and_callback_answers_do_not_wait_for_the_budget() -> None:
    async def scenario() -> FakeTelegram:
        tg = FakeTelegram()
        backlog = [asyncio.create_task(tg.call("sendMessage", 1000 + n)) for n in range(90)]
        await asyncio.sleep(0.2)  # 30 sent, 60 waiting for the next two seconds
        await tg.call("answerCallbackQuery", None, "answer")
        await tg.call("editMessageText", 7, "edit")
        await asyncio.gather(*backlog)
        return tg

    order = [s.label or s.endpoint for s in run(scenario()).log]
    assert order.index("answer") == 30 and order.index("edit") == 31  # behind no queued send


def test_a_first_reply_passes_other_users_follow_ups() -> None:
    async def user(tg: FakeTelegram, chat: int, replies: int) -> None:
        for n in range(replies):
            await tg.call("sendMessage", chat, f"reply {n + 1}")

    async def scenario() -> FakeTelegram:
        tg = FakeTelegram()
        busy = [asyncio.create_task(user(tg, 1000 + n, 4)) for n in range(40)]
        await asyncio.sleep(1.2)  # the busy users are on their second or third reply
        await tg.call("sendMessage", 99, "newcomer")
        await asyncio.gather(*busy)
        return tg

    labels = [s.label for s in run(scenario()).sends()]
    newcomer = labels.index("newcomer")
    assert "reply 4" not in labels[:newcomer]
    assert labels[newcomer + 1 :].count("reply 3") > 0  # it did not wait for the third round


def test_background_sends_are_one_per_second_per_chat_and_groups_20_per_minute() -> None:
    async def scenario() -> FakeTelegram:
        tg = FakeTelegram()
        await asyncio.gather(
            *(tg.call("sendMessage", 42, "push", True) for _ in range(6)),
            *(tg.call("sendMessage", -100123, "group") for _ in range(25)),
            *(tg.call("sendMessage", 5000 + n, "other", True) for n in range(60)),
        )
        return tg

    tg = run(scenario())
    pushes = [s.at for s in tg.sends() if s.label == "push"]
    group = [s.at for s in tg.sends() if s.label == "group"]
    assert len(pushes) == 6 and most_in_window(pushes) == 1
    assert len(group) == 25 and most_in_window(group, 60.0) == 20


def test_retry_after_pauses_that_chat_only() -> None:
    async def user(tg: FakeTelegram, chat: int) -> None:
        for _ in range(3):
            await tg.call("sendMessage", chat)

    async def scenario() -> FakeTelegram:
        tg = FakeTelegram()
        tg.flood[("editMessageText", 7)] = [5]
        others = [asyncio.create_task(user(tg, 1000 + n)) for n in range(30)]
        await tg.call("editMessageText", 7, "edit")
        await tg.call("sendMessage", 7, "after")
        await asyncio.gather(*others)
        return tg

    tg = run(scenario())
    flood = next(s.at for s in tg.log if s.label == "429")
    retried = next(s.at for s in tg.log if s.label == "edit")
    assert [s.label for s in tg.log if s.chat == 7] == ["429", "edit", "after"]
    assert retried >= flood + 5
    assert sum(flood < s.at < flood + 5 for s in tg.log if s.chat != 7) > 30  # others went on


def test_retry_after_without_a_chat_pauses_the_whole_bot() -> None:
    async def scenario() -> FakeTelegram:
        tg = FakeTelegram()
        tg.flood[("answerCallbackQuery", None)] = [3]
        answer = asyncio.create_task(tg.call("answerCallbackQuery", None, "answer"))
        await asyncio.sleep(0.1)  # the 429 is in
        await asyncio.gather(*(tg.call("editMessageText", 1000 + n) for n in range(5)))
        await answer
        return tg

    tg = run(scenario())
    flood = next(s.at for s in tg.log if s.label == "429")
    after = [s for s in tg.log if s.at > flood]
    assert len(after) == 6 and all(s.at >= flood + 3 for s in after)


def test_retry_after_on_a_background_send_pauses_every_send_but_not_edits() -> None:
    async def scenario() -> FakeTelegram:
        tg = FakeTelegram()
        tg.flood[("sendMessage", 5000)] = [4]
        push = asyncio.create_task(tg.call("sendMessage", 5000, "push", True))
        await asyncio.sleep(0.1)
        await asyncio.gather(
            tg.call("sendMessage", 1000, "reply"), tg.call("editMessageText", 1001, "edit")
        )
        await push
        return tg

    tg = run(scenario())
    flood = next(s.at for s in tg.log if s.label == "429")
    at = {s.label: s.at for s in tg.log}
    assert at["edit"] < flood + 4 <= at["reply"] and at["push"] >= flood + 4


def test_the_outbox_marks_its_sends_as_background(db: Any, settings: Settings) -> None:
    """The outbox's sends reach the limiter as background; without a limiter they carry nothing."""
    for user_id in (11, 12, 13):
        db.call(
            touch_user,
            telegram_id=user_id,
            first_name="A",
            last_name=None,
            username=None,
            language_code="en",
            language="en",
            is_admin=False,
        )
    db.call(create_broadcast, audience="all", texts={"en": "Ripe!"}, created_by=1)
    seen: list[tuple[str, Any]] = []

    class Spy(PriorityRateLimiter):
        async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[no-untyped-def]
            seen.append((endpoint, rate_limit_args))
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

    async def scenario() -> None:
        from bot.notify import deliver_pending

        app = build_application(settings, db, request=OfflineBotAPI(), rate_limit=True)
        app.bot._rate_limiter = Spy()  # type: ignore[attr-defined]
        async with app:
            assert await deliver_pending(app) == 3
        assert (
            background(
                build_application(settings, db, request=OfflineBotAPI(), rate_limit=False).bot
            )
            == {}
        )

    run(scenario())
    sends = [args for endpoint, args in seen if endpoint == "sendMessage"]
    assert sends == [{"priority": BACKGROUND}] * 3
    assert isinstance(rate_limiter(), PriorityRateLimiter)


def test_a_send_counts_from_when_it_leaves_not_when_it_was_granted() -> None:
    """A busy loop resumes a granted send late; the window counts it from then."""
    window = SlidingWindow(2, 1.0)
    window.note(0.0)
    late = window.note(0.0)
    late[0] = 0.6  # the task ran (and the request left) only at 0.6
    assert window.wait(1.0) == 0.0  # the first has left the window, the late one has not
    window.note(1.0)
    assert window.wait(1.0) == pytest.approx(0.6)  # the next fits when the late one leaves


def test_replies_during_a_broadcast_find_room_at_once() -> None:
    """While people are being answered a broadcast leaves places free: a burst of replies goes
    at once instead of waiting for the broadcast's sends to age out of the window."""

    async def scenario() -> tuple[FakeTelegram, float]:
        tg = FakeTelegram()
        pushes = [
            asyncio.create_task(tg.call("sendMessage", 5000 + n, "bg", True)) for n in range(300)
        ]
        await asyncio.sleep(0.5)
        await tg.call("sendMessage", 999, "fg")  # someone is being answered
        await asyncio.sleep(2.0)  # the broadcast goes on meanwhile
        burst_at = asyncio.get_running_loop().time()
        await asyncio.gather(*(tg.call("sendMessage", 1000 + n, "fg") for n in range(8)))
        await asyncio.gather(*pushes)
        return tg, burst_at

    tg, burst_at = run(scenario())
    replies = [s.at for s in tg.sends() if s.label == "fg" and s.chat != 999]
    assert len(replies) == 8 and max(replies) - burst_at <= ROUND_TRIP / 2 + 0.01
    assert most_in_window([s.at for s in tg.sends()]) <= 30


def test_a_broadcast_nobody_interrupts_uses_the_whole_budget() -> None:
    async def scenario() -> FakeTelegram:
        tg = FakeTelegram()
        await asyncio.gather(*(tg.call("sendMessage", 5000 + n, bg=True) for n in range(120)))
        return tg

    assert most_in_window([s.at for s in run(scenario()).sends()]) == 30


def test_a_broadcast_still_moves_on_while_replies_keep_coming() -> None:
    """Replies at 25 a second, for 10 s: the broadcast still gets a trickle, never over 30/s."""

    async def scenario() -> FakeTelegram:
        tg = FakeTelegram()
        pushes = [
            asyncio.create_task(tg.call("sendMessage", 5000 + n, "bg", True)) for n in range(500)
        ]
        replies = []
        for n in range(250):
            replies.append(asyncio.create_task(tg.call("sendMessage", 1000 + n, "fg")))
            await asyncio.sleep(1 / 25)
        await asyncio.gather(*replies)
        for push in pushes:
            push.cancel()
        await asyncio.gather(*pushes, return_exceptions=True)
        return tg

    tg = run(scenario())
    pushed = [s.at for s in tg.sends() if s.label == "bg" and 2.0 <= s.at <= 10.0]
    assert len(pushed) >= 2 * 8  # at least two a second in the busy stretch
    assert most_in_window([s.at for s in tg.sends()]) <= 30
