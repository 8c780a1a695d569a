"""Background jobs: one table of every repeating/daily job, and the jobs that must run once are
claimed, so two bot processes ticking at the same moment do each period's work once."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

import handlers.account.privacy
from bot.app import build_application
from bot.config import Settings
from bot.context import BotContext
from bot.db import Database
from bot.jobs import JOBS, Job, schedule_jobs, start_jobs
from bot.offline import OfflineBotAPI
from models.core.base import utcnow
from models.core.jobs import JobRun, claim_run, job_runs
from models.shop.orders import Order, OrderStatus
from tests.harness import Harness
from tests.shop_helpers import buyer, order_now, product

DB = tuple[str, str | None]


@asynccontextmanager
async def process(settings: Settings, database_url: DB) -> AsyncIterator[Harness]:
    """One bot process: its own engine and Application on the shared database."""
    db = Database(*database_url)
    api = OfflineBotAPI()
    app = build_application(settings, db, request=api, rate_limit=False)
    async with app:
        yield Harness(app, api, db)
    db.dispose()


def scheduled(bot: Harness, name: str) -> Any:
    """The callback the Application's JobQueue runs for the job `name`."""
    assert bot.app.job_queue is not None
    [job] = bot.app.job_queue.get_jobs_by_name(name)
    return job.callback


@pytest.fixture
def purges(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the retention job's real work (each call of purge_expired)."""
    done: list[str] = []
    real = handlers.account.privacy.purge_expired

    def counted(**kwargs: Any) -> Any:
        done.append(threading.current_thread().name)
        return real(**kwargs)

    monkeypatch.setattr(handlers.account.privacy, "purge_expired", counted)
    return done


def test_the_table_lists_every_job_once(bot: Harness) -> None:
    names = [job.name for job in JOBS]
    assert len(names) == len(set(names))
    assert set(names) == {
        "outbox",
        "adoption-expiry",
        "order-expiry",
        "payment-reminders",
        "adoption-renewal",
        "prune",
        "retention",
    }
    for job in JOBS:
        assert callable(job.callback) and asyncio.iscoroutinefunction(job.callback), job.name
        assert (job.every is None) != (job.daily is None), job.name  # one way to repeat
    assert [job.name for job in JOBS if not job.once] == ["outbox"]  # row claims suffice there
    assert bot.app.job_queue is not None
    queued = {job.name for job in bot.app.job_queue.jobs()}
    expected = set(names) | {f"{job.name}-start" for job in JOBS if job.daily is not None}
    assert queued == expected


def test_no_other_module_schedules_repeating_jobs() -> None:
    root = Path(__file__).resolve().parent.parent
    found = [
        path.relative_to(root).as_posix()
        for folder in ("bot", "handlers")
        for path in sorted((root / folder).rglob("*.py"))
        if re.search(r"run_(repeating|daily)\(", path.read_text(encoding="utf-8"))
    ]
    # A broadcast's progress report is per broadcast, started by the operator's tap.
    assert found == ["bot/jobs.py", "handlers/backoffice/broadcast.py"]


async def test_two_processes_running_the_daily_job_at_once_do_the_work_once(
    settings: Settings, database_url: DB, db: Database, purges: list[str]
) -> None:
    async with process(settings, database_url) as one, process(settings, database_url) as two:
        await asyncio.gather(
            scheduled(one, "retention")(BotContext(one.app)),
            scheduled(two, "retention")(BotContext(two.app)),
        )
        assert len(purges) == 1
        await scheduled(two, "retention")(BotContext(two.app))  # a later tick, same day
        assert len(purges) == 1
    [run] = [r for r in db.call(job_runs) if r.name == "retention"]
    assert run.done_at is not None and run.claimed_until is None


def test_two_processes_in_threads_do_the_work_once(
    settings: Settings, database_url: DB, db: Database, purges: list[str]
) -> None:
    start = threading.Barrier(4)

    async def tick() -> None:
        async with process(settings, database_url) as bot:
            callback = scheduled(bot, "retention")
            await asyncio.to_thread(start.wait)
            await callback(BotContext(bot.app))

    threads = [threading.Thread(target=asyncio.run, args=(tick(),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(purges) == 1


async def test_the_start_up_run_and_the_daily_run_of_one_day_count_once(
    settings: Settings, database_url: DB, db: Database
) -> None:
    reminders: list[int] = []

    async def remind(context: Any) -> None:
        reminders.append(1)

    job = Job("renewal-test", remind, daily=dt.time(1, 0, tzinfo=dt.UTC))
    async with process(settings, database_url) as one, process(settings, database_url) as two:
        schedule_jobs(one.app, (job,))
        schedule_jobs(two.app, (job,))
        for bot in (one, two):
            await scheduled(bot, "renewal-test-start")(BotContext(bot.app))
            await scheduled(bot, "renewal-test")(BotContext(bot.app))
    assert reminders == [1]


async def test_a_failed_run_is_tried_again_and_a_dead_claim_taken_over(
    settings: Settings, database_url: DB, db: Database
) -> None:
    calls: list[str] = []

    async def work(context: Any) -> None:
        calls.append(context.application.bot_data["worker"])
        if len(calls) == 1:
            raise RuntimeError("database away")

    job = Job("work-test", work, every=timedelta(days=1))
    period = job.period(utcnow())
    async with process(settings, database_url) as one, process(settings, database_url) as two:
        with pytest.raises(RuntimeError):
            await job.tick(BotContext(one.app))
        await job.tick(BotContext(two.app))  # the failure freed this period's run
        assert len(calls) == 2
        dead = Job("dead-test", work, every=timedelta(days=1))
        assert db.call(claim_run, name="dead-test", period=period, worker="gone", lease=job.lease)
        await dead.tick(BotContext(one.app))
        assert len(calls) == 2  # still claimed by a process that may be at work
        with db.session() as session:
            past = utcnow() - timedelta(seconds=1)
            session.exec(update(JobRun).values(claimed_until=past))  # type: ignore[call-overload]
            session.commit()
        await dead.tick(BotContext(one.app))
        assert len(calls) == 3


def test_periods_are_the_interval_or_the_day_since_the_daily_time() -> None:
    minute = Job("m", JOBS[0].callback, every=timedelta(minutes=1))
    daily = Job("d", JOBS[0].callback, daily=dt.time(1, 0, tzinfo=dt.UTC))
    at = dt.datetime(2026, 12, 1, 0, 30, 59, tzinfo=dt.UTC)
    assert minute.period(at) == dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)
    assert daily.period(at) == dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
    assert daily.period(at + timedelta(hours=1)) == dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)


async def test_expiry_runs_soon_after_a_slow_start_not_a_minute_later(
    settings: Settings, database_url: DB, db: Database
) -> None:
    buyer(db, 1001, "en")
    order = order_now(db, 1001, "TEA-250G", 2)
    with db.session() as session:  # its time ran out while the bot was down
        stored = session.get_one(Order, order.id)
        stored.expires_at = utcnow() - timedelta(minutes=5)
        session.add(stored)
        session.commit()
    async with process(settings, database_url) as bot:
        await asyncio.sleep(1.2)  # start-up work (migrations, stored updates) after the build
        await start_jobs(bot.app)
        try:
            for _ in range(40):
                await asyncio.sleep(0.1)
                with db.session() as session:
                    if session.get_one(Order, order.id).status == OrderStatus.EXPIRED:
                        break
        finally:
            await bot.app.stop()
    with db.session() as session:
        assert session.get_one(Order, order.id).status == OrderStatus.EXPIRED
    assert product(db, "TEA-250G").stock == 25
