"""A Bot API with a real round trip, and the clock of every message it receives.

`RoundTripBotAPI` is the offline Bot API (bot/offline.py) that sleeps half the round trip before
Telegram "receives" a call and half after, as an HTTPS request to Telegram would; it stamps every
call that puts a message into a chat at the moment Telegram gets it, so a benchmark can count the
messages in any 1-second window, as Telegram's limits do.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bot.offline import ApiCall, OfflineBotAPI

# The Bot API methods that add a message to a chat: what Telegram's ~30 messages/s are about.
SEND_PREFIXES = ("send", "copymessage", "forwardmessage")


def is_message(method: str) -> bool:
    """Whether a Bot API method puts a new message into a chat (sendChatAction does not)."""
    name = method.lower()
    return name.startswith(SEND_PREFIXES) and name != "sendchataction"


class RoundTripBotAPI(OfflineBotAPI):
    """The offline Bot API behind a round trip of `rtt` seconds; keeps only stamps and counts."""

    def __init__(self, rtt: float, observe: Callable[[ApiCall], None] | None = None) -> None:
        super().__init__()
        self.rtt = rtt
        self.observe = observe
        self.stamps: list[tuple[float, int]] = []  # (perf_counter, chat) of every message
        self.methods_count: Counter[str] = Counter()
        self.messages_to: Counter[int] = Counter()
        self._arrives = 0.0

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Half the round trip out, Telegram's answer, half the round trip back."""
        # Telegram gets the call half a round trip after the bot wrote it (the simulated
        # network's own delay in waking this task is not the bot's, so it is not counted).
        arrives = time.perf_counter() + self.rtt / 2
        if self.rtt:
            await asyncio.sleep(self.rtt / 2)
        self._arrives = arrives  # read by on_call, which runs before anything else can
        answer = await super().do_request(url, method, *args, **kwargs)
        self.calls.clear()  # a long run must not hold every call; on_call saw it
        if self.rtt:
            await asyncio.sleep(self.rtt / 2)
        return answer

    def on_call(self, call: ApiCall) -> None:
        """Counts and stamps the call the moment Telegram receives it."""
        self.methods_count[call.method] += 1
        if is_message(call.method) and "chat_id" in call.params:
            chat = int(call.params["chat_id"])
            self.stamps.append((self._arrives, chat))
            self.messages_to[chat] += 1
        if self.observe is not None:
            self.observe(call)


def most_in_window(times: list[float], seconds: float = 1.0) -> int:
    """The most stamps in any window [t, t + seconds)."""
    times = sorted(times)
    best = first = 0
    for last, at in enumerate(times):
        while times[first] <= at - seconds:
            first += 1
        best = max(best, last - first + 1)
    return best
