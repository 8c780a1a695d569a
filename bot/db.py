"""Database engine and the one way handlers reach it: `await db.run(domain_function, ...)`.

Domain functions in `models/` are synchronous and take a `session` keyword. `Database.run` calls
one in a worker thread with its own session and transaction, so a slow PostgreSQL round trip
blocks that thread only, never the event loop that serves every other user. SQLite runs inline
on the loop instead: its calls take a fraction of a millisecond, less than the thread hop they
would pay (measured in docs/performance.md), and SQLite serialises writers anyway. The transaction
commits when the function returns and rolls back if it raises: nothing half-written stays.

The worker threads are few (`DATABASE_THREADS`, 4): every one of them takes the GIL back from
the event loop when its statement returns, and with more of them than the work needs they spend
the CPU handing it round (docs/performance.md, session 5).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

T = TypeVar("T")
RECONNECT_TRIES = 2  # transactions repeated after finding a dead pooled connection
DEFAULT_THREADS = 4  # worker threads for PostgreSQL calls from the event loop


def sqlite_engine(url: str, creator: Callable[[], Any] | None = None) -> Engine:
    """Creates a SQLite engine whose write transactions take the lock up front.

    `creator` opens the connections instead of `url` (the tests point one engine at each test's
    file in turn, so SQLAlchemy's statement cache stays warm across tests).
    """
    path = url.removeprefix("sqlite:///")
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    if not in_memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    extra: dict[str, Any] = {"creator": creator} if creator else {}
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        poolclass=StaticPool if in_memory else None,
        **extra,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below take over
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE: two transactions that read then write cannot deadlock on the upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_engine(url: str, schema: str | None = None, **options: Any) -> Engine:
    """Creates the engine for a SQLite or PostgreSQL URL (optionally in one PostgreSQL schema)."""
    if url.startswith("sqlite"):
        return sqlite_engine(url)
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    # No pool_pre_ping: its SELECT 1 before every transaction cost ~0.5 ms of CPU per reply;
    # `Database.call` repeats a transaction that found its pooled connection dead instead.
    sizes = {"pool_size": 10, "max_overflow": 20, **options}
    return create_engine(url, connect_args=connect_args, **sizes)


def autocommit_engine(url: str, schema: str | None, threads: int) -> Engine:
    """PostgreSQL connections that stay in autocommit, for statements that need no transaction.

    Their own pool: switching a pooled connection to autocommit and back for each read cost more
    than the BEGIN and COMMIT it saved.
    """
    return make_engine(url, schema, isolation_level="AUTOCOMMIT", pool_size=threads, max_overflow=4)


class Database:
    """The engine plus helpers to run domain functions in their own transaction."""

    def __init__(
        self,
        url: str,
        schema: str | None = None,
        inline: bool | None = None,
        engine: Engine | None = None,
        threads: int = DEFAULT_THREADS,
    ) -> None:
        self.url = url
        self.schema = schema
        self.engine = engine if engine is not None else make_engine(url, schema)
        self.inline = url.startswith("sqlite") if inline is None else inline
        self.threads = threads
        self._executor: ThreadPoolExecutor | None = None
        # PostgreSQL statements that need no transaction go without one: no BEGIN and COMMIT
        postgres = self.engine.dialect.name == "postgresql"
        self._autocommit = autocommit_engine(url, schema, threads) if postgres else None

    def create_all(self) -> None:
        """Creates every table that does not exist yet."""
        import models.tables  # noqa: F401  (registers every table on SQLModel.metadata)

        SQLModel.metadata.create_all(self.engine)

    def session(self) -> Session:
        """Opens a session whose objects stay readable after commit."""
        return Session(self.engine, expire_on_commit=False)

    def call(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Runs `fn(session=..., **kwargs)` in one transaction, here and now.

        A pooled connection that died (the database restarted) fails the statement that uses
        it; the server has then rolled the transaction back, so it is run once more on a new
        connection. A connection lost during COMMIT is not retried: the write may have happened.
        """

        def attempt() -> T:
            with self.session() as session:
                result = fn(session=session, **kwargs)
                session.flush()  # the writes go now, so a dead connection fails before COMMIT
                try:
                    session.commit()
                except DBAPIError as exc:
                    raise _AtCommit(exc) from exc
                return result

        return _reconnecting(attempt)

    def peek(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Runs a read-only `fn(session=...)` here and now: on PostgreSQL outside a transaction
        (each statement sees its own snapshot), elsewhere in one."""
        return self._alone(fn, kwargs, writes=False)

    def call_one(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Runs `fn(session=...)` that makes one write statement, atomic by itself and harmless
        to repeat: on PostgreSQL without BEGIN and COMMIT, elsewhere in a transaction."""
        return self._alone(fn, kwargs, writes=True)

    def _alone(self, fn: Callable[..., T], kwargs: dict[str, Any], writes: bool) -> T:
        """`fn` on an autocommit connection (PostgreSQL), else in one transaction."""
        engine = self._autocommit
        if engine is None:
            return self.call(fn, **kwargs)

        def attempt() -> T:
            with Session(engine, expire_on_commit=False) as session:
                result = fn(session=session, **kwargs)
                if writes:
                    session.flush()  # what it added goes now (there is no COMMIT to flush it)
                return result

        return _reconnecting(attempt)

    async def run(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Runs `fn(session=..., **kwargs)` in one transaction (SQLite inline, else a thread)."""
        if self.inline:
            return self.call(fn, **kwargs)
        return await self._in_thread(self.call, fn, kwargs)

    async def read(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """`peek` from the event loop (SQLite inline, else a thread)."""
        if self.inline:
            return self.peek(fn, **kwargs)
        return await self._in_thread(self.peek, fn, kwargs)

    async def run_one(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """`call_one` from the event loop (SQLite inline, else a thread)."""
        if self.inline:
            return self.call_one(fn, **kwargs)
        return await self._in_thread(self.call_one, fn, kwargs)

    async def _in_thread(
        self, runner: Callable[..., T], fn: Callable[..., T], kwargs: dict[str, Any]
    ) -> T:
        """`runner(fn, **kwargs)` in one of this database's worker threads."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="database")
        work = functools.partial(runner, fn, **kwargs)
        context = contextvars.copy_context()  # as asyncio.to_thread does
        return await asyncio.get_running_loop().run_in_executor(self._executor, context.run, work)

    def dispose(self) -> None:
        """Closes every pooled connection and lets the worker threads go."""
        self.engine.dispose()
        if self._autocommit is not None:
            self._autocommit.dispose()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None


class _AtCommit(Exception):
    """The connection failed during COMMIT: whether the write happened is unknown."""

    def __init__(self, error: DBAPIError) -> None:
        super().__init__(str(error))
        self.error = error


def _reconnecting(attempt: Callable[[], T]) -> T:
    """Runs `attempt` again when it found its pooled connection dead (at most RECONNECT_TRIES
    more times); a failure at COMMIT is raised as it came."""
    for tries in range(RECONNECT_TRIES + 1):
        try:
            return attempt()
        except _AtCommit as failed:
            raise failed.error from None
        except DBAPIError as exc:
            if not exc.connection_invalidated or tries == RECONNECT_TRIES:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
