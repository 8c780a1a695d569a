"""Runs of the background jobs that must happen once across every bot process on one database.

Each job has one `JobRun` row: the period it last ran for (the start of that minute or day), who
claimed it, until when, and when it was done. A process whose tick falls in a period claims the
row before doing the work; a second process ticking in the same period finds it claimed or done
and does nothing. A claim whose process died runs out after its lease and is taken again.
Both steps are single statements, so no two processes can both win: an insert that ignores a
conflict on the job name, else an update whose condition says the row is free for this period.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Field, Session, SQLModel, col, select

from models.core.base import insert_ignoring_conflicts, utcnow


class JobRun(SQLModel, table=True):
    """The latest run of one job: its period, its claimer and lease, when it was done."""

    name: str = Field(primary_key=True, max_length=40)
    period: datetime
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_until: datetime | None = None
    done_at: datetime | None = None


def new_worker_name() -> str:
    """A name for this process (host, pid and a random part) to sign its claims with."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_run(
    *, session: Session, name: str, period: datetime, worker: str, lease: timedelta
) -> bool:
    """Claims the job's run for `period`; False if it is done or another process holds it."""
    now = utcnow()
    claim = {"claimed_by": worker, "claimed_until": now + lease, "done_at": None}
    if insert_ignoring_conflicts(session, JobRun, {"name": name, "period": period, **claim}):
        return True
    free = or_(
        col(JobRun.period) < period,
        and_(
            col(JobRun.period) == period,
            col(JobRun.done_at).is_(None),
            or_(col(JobRun.claimed_until).is_(None), col(JobRun.claimed_until) < now),
        ),
    )
    taken = session.exec(
        update(JobRun)
        .where(col(JobRun.name) == name, free)
        .values(period=period, **claim)
        .returning(col(JobRun.name))
    )
    return len(taken.all()) == 1


def finish_run(
    *, session: Session, name: str, period: datetime, worker: str, done: bool = True
) -> None:
    """Marks the claimed run done, or (done=False, it failed) frees it for another try."""
    values = {"done_at": utcnow()} if done else {"claimed_by": None}
    session.exec(
        update(JobRun)
        .where(col(JobRun.name) == name, col(JobRun.period) == period)
        .where(col(JobRun.claimed_by) == worker)
        .values(claimed_until=None, **values)
    )


def job_runs(*, session: Session) -> list[JobRun]:
    """Every job's latest run, by name."""
    return list(session.exec(select(JobRun).order_by(col(JobRun.name))))
