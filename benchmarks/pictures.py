"""Certificates and a broadcast: rendering time per image, and a 10,000-recipient broadcast
sent through the production rate limiter (bot/limiter.py) on a virtual clock.

The virtual clock: `VirtualClockLoop` is an asyncio event loop whose `time()` is a counter.
When the loop has nothing ready and would sleep until its next timer, it moves the counter to
that timer instead of waiting. aiolimiter (inside the rate limiter) reads `loop.time()` and sleeps
with `loop.call_at`, so it paces the sends exactly as in real time, while a broadcast that takes
minutes of Telegram time runs in seconds. Each reading of the clock also moves it by one
microsecond, as a real clock would have moved meanwhile: without that, aiolimiter's float
arithmetic can leave a waiter due at exactly "now" for ever (a timer at now + 1e-17 is now).
The offline Bot API stamps every send with the virtual time, so the benchmark can count sends
per simulated second.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlmodel import select

from benchmarks.seed import seed_users
from benchmarks.setup import OPERATOR_ID, drop_schema, fresh_database
from benchmarks.stats import percentile
from bot.app import build_application
from bot.config import Settings
from bot.db import Database
from bot.i18n import translator
from bot.notify import deliver_pending
from bot.offline import OfflineBotAPI
from bot.render.certificate import render_certificate
from handlers.adoption.certificate import certificate_content
from models.adoption.adoptions import Adoption, AdoptionView
from models.catalog.places import Farmer, Village
from models.catalog.samples import load_sample_catalog
from models.catalog.trees import Species, Tree
from models.core.broadcast import create_broadcast
from models.core.outbox import Notification

RENDERS = 50
TELEGRAM_PER_SECOND = 30


class _SkippingSelector(selectors.DefaultSelector):
    """Instead of blocking until the next timer, tells the loop to move its clock there."""

    def __init__(self, advance: Callable[[float], None]) -> None:
        super().__init__()
        self._advance = advance

    def select(self, timeout: float | None = None) -> list[Any]:
        """Polls without waiting; an idle wait for a timer becomes a jump of the clock."""
        if timeout is None:  # nothing scheduled: wait for real (a worker thread's result)
            return super().select(None)
        ready = super().select(0)
        if not ready and timeout > 0:
            self._advance(timeout)
        return ready


TICK = 1e-6  # seconds the virtual clock moves at each reading


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps when the loop would otherwise sleep."""

    def __init__(self) -> None:
        self._now = 0.0
        super().__init__(_SkippingSelector(self._skip))

    def _skip(self, seconds: float) -> None:
        """Moves the virtual clock forward."""
        self._now += seconds

    def time(self) -> float:
        """The virtual time in seconds (one tick later at each reading)."""
        self._now += TICK
        return self._now


class StampedBotAPI(OfflineBotAPI):
    """The offline Bot API that also notes the loop's (virtual) time of every sendMessage."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_at: list[tuple[float, int]] = []

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Stamps and answers one call; keeps no other record (a broadcast is large)."""
        answer = await super().do_request(url, method, *args, **kwargs)
        call = self.calls.pop()
        if call.method == "sendMessage":
            self.sent_at.append((asyncio.get_running_loop().time(), int(call.params["chat_id"])))
        return answer


def certificate_timings(db: Database) -> list[str]:
    """p50 / p99 of rendering one certificate in each language."""
    with db.session() as session:
        tree = session.exec(select(Tree)).first()
        assert tree is not None
        view = AdoptionView(
            Adoption(
                tree_id=tree.id or 0,
                season="2026",
                user_id=5,
                nickname="小桃",
                certificate_name="李娜",
                gift=True,
                gift_recipient="ນາງ ນ້ອຍ ພົມມະຈັນ",
                gift_message="生日快乐 · ສຸກສັນວັນເກີດ · Happy birthday",
                country="CN",
                address="-",
                phone="-",
                amount_fen=tree.price_fen,
                certificate_no="2026-7KQ3XM9A",
                reserved_until=tree_time(),
            ),
            tree,
            session.get_one(Species, tree.species_id),
            session.get_one(Village, tree.village_id),
            session.get_one(Farmer, tree.farmer_id),
        )
    lines = []
    for lang in ("zh", "lo", "en"):
        content = certificate_content(translator(lang), view, "orchard_bot")
        render_certificate(content)  # fonts load once per process
        times = []
        for _ in range(RENDERS):
            started = time.perf_counter()
            png = render_certificate(content)
            times.append((time.perf_counter() - started) * 1000)
        verdict = "met" if percentile(times, 99) < 200 else "MISSED"
        lines.append(
            f"certificate ({lang}, {len(png) // 1024} KB PNG, {RENDERS} renders)  "
            f"p50 {percentile(times, 50):6.1f} ms  p99 {percentile(times, 99):6.1f} ms  "
            f"(target < 200 ms: {verdict})"
        )
    return lines


def tree_time() -> Any:
    """Any aware datetime (the certificate does not show it)."""
    from models.core.base import utcnow

    return utcnow()


async def broadcast_run(db: Database, database_url: str, recipients: int) -> list[str]:
    """Queues a broadcast to `recipients` users and drains the outbox under the production
    rate limiter."""
    db.call(seed_users, count=recipients)
    texts = {
        "zh": "十八洞村的猕猴桃熟了！",
        "lo": "ໝາກກີວີບ້ານຊືປາຕົງສຸກແລ້ວ!",
        "en": "Shibadong's kiwifruit is ripe!",
    }
    db.call(create_broadcast, audience="all", texts=texts, created_by=OPERATOR_ID)
    settings = Settings(database_url=database_url, admin_ids=(OPERATOR_ID,))
    api = StampedBotAPI()
    app = build_application(settings, db, request=api, rate_limit=True)
    loop = asyncio.get_running_loop()
    async with app:
        started_real, started_virtual = time.perf_counter(), loop.time()
        while await deliver_pending(app, limit=100):
            pass
        real = time.perf_counter() - started_real
        virtual = loop.time() - started_virtual
    per_chat = Counter(chat for _, chat in api.sent_at)
    per_second = Counter(int(at - started_virtual) for at, _ in api.sent_at)
    busiest = max(per_second.values(), default=0)
    # any 1-second window, not only whole seconds: the limiter's promise is 30 per second
    stamps = sorted(at for at, _ in api.sent_at)
    window = max((_in_window(stamps, i) for i in range(len(stamps))), default=0)
    with db.session() as session:
        statuses = Counter(session.exec(select(Notification.status)).all())
    lost = recipients - sum(1 for count in per_chat.values() if count == 1)
    verdict = "met" if window <= TELEGRAM_PER_SECOND and lost == 0 else "MISSED"
    return [
        f"broadcast to {recipients:,} users through the production rate limiter "
        "on a virtual clock: "
        f"{len(api.sent_at):,} messages, {len(per_chat):,} recipients, "
        f"{sum(c > 1 for c in per_chat.values())} sent twice, {lost} lost",
        f"  outbox rows: {dict(statuses)}",
        f"  simulated duration {virtual:,.1f} s ({virtual / 60:.1f} min), real time {real:.1f} s",
        f"  most sends in one whole simulated second: {busiest}; in any 1-second window: "
        f"{window} (limit {TELEGRAM_PER_SECOND}: {verdict})",
    ]


def _in_window(stamps: list[float], first: int) -> int:
    """How many stamps fall in [stamps[first], stamps[first] + 1 s)."""
    end, last = stamps[first] + 1.0 - 1e-9, first
    while last + 1 < len(stamps) and stamps[last + 1] < end:
        last += 1
    return last - first + 1


async def _broadcast(url: str | None, recipients: int) -> list[str]:
    """The broadcast on its own fresh database."""
    db, database_url = fresh_database(url)
    try:
        db.create_all()
        db.call(load_sample_catalog)
        return await broadcast_run(db, database_url, recipients)
    finally:
        db.dispose()
        if db.schema:
            drop_schema(database_url, db.schema)


async def run_pictures(url: str | None, recipients: int) -> list[str]:
    """Certificate timings, then the broadcast on a virtual-clock loop of its own."""
    db, database_url = fresh_database(url)
    try:
        db.create_all()
        db.call(load_sample_catalog)
        lines = certificate_timings(db)
    finally:
        db.dispose()
        if db.schema:
            drop_schema(database_url, db.schema)
    loop = VirtualClockLoop()
    try:
        lines += await asyncio.to_thread(_run_on, loop, _broadcast(url, recipients))
    finally:
        loop.close()
    return lines


def _run_on(loop: asyncio.AbstractEventLoop, coroutine: Any) -> Any:
    """Runs a coroutine to completion on `loop` (in this worker thread)."""
    asyncio.set_event_loop(loop)
    return loop.run_until_complete(coroutine)
