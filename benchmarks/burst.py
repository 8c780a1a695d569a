"""`python -m benchmarks burst`: many users at once, on the Application `python -m bot` builds,
behind a Bot API with a real round trip.

python -m benchmarks burst --rtt 150 --users 200             # limiter off
python -m benchmarks burst --rtt 150 --users 200 --limiter   # the production rate limiter
python -m benchmarks burst --rtt 150 --users 200 --repeat    # every add-to-cart delivered twice
python -m benchmarks burst --rtt 150 --users 200 --limiter --broadcast 10000
python -m benchmarks burst ... --database-url postgresql://postgres@127.0.0.1:5432/test
python -m benchmarks burst ... --by-button                   # and by tapped button

Every user starts at the same moment and taps again as soon as the bot has answered: a short
shop, adoption or language journey (a third of the users each). The updates wait on "Telegram's"
side for getUpdates, and the bot fetches them with `python -m bot`'s own long polling
(bot.runtime: each batch stored, then claimed by the worker and run by the update processor), so
they meet the processor and the rate limiter production uses. An update counts as answered when
every handler group has run (a probe in the last group), i.e. when its Bot API calls came back.
The run stops at --max-seconds; replies still outstanding then count with their wait so far ("≥").

--broadcast N: every user first sends /start (a warm-up, not counted); then an operator's
announcement to N more users (and to them) is queued, and for --min-seconds (30) the users tap
buttons (shop, trees, language, menu) again and again while the outbox sends it, as
`python -m bot` does (its job every second). The messages Telegram received are counted in every
sliding 1-second window.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from telegram import Update
from telegram.ext import TypeHandler

from benchmarks.driver import Driver, SimUser
from benchmarks.journeys import LANGUAGE_CODES
from benchmarks.options import command_parser
from benchmarks.roundtrip import RoundTripBotAPI, most_in_window
from benchmarks.stats import percentile
from handlers.kit import routes

Updates = AsyncIterator[dict[str, Any]]
BUDGET_PER_SECOND = 30
BROADCAST_FIRST_ID = 2_000_000  # benchmarks.seed.seed_users' ids: the broadcast's recipients
PROBE_GROUP = 1000


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parses `python -m benchmarks burst ...`."""
    parser = command_parser("python -m benchmarks burst", __doc__)
    parser.add_argument("--users", type=int, default=200, help="users starting at once (200)")
    parser.add_argument("--rtt", type=float, default=150, help="Bot API round trip in ms (150)")
    parser.add_argument("--limiter", action="store_true", help="the production rate limiter on")
    parser.add_argument("--repeat", action="store_true", help="deliver every add-to-cart twice")
    parser.add_argument(
        "--broadcast", type=int, default=0, help="recipients of a broadcast sent meanwhile"
    )
    parser.add_argument(
        "--min-seconds",
        type=float,
        default=None,
        help="users go round their journeys at least this long (30 with --broadcast, else 0)",
    )
    parser.add_argument("--max-seconds", type=float, default=150, help="cut the run off here (150)")
    parser.add_argument(
        "--by-button", action="store_true", help="also reply p50/p99 by tapped button or command"
    )
    return parser.parse_args(argv)


# --- the journeys -------------------------------------------------------------------------------
def tree_card(driver: Driver, user: SimUser, tree: int) -> tuple[str, str]:
    """The first kind's tree list shown to `user`, and the card of `tree` reached from it."""
    group = driver.button(user, data_prefix=routes.TREE_LIST.key + " species ")
    listed = routes.TREE_LIST.regex.match(group)
    assert listed is not None
    return group, routes.TREE_CARD.data(tree_id=tree, **listed.groupdict())


async def shop(driver: Driver, user: SimUser, tree: int) -> Updates:
    """start → shop → fruit → a product → add to cart → cart."""
    yield driver.message(user, "/start")
    async for update in shop_taps(driver, user, tree, menu=False):
        yield update


async def adopt(driver: Driver, user: SimUser, tree: int) -> Updates:
    """start → adopt a tree → a kind → the user's own tree → adopt → a nickname (typed)."""
    yield driver.message(user, "/start")
    yield driver.press(user, routes.TREES.data())
    group, card = tree_card(driver, user, tree)
    yield driver.press(user, group)
    yield driver.press(user, card)
    yield driver.press(user, routes.ADOPT_START.data(tree_id=tree))
    yield driver.message(user, "小桃")


async def language(driver: Driver, user: SimUser, tree: int) -> Updates:
    """start → language → 中文 → help → main menu."""
    yield driver.message(user, "/start")
    yield driver.press(user, routes.LANGUAGE.data())
    yield driver.press(user, routes.LANGUAGE_SET.data(code="zh"))
    yield driver.message(user, "/help")
    yield driver.press(user, routes.MENU.data())


async def opening(driver: Driver, user: SimUser, tree: int) -> Updates:
    """/start: what every user has done before the broadcast (the warm-up of --broadcast)."""
    yield driver.message(user, "/start")


async def shop_taps(driver: Driver, user: SimUser, tree: int, menu: bool = True) -> Updates:
    """Buttons only: shop → fruit → a product → add to cart → cart (→ main menu)."""
    yield driver.press(user, routes.SHOP.data())
    yield driver.press(user, routes.SHELF.data(category="fruit"))
    yield driver.press(user, driver.button(user, data_prefix=routes.PRODUCT.key + " "))
    yield driver.press(user, driver.button(user, data_prefix=routes.ADD_TO_CART.key + " "))
    yield driver.press(user, routes.CART.data())
    if menu:
        yield driver.press(user, routes.MENU.data())


async def adopt_taps(driver: Driver, user: SimUser, tree: int) -> Updates:
    """Buttons only: adopt a tree → a kind → the user's tree → main menu."""
    yield driver.press(user, routes.TREES.data())
    group, card = tree_card(driver, user, tree)
    yield driver.press(user, group)
    yield driver.press(user, card)
    yield driver.press(user, routes.MENU.data())


async def language_taps(driver: Driver, user: SimUser, tree: int) -> Updates:
    """Buttons only: language → 中文 → help → main menu."""
    yield driver.press(user, routes.LANGUAGE.data())
    yield driver.press(user, routes.LANGUAGE_SET.data(code="zh"))
    yield driver.press(user, routes.HELP.data())
    yield driver.press(user, routes.MENU.data())


JOURNEYS: list[Callable[[Driver, SimUser, int], Updates]] = [shop, adopt, language]
TAPS: dict[Any, Callable[[Driver, SimUser, int], Updates]] = {
    shop: shop_taps,
    adopt: adopt_taps,
    language: language_taps,
}


def what_was_sent(data: dict[str, Any]) -> str:
    """A tap's route and first field ("SHOP product"), a command, or "text"."""
    tapped = (data.get("callback_query") or {}).get("data")
    if tapped is not None:
        return " ".join(str(tapped).split()[:2])
    typed = str((data.get("message") or {}).get("text", ""))
    return typed.split()[0] if typed.startswith("/") else "text"


def is_add_to_cart(data: dict[str, Any]) -> bool:
    """Whether an update is a tap on "add to cart"."""
    tapped = str((data.get("callback_query") or {}).get("data", ""))
    return tapped.startswith(routes.ADD_TO_CART.key + " ")


# --- the run ------------------------------------------------------------------------------------
@dataclass
class Burst:
    """Feeds the users' updates to the Application and times every reply."""

    app: Any
    api: RoundTripBotAPI
    driver: Driver
    repeat: bool = False
    replies: list[float] = field(default_factory=list)
    by_button: dict[str, list[float]] = field(default_factory=dict)
    first_reply: dict[int, float] = field(default_factory=dict)
    first_sends: dict[int, int] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    waiting: dict[int, tuple[float, asyncio.Future[float]]] = field(default_factory=dict)
    repeated: int = 0  # add-to-cart taps delivered twice and answered
    started: float = 0.0

    def reset(self) -> None:
        """Forgets the figures so far (after a warm-up)."""
        self.replies.clear()
        self.by_button.clear()
        self.first_reply.clear()
        self.first_sends.clear()
        self.api.stamps.clear()
        self.api.methods_count.clear()

    async def probe(self, update: Update, context: Any) -> None:
        """The last handler group: the update is answered."""
        entry = self.waiting.get(update.update_id)
        if entry is not None and not entry[1].done():
            entry[1].set_result(time.perf_counter())

    async def deliver(self, user: SimUser, data: dict[str, Any]) -> None:
        """Puts one update in the queue (twice if it is a repeated delivery) and waits."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        sent = time.perf_counter()
        self.waiting[data["update_id"]] = (sent, future)
        repeated = self.repeat and is_add_to_cart(data)
        self.api.queue_incoming(data, *([data] if repeated else []))  # for the next getUpdates
        answered = await future
        self.repeated += repeated
        del self.waiting[data["update_id"]]
        self.replies.append(answered - sent)
        self.by_button.setdefault(what_was_sent(data), []).append(answered - sent)
        if user.id not in self.first_reply:
            self.first_reply[user.id] = answered - self.started
            self.first_sends[user.id] = self.api.messages_to[user.id]

    async def user(
        self, user: SimUser, journey: Callable[..., Updates], tree: int, until: float
    ) -> None:
        """One user: the journey, and again while the run lasts `until`."""
        while True:
            try:
                async for data in journey(self.driver, user, tree):
                    await self.deliver(user, data)
            except LookupError as exc:  # the bot did not show the button the user looks for
                self.broken.append(f"user {user.id}: {exc}")
                return
            if time.perf_counter() >= until:
                return

    async def run(
        self, people: list[tuple[SimUser, Callable[..., Updates], int]], args: Any
    ) -> list[float]:
        """Starts every user at once; returns the replies still outstanding at the cut-off."""
        self.started = time.perf_counter()
        until = self.started + (args.min_seconds or 0)
        tasks = [asyncio.create_task(self.user(u, j, t, until)) for u, j, t in people]
        _, pending = await asyncio.wait(tasks, timeout=args.max_seconds)
        cut = time.perf_counter()
        outstanding = [cut - sent for sent, _ in self.waiting.values()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return outstanding


class ErrorCount(logging.Handler):
    """Counts ERROR records (a handler that failed logs one through bot.errors)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Counts one."""
        self.count += 1


def users_and_journeys(count: int, trees: list[int]) -> list[tuple[SimUser, Any, int]]:
    """`count` users, a third on each journey; adopters get a tree each."""
    people = []
    free = list(trees)
    for n in range(count):
        user = SimUser(100_000 + n, f"User{n}", LANGUAGE_CODES[n % len(LANGUAGE_CODES)])
        journey = JOURNEYS[n % len(JOURNEYS)]
        people.append((user, journey, free.pop() if journey is adopt else 0))
    return people


def cart_outcome(db: Any) -> str:
    """What the shoppers' carts hold, from the database rows."""
    sql = "SELECT cartitem.quantity, count(*) FROM cartitem GROUP BY cartitem.quantity"
    with db.session() as session:
        rows = dict(session.execute(text(sql)).all())
    doubled = sum(count for quantity, count in rows.items() if quantity > 1)
    return f"{sum(rows.values())} cart lines, {rows.get(1, 0)} of quantity 1, {doubled} doubled"


def queue_broadcast(db: Any, recipients: int) -> None:
    """Adds `recipients` users and queues an announcement to everyone, as an operator would."""
    from benchmarks.seed import seed_users
    from benchmarks.setup import OPERATOR_ID
    from models.core.broadcast import create_broadcast

    db.call(seed_users, count=recipients, first_id=BROADCAST_FIRST_ID)
    texts = {"zh": "十八洞村的猕猴桃熟了！", "lo": "ໝາກກີວີສຸກແລ້ວ!", "en": "The kiwifruit is ripe!"}
    db.call(create_broadcast, audience="all", texts=texts, created_by=OPERATOR_ID)


def postpone_outbox(db: Any) -> None:
    """Puts off every notification not sent yet, so the outbox job ends with its batch."""
    later = datetime(2999, 1, 1, tzinfo=UTC)
    sql = "UPDATE notification SET next_attempt_at = :later WHERE status = 'pending'"
    with db.session() as session:
        session.execute(text(sql), {"later": later})
        session.commit()


def seconds(values: list[float], p: float) -> str:
    """A percentile in seconds, for the report."""
    return f"{percentile(values, p):.2f} s"


def report(burst: Burst, outstanding: list[float], args: Any, seconds_run: float) -> list[str]:
    """The figures of one run."""
    everything = burst.replies + outstanding
    bound = "≥ " if outstanding else ""
    app = burst.app
    processor = type(app.update_processor).__name__
    settings = app.bot_data["settings"]
    in_flight = getattr(
        settings, "max_concurrent_updates", app.update_processor.max_concurrent_updates
    )
    limiter = type(app.bot.rate_limiter).__name__ if app.bot.rate_limiter else "off"
    first_sends = sum(burst.first_sends.values())
    floor = first_sends / BUDGET_PER_SECOND
    slowest = max(burst.first_reply.values(), default=0.0)
    never = args.users - len(burst.first_reply)
    if never:
        slowest = max(slowest, seconds_run)
    users_messages = [at for at, chat in burst.api.stamps if chat < BROADCAST_FIRST_ID]
    first = (
        f"  slowest first reply {'≥ ' if never else ''}{slowest:.2f} s; floor {floor:.2f} s "
        f"({first_sends} messages ÷ {BUDGET_PER_SECOND}/s); "
        f"ratio {slowest / floor if floor else 0:.2f}"
    )
    if args.broadcast:
        first = "  (every user sent /start before the broadcast; these replies are to taps)"
    lines = [
        f"burst: {args.users} users at once, round trip {args.rtt:g} ms, limiter {limiter}, "
        f"processor {processor}({in_flight}), "
        + ("PostgreSQL" if args.database_url else "SQLite file"),
        f"  replies {len(burst.replies):,} in {seconds_run:.1f} s "
        f"({len(burst.replies) / seconds_run:.1f}/s), {len(outstanding)} still waiting at the "
        f"cut-off: p50 {bound}{seconds(everything, 50)}  p99 {bound}{seconds(everything, 99)}  "
        f"max {bound}{max(everything, default=0):.2f} s",
        first,
        f"  messages to the users {len(users_messages):,}; most in any 1-second window "
        f"{most_in_window(users_messages)}",
    ]
    if args.broadcast:
        pushes = [at for at, chat in burst.api.stamps if chat >= BROADCAST_FIRST_ID]
        every = [at for at, _ in burst.api.stamps]
        lines.append(
            f"  broadcast to {args.broadcast:,} (+ the users): {len(pushes):,} sent to the "
            f"{args.broadcast:,} during the run "
            f"({len(pushes) / seconds_run:.1f}/s); most messages in any 1-second window: "
            f"{most_in_window(every)} in all, {most_in_window(pushes)} of the broadcast"
        )
    calls = ", ".join(f"{m} {n}" for m, n in burst.api.methods_count.most_common(6))
    lines.append(f"  Bot API calls: {calls}")
    lines.append(
        f"  machine load (1-minute average, {os.cpu_count()} cores): {os.getloadavg()[0]:.1f}"
    )
    if burst.broken:
        lines.append(f"  journeys broken: {len(burst.broken)} (first: {burst.broken[0]})")
    if args.by_button:
        lines += by_button(burst)
    return lines


def by_button(burst: Burst) -> list[str]:
    """Reply p50 and p99 by what was tapped or typed, the most frequent first."""
    rows = sorted(burst.by_button.items(), key=lambda item: -len(item[1]))
    return [
        f"    {what:<16} {len(waits):>6,}  p50 {seconds(waits, 50)}  p99 {seconds(waits, 99)}"
        for what, waits in rows
    ]


async def run_burst(args: argparse.Namespace) -> list[str]:
    """Builds the Application as `python -m bot` does and lets every user loose at once."""
    from benchmarks.setup import journey_application
    from bot.runtime import start_polling, stop_polling

    if args.min_seconds is None:
        args.min_seconds = 30.0 if args.broadcast else 0.0
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    api = RoundTripBotAPI(args.rtt / 1000)
    adopters = sum(1 for n in range(args.users) if JOURNEYS[n % len(JOURNEYS)] is adopt)
    async with journey_application(
        args.database_url, adopters + 10, api=api, rate_limit=args.limiter
    ) as (app, _, trees):
        driver = Driver(app, api)
        api.observe = driver.observe
        burst = Burst(app, api, driver, repeat=args.repeat)
        app.add_handler(TypeHandler(Update, burst.probe), group=PROBE_GROUP)
        db = app.bot_data["db"]
        people = users_and_journeys(args.users, trees)
        await app.start()  # the JobQueue (outbox ...), then long polling as `python -m bot` polls
        _, polling = await start_polling(app)
        if args.broadcast:  # everyone has started the bot; then they tap while it goes out
            warm_up = argparse.Namespace(min_seconds=0, max_seconds=args.max_seconds)
            await burst.run([(user, opening, tree) for user, _, tree in people], warm_up)
            burst.reset()
            await asyncio.to_thread(queue_broadcast, db, args.broadcast)
            people = [(user, TAPS[journey], tree) for user, journey, tree in people]
        started, cpu_started = time.perf_counter(), time.process_time()
        outstanding = await burst.run(people, args)
        seconds_run = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        lines = report(burst, outstanding, args, seconds_run)  # what Telegram got until now
        api.incoming.clear()  # the cut-off: what was not fetched yet is not handled
        await stop_polling(polling)
        if args.broadcast:  # the rest of the broadcast would hold up the stop for minutes
            await asyncio.to_thread(postpone_outbox, db)
        await app.stop()
        lines.append(
            f"  this process's CPU: {cpu_seconds:.1f} s, "
            f"{1000 * cpu_seconds / max(1, len(burst.replies)):.1f} ms per reply"
        )
        lines.append(f"  errors logged: {errors.count}")
        if args.repeat:
            lines.append(
                f"  outcome: {burst.repeated} add-to-cart taps delivered twice; {cart_outcome(db)}"
            )
    return lines


def main(argv: list[str]) -> int:
    """Runs one burst and prints its figures."""
    args = parse_args(argv)
    print(f"command: python -m benchmarks burst {' '.join(argv)}".rstrip())
    for line in asyncio.run(run_burst(args)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
