"""Every repeating or daily background job, in one table, and the one place that schedules them.

Several bot processes may share one database (a second instance, an overlapping deploy). A job
marked `once` does work that must happen once per period whichever process ticks: each tick claims
the job's current period (`models.core.jobs`) and only the winner does the work. The outbox
sender runs in every process, which is safe because it claims each notification it sends.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.notify import INTERVAL_SECONDS, AnyApp, outbox_job, worker_name
from bot.updates import prune_job
from handlers.account.privacy import retention_job
from handlers.adoption import notices
from handlers.payment import offline
from handlers.shop import orders
from models.core.base import utcnow
from models.core.jobs import claim_run, finish_run

log = logging.getLogger(__name__)

Callback = Callable[[Any], Awaitable[None]]
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Job:
    """One background job: when it runs and whether one process at a time does its work."""

    name: str
    callback: Callback
    every: timedelta | None = None  # a repeating job's interval
    daily: dt.time | None = None  # a daily job's time of day (UTC)
    first: timedelta = timedelta(0)  # its first run, this long after start-up
    once: bool = True  # each period's work done by one process only
    lease: timedelta = timedelta(minutes=10)  # a claim's life, should its process die

    def period(self, now: dt.datetime) -> dt.datetime:
        """The start of the period `now` falls in: its interval, or the day since the last run."""
        if self.daily is not None:
            today = dt.datetime.combine(now.date(), self.daily)
            return today if today <= now else today - DAY
        assert self.every is not None
        return EPOCH + ((now - EPOCH) // self.every) * self.every

    async def tick(self, context: Any) -> None:
        """JobQueue callback: the job's work, claimed first when it must run once."""
        if not self.once:
            await self.callback(context)
            return
        application: AnyApp = context.application
        db = application.bot_data["db"]
        worker = worker_name(application)
        claim = {"name": self.name, "period": self.period(utcnow()), "worker": worker}
        if not await db.run(claim_run, lease=self.lease, **claim):
            log.debug("job %s: this period's run is done or claimed elsewhere", self.name)
            return
        try:
            await self.callback(context)
        except Exception:
            await db.run(finish_run, done=False, **claim)  # another tick may try again
            raise
        await db.run(finish_run, **claim)


JOBS: tuple[Job, ...] = (
    Job(
        "outbox",
        outbox_job,
        every=timedelta(seconds=INTERVAL_SECONDS),
        first=timedelta(seconds=INTERVAL_SECONDS),
        once=False,
    ),
    Job("adoption-expiry", notices.expiry_job, every=MINUTE, first=timedelta(seconds=1)),
    Job("order-expiry", orders.expiry_job, every=MINUTE, first=timedelta(seconds=1)),
    Job("payment-reminders", offline.reminder_job, every=10 * MINUTE, first=MINUTE),
    Job(
        "adoption-renewal",
        notices.renewal_job,
        daily=dt.time(1, 0, tzinfo=dt.UTC),
        first=timedelta(seconds=5),
    ),
    Job("prune", prune_job, every=DAY, first=MINUTE),
    Job("retention", retention_job, every=DAY, first=MINUTE),
)


def schedule_jobs(application: AnyApp, jobs: tuple[Job, ...] = JOBS) -> None:
    """Puts every job on the Application's JobQueue (when it has one)."""
    queue = application.job_queue
    if queue is None:
        return
    options = {"max_instances": 1, "coalesce": True}
    for job in jobs:
        if job.daily is not None:  # a daily job also runs soon after start-up, to catch up
            queue.run_once(job.tick, when=job.first, name=f"{job.name}-start")
            queue.run_daily(job.tick, time=job.daily, name=job.name, job_kwargs=options)
        else:
            assert job.every is not None
            queue.run_repeating(
                job.tick, interval=job.every, first=job.first, name=job.name, job_kwargs=options
            )


async def start_jobs(application: AnyApp) -> None:
    """Starts the Application and its JobQueue, first runs counted from now.

    PTB fixes a job's first run when it is scheduled, at build time; start-up work after that
    (migrations, stored updates) would push a catch-up run past its moment to the next interval.
    """
    await application.start()
    queue = application.job_queue
    if queue is None:
        return
    now = dt.datetime.now(dt.UTC)
    for job in JOBS:
        name = f"{job.name}-start" if job.daily is not None else job.name
        for scheduled in queue.get_jobs_by_name(name):
            scheduled.job.modify(next_run_time=now + job.first)
