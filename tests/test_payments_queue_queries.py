"""The operators' queue of payments to confirm costs a few statements, not a few per payment:
it re-read each payment by its reference and its payer by id (15 ms for 20 payments)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from benchmarks.seed import seed_history
from bot.db import Database
from models.core.payments import pending_offline_payments
from models.payment.methods import queue_entries


def statements(db: Database, limit: int) -> tuple[int, int]:
    """(entries, statements) of one queue read of up to `limit` payments."""
    count = 0

    def counted(*_args: Any) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        entries = db.call(queue_entries, limit=limit)
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return len(entries), count


def test_the_payments_queue_reads_the_payers_at_once(db: Database) -> None:
    db.call(seed_history, trees=10, orders=1000, users=60)
    assert len(db.call(pending_offline_payments, limit=30)) >= 25  # the queue is long enough
    few, few_statements = statements(db, 5)
    many, many_statements = statements(db, 20)
    assert (few, many) == (5, 20)
    entries = db.call(queue_entries, limit=20)
    assert all(entry.buyer_name for entry in entries)  # each with who pays
    # what each extra payment costs: what it is for (one statement), not its payer or itself
    assert many_statements - few_statements <= many - few
