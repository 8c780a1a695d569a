"""Outgoing Bot API calls paced after Telegram's limits: the answer to the update at hand first.

What counts toward the ~30 messages/s. Telegram's Bot FAQ ("My bot is hitting limits, how do I
avoid this?") says: "When sending messages inside a particular chat, avoid sending more than one
message per second"; "If you're sending bulk notifications to multiple users, the API will not
allow more than 30 messages per second or so"; "your bot will not be able to send more than 20
messages per minute to the same group". Every limit there is about *sending messages* to chats.
So the budget of 30/s is spent by the calls that put a new message into a chat (send*, copy*,
forward*; `SENDS`). An edit (editMessageText ...) changes a message the user already has and adds
none; an answerCallbackQuery is not a message at all (it has no chat, it stops the button's
spinner or shows a toast); neither is a "notification to a user", so neither waits on the budget.
They are still subject to whatever Telegram answers: a RetryAfter on them is honoured (below).
That is also what keeps a user's first reply from queueing behind other users' edits.

Priority. Calls made while handling an update (the reply, the edit, the callback answer) are
foreground. Background senders (the outbox, and broadcasts through it) mark their calls with
`rate_limit_args={"priority": "background"}` (see `background()`): they are paced to one message
per second per chat and take only the budget the foreground leaves: while people are being
answered (a reply went out in the last `RESERVE_SECONDS`), background sends leave the last
`RESERVE` places of the window free, so a reply never waits for a broadcast's burst to age out of
the window, except for a trickle (`TRICKLE` per window) so that a broadcast still moves on
through a peak that lasts; when nobody is being answered they use all of it. Among foreground
sends, the
budget is shared fairly between chats (start-time fair queuing): a chat that has not sent lately
goes before one that sent a moment ago, so a user's first reply passes other users' follow-ups.

RetryAfter. Telegram says only "the number of seconds left to wait before the request can be
repeated". A 429 on a call to a chat pauses that chat. When that chat was within its own
one-per-second limit (a background send always is; a foreground send whose previous message to
the chat was a second or more ago), the 429 can only be the bot's overall message limit, so every
send pauses. A 429 on a call without a chat (answerCallbackQuery ...) pauses the whole bot. The
call is then repeated, up to `max_retries` times.

The overall budget is a sliding window: a send goes when fewer than 30 went in the last 1.05 s,
so no 1-second window at Telegram holds more than 30 even when a send reaches Telegram up to 50 ms
later or sooner than the one 30 places before it (a busy event loop, the network's jitter); that
guard costs 5% of the budget (28.6 messages/s sustained). aiolimiter's leaky bucket does not fit
here: with room for 30 it lets 59 out in the first second; with room for one (one per 1/30 s)
every moment the event loop is late is budget lost for good, and a busy loop (a burst of users)
then sent only ~20 messages/s in the benchmark.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import heapq
import itertools
import logging
import math
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

MESSAGES_PER_SECOND = 30
WINDOW = 1.05  # seconds: Telegram's second plus a guard for jitter on the way there
CHAT_SPACING = 1.0  # seconds between background messages to one private chat
GROUP_SPACING = 60 / 20  # seconds between any two messages to one group: 20 per minute
RESERVE = 10  # places of the 30 background sends leave to replies while people are answered
RESERVE_SECONDS = 2.0  # "while": a reply went out this recently
TRICKLE = 3  # background sends per window that go even into the reserve: a broadcast moves on
BACKGROUND = "background"
FOREGROUND = "foreground"
SENDS = ("send", "copymessage", "forwardmessage")  # endpoint prefixes that add a message
NOT_SENDS = ("sendchataction",)

Result = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, Result]]


def background(bot: Bot) -> dict[str, Any]:
    """Keyword arguments that mark a call as a background send (none without a rate limiter)."""
    # PTB refuses rate_limit_args on a bot without a limiter (tests and benchmarks run so).
    if getattr(bot, "rate_limiter", None) is None:
        return {}
    return {"rate_limit_args": {"priority": BACKGROUND}}


def is_send(endpoint: str) -> bool:
    """Whether a Bot API method puts a new message into a chat (and so spends the budget)."""
    name = endpoint.lower()
    return name.startswith(SENDS) and not name.startswith(NOT_SENDS)


def chat_of(data: dict[str, Any]) -> int | str | None:
    """The chat a call is addressed to, if any (an @username stays a string)."""
    chat = data.get("chat_id")
    if chat is None:
        return None
    with contextlib.suppress(ValueError, TypeError):
        return int(chat)
    return str(chat)


def is_group(chat: int | str) -> bool:
    """Groups, supergroups and channels have negative ids (or an @username)."""
    return isinstance(chat, str) or chat < 0


@dataclass
class Call:
    """What the limiter knows about one outgoing call."""

    endpoint: str
    chat: int | str | None
    background: bool
    send: bool
    previous_send: float = -math.inf  # when this chat last got a message before this one


@dataclass(order=True)
class _Waiter:
    """A send waiting for its share of the overall budget; the smallest key goes first."""

    key: tuple[int, float, int]
    future: asyncio.Future[list[float]] = field(compare=False)


class SlidingWindow:
    """At most `limit` events in any `period` seconds; an event's time may be moved later."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._slots: list[list[float]] = []  # one [time] per recent event (at most `limit`)

    def wait(self, now: float, limit: int | None = None) -> float:
        """How long until one more event fits under `limit` (default: the window's; 0: now)."""
        limit = self.limit if limit is None else limit
        self._slots = [slot for slot in self._slots if slot[0] > now - self.period]
        if len(self._slots) < limit:
            return 0.0
        times = sorted(slot[0] for slot in self._slots)
        return times[len(times) - limit] + self.period - now  # when enough have aged out

    def note(self, now: float) -> list[float]:
        """Records one event; the caller may move its time later through the returned slot."""
        slot = [now]
        self._slots.append(slot)
        return slot


class MessageBudget:
    """The bot-wide ~30 messages/s, handed out by priority: foreground first, fair by chat."""

    def __init__(self, per_second: int, window: float = WINDOW, reserve: int = RESERVE) -> None:
        self._window = SlidingWindow(per_second, window)
        self._waiting: list[_Waiter] = []
        self._order = itertools.count()
        self._virtual = 0.0  # start-time fair queuing: the tag of the send granted last
        self._tags: dict[int | str | None, float] = {}
        self._dispatcher: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()  # wakes the dispatcher: a reply may fit where a push not
        self._last_foreground = -math.inf
        self._background: collections.deque[float] = collections.deque()  # their grant times
        self.reserve = reserve
        self.paused_until = 0.0

    def _key(self, call: Call) -> tuple[int, float, int]:
        """Background after foreground; among foreground, chats that sent least lately first."""
        if call.background:
            return (1, 0.0, next(self._order))
        tag = max(self._virtual, self._tags.get(call.chat, 0.0)) + 1
        self._tags[call.chat] = tag
        if len(self._tags) > 4096:
            self._tags = {chat: t for chat, t in self._tags.items() if t > self._virtual}
        return (0, tag, next(self._order))

    def _room(self, now: float, background: bool) -> float:
        """How long until a send of this priority fits (0: now)."""
        while self._background and self._background[0] <= now - self._window.period:
            self._background.popleft()
        quiet = now - self._last_foreground >= RESERVE_SECONDS
        if not background or quiet or len(self._background) < TRICKLE:
            return self._window.wait(now)
        return self._window.wait(now, max(1, self._window.limit - self.reserve))

    def _grant(self, key: tuple[int, float, int], now: float) -> list[float]:
        """Takes a place in the window for the send with this key."""
        if key[0] == 0:
            self._virtual = key[1]
            self._last_foreground = now
        else:
            self._background.append(now)
        return self._window.note(now)

    async def take(self, call: Call) -> None:
        """Waits until this send may go."""
        loop = asyncio.get_running_loop()
        key, now = self._key(call), loop.time()
        first = not self._waiting or key < self._waiting[0].key  # (a reply passes pushes)
        if first and self.paused_until <= now and not self._room(now, call.background):
            # Nobody to go before it and room in the window: go at once, without a trip through
            # the dispatcher (on a busy loop every extra task switch costs a turn of the queue).
            self._grant(key, now)
            return
        waiter = _Waiter(key, loop.create_future())
        heapq.heappush(self._waiting, waiter)
        self._arrived.set()
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="message-budget")
        slot = await waiter.future
        # The send leaves when this task runs again, which a busy loop delays: it counts from then.
        slot[0] = max(slot[0], asyncio.get_running_loop().time())

    async def _dispatch(self) -> None:
        """Grants free places of the window, each to the best waiter at that moment."""
        loop = asyncio.get_running_loop()
        while self._waiting:
            best = self._waiting[0]
            if best.future.done():  # a cancelled caller left its place
                heapq.heappop(self._waiting)
                continue
            now = loop.time()
            wait = max(self.paused_until - now, self._room(now, best.key[0] == 1))
            if wait > 0:
                self._arrived.clear()  # a reply arriving meanwhile may fit at once
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._arrived.wait()
                continue
            heapq.heappop(self._waiting)
            best.future.set_result(self._grant(best.key, now))

    async def close(self) -> None:
        """Stops handing out slots."""
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)


@dataclass
class _Turn:
    """One chat's queue of paced sends."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ChatPacing:
    """When each chat got its latest message; spaces background (and group) sends per chat."""

    def __init__(self, chat_spacing: float, group_spacing: float) -> None:
        self.chat_spacing = chat_spacing
        self.group_spacing = group_spacing
        self._last: dict[int | str, float] = {}
        self._turns: dict[int | str, _Turn] = {}
        self.paused_until: dict[int | str | None, float] = {}

    def spacing(self, chat: int | str) -> float:
        """The gap Telegram wants between two messages to this chat."""
        return self.group_spacing if is_group(chat) else self.chat_spacing

    def last(self, chat: int | str) -> float:
        """When this chat last got a message."""
        return self._last.get(chat, -math.inf)

    def note(self, chat: int | str, at: float) -> None:
        """Remembers that `chat` got a message at `at`."""
        self._last[chat] = at
        if len(self._last) > 4096:
            horizon = at - self.group_spacing
            self._last = {c: t for c, t in self._last.items() if t > horizon}

    @contextlib.asynccontextmanager
    async def turn(self, chat: int | str) -> AsyncIterator[None]:
        """One paced send to `chat` at a time, each at least the spacing after the last."""
        turn = self._turns.setdefault(chat, _Turn())
        turn.users += 1
        try:
            async with turn.lock:
                loop = asyncio.get_running_loop()
                while (wait := self.last(chat) + self.spacing(chat) - loop.time()) > 0:
                    await asyncio.sleep(wait)
                yield
        finally:
            turn.users -= 1
            if not turn.users:
                del self._turns[chat]


class PriorityRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """A PTB rate limiter shaped after Telegram's limits, replies before background sends."""

    def __init__(
        self,
        per_second: int = MESSAGES_PER_SECOND,
        chat_spacing: float = CHAT_SPACING,
        group_spacing: float = GROUP_SPACING,
        max_retries: int = 3,
    ) -> None:
        self.per_second = per_second
        self.chat_spacing = chat_spacing
        self.group_spacing = group_spacing
        self.max_retries = max_retries
        self._budget: MessageBudget | None = None
        self._pacing = ChatPacing(chat_spacing, group_spacing)
        self._bot_paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to open: the budget is made on first use, on the running loop."""

    async def shutdown(self) -> None:
        """Stops the budget's dispatcher."""
        if self._budget is not None:
            await self._budget.close()
            self._budget = None

    @property
    def budget(self) -> MessageBudget:
        """The overall message budget (made on first use, on the running loop)."""
        if self._budget is None:
            self._budget = MessageBudget(self.per_second)
        return self._budget

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> Result:
        """Waits for the call's turn, makes it, and repeats it after a RetryAfter."""
        options = rate_limit_args or {}
        call = Call(
            endpoint,
            chat_of(data),
            options.get("priority") == BACKGROUND,
            is_send(endpoint),
        )
        retries = int(options.get("retries", self.max_retries))
        for attempt in range(retries + 1):
            await self._admit(call)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                self._pause(call, _seconds(exc))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _admit(self, call: Call) -> None:
        """Waits out pauses, the chat's pacing and (for sends) the overall budget."""
        loop = asyncio.get_running_loop()
        await self._wait_pauses(call)
        if call.chat is None or not call.send:
            return
        call.previous_send = self._pacing.last(call.chat)
        if call.background or is_group(call.chat):
            async with self._pacing.turn(call.chat):
                await self.budget.take(call)
                self._pacing.note(call.chat, loop.time())
        else:
            await self.budget.take(call)
            self._pacing.note(call.chat, loop.time())

    async def _wait_pauses(self, call: Call) -> None:
        """Sleeps while Telegram asked this chat, every send or the whole bot to wait."""
        loop = asyncio.get_running_loop()
        while True:
            until = max(self._bot_paused_until, self._pacing.paused_until.get(call.chat, 0.0))
            if call.send:
                until = max(until, self.budget.paused_until)
            if until <= loop.time():
                return
            await asyncio.sleep(until - loop.time())

    def _pause(self, call: Call, seconds: float) -> None:
        """Honours a RetryAfter for the chat, for every send, or for the whole bot."""
        now = asyncio.get_running_loop().time()
        until = now + seconds
        if call.chat is None:
            log.warning("Telegram asks the bot to wait %.1f s (%s)", seconds, call.endpoint)
            self._bot_paused_until = max(self._bot_paused_until, until)
            return
        self._pacing.paused_until[call.chat] = until
        within_chat_limit = now - call.previous_send >= self._pacing.spacing(call.chat)
        if call.send and (call.background or within_chat_limit):
            log.warning("Telegram asks every send to wait %.1f s (%s)", seconds, call.endpoint)
            self.budget.paused_until = max(self.budget.paused_until, until)
        else:
            log.info("Telegram asks chat %s to wait %.1f s (%s)", call.chat, seconds, call.endpoint)


def _seconds(exc: RetryAfter) -> float:
    """RetryAfter's delay in seconds, whichever type PTB gives it as."""
    delay = exc.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
