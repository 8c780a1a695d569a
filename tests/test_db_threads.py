"""The bot's database calls from the event loop run in a few threads of its own.

Each worker thread takes the GIL back from the event loop whenever its statement returns; with
asyncio's default executor (six threads on two cores) they spent more CPU handing it round than
the statements cost (docs/performance.md, session 5). `DATABASE_THREADS` sets how many.
"""

from __future__ import annotations

import asyncio
import threading
import time

from sqlmodel import Session

from bot.db import Database


async def test_calls_from_the_loop_share_the_configured_threads(
    database_url: tuple[str, str | None],
) -> None:
    url, schema = database_url
    db = Database(url, schema, inline=False, threads=2)
    lock = threading.Lock()
    running: list[int] = []
    most = 0
    threads: set[int] = set()

    def work(*, session: Session) -> None:
        nonlocal most
        with lock:
            running.append(1)
            most = max(most, len(running))
            threads.add(threading.get_ident())
        time.sleep(0.01)  # a slow statement: the other calls must wait for a thread
        with lock:
            running.pop()

    try:
        await asyncio.gather(*(db.run(work) for _ in range(12)))
        await asyncio.gather(*(db.read(work) for _ in range(6)))
    finally:
        db.dispose()
    assert most == 2
    assert len(threads) == 2
    assert threading.get_ident() not in threads  # never on the event loop's thread


async def test_a_disposed_database_takes_new_threads(database_url: tuple[str, str | None]) -> None:
    url, schema = database_url
    db = Database(url, schema, inline=False, threads=1)
    seen: list[int] = []

    def which(*, session: Session) -> None:
        seen.append(threading.get_ident())

    try:
        await db.run(which)
        db.dispose()  # as at shutdown, or a test between two Applications
        await db.run(which)
    finally:
        db.dispose()
    assert len(seen) == 2
