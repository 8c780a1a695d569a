"""A database restart costs no transaction: one that finds its pooled connection dead runs again
on a new one, unless the connection died at COMMIT (the write may have happened)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.db import Database
from models.core.user import User


def _dropped(invalidated: bool = True) -> OperationalError:
    """The error SQLAlchemy raises when a statement finds its connection gone."""
    gone = Exception("server closed the connection")
    return OperationalError("SELECT 1", {}, gone, connection_invalidated=invalidated)


def test_a_transaction_that_finds_its_connection_dead_runs_again(db: Database) -> None:
    tries: list[int] = []

    def add_user(*, session: Session) -> None:
        tries.append(1)
        session.add(User(id=4242, first_name="R", language="en"))
        session.flush()
        if len(tries) == 1:
            raise _dropped()

    db.call(add_user)
    assert len(tries) == 2
    with db.session() as session:
        assert len(session.exec(select(User).where(User.id == 4242)).all()) == 1


def test_other_database_errors_are_not_repeated(db: Database) -> None:
    tries: list[int] = []

    def fails(*, session: Session) -> None:
        tries.append(1)
        raise _dropped(invalidated=False)

    with pytest.raises(OperationalError):
        db.call(fails)
    assert len(tries) == 1


def test_a_connection_lost_at_commit_is_not_repeated(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries: list[int] = []

    def commit(self: Session) -> Any:
        raise _dropped()

    def writes(*, session: Session) -> None:
        tries.append(1)

    monkeypatch.setattr(Session, "commit", commit)
    with pytest.raises(OperationalError):
        db.call(writes)
    assert len(tries) == 1


def _backend(*, session: Session) -> int:
    """The PostgreSQL backend serving this session's connection."""
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(db: Database, pids: set[int]) -> None:
    """Cuts these backends from the server's side, as a restart does."""
    killer = Database(db.url)
    try:
        with killer.engine.connect() as connection:
            for pid in pids:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        killer.dispose()


def test_postgresql_restart_between_transactions_loses_none(db: Database) -> None:
    """Every pooled connection is cut by the server; the next transactions still go through."""
    if not db.url.startswith("postgresql"):
        pytest.skip("PostgreSQL's backends are what a restart kills")
    _terminate(db, {db.call(_backend) for _ in range(3)})

    def add_user(*, session: Session, user_id: int) -> None:
        session.add(User(id=user_id, first_name="R", language="en"))

    for user_id in (5001, 5002, 5003):
        db.call(add_user, user_id=user_id)
    with db.session() as session:
        assert len(session.exec(select(User).where(User.id >= 5001)).all()) == 3


def test_a_postgresql_read_goes_without_a_transaction_and_leaves_the_pool_transactional(
    db: Database,
) -> None:
    """`peek` sends no BEGIN/COMMIT on PostgreSQL; the connection it used goes back to the pool
    as it was, so the next `call` is one transaction again."""
    if not db.url.startswith("postgresql"):
        pytest.skip("SQLite reads go in a transaction, like every call")
    from psycopg.pq import TransactionStatus

    def status(*, session: Session) -> TransactionStatus:
        session.execute(text("SELECT 1"))
        return session.connection().connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]

    assert db.peek(status) == TransactionStatus.IDLE  # autocommit: no transaction open
    assert db.call(status) == TransactionStatus.INTRANS
    assert db.peek(status) == TransactionStatus.IDLE
    assert db.call_one(status) == TransactionStatus.IDLE  # one statement is atomic by itself
    assert db.call(status) == TransactionStatus.INTRANS


def test_postgresql_restart_cuts_the_reads_connections_too(db: Database) -> None:
    """Reads and single statements have their own pool; a restart kills it too, and they go on."""
    if not db.url.startswith("postgresql"):
        pytest.skip("PostgreSQL's backends are what a restart kills")

    pids = {db.peek(_backend) for _ in range(3)}
    _terminate(db, pids)

    def add_user(*, session: Session) -> None:
        session.add(User(id=5101, first_name="R", language="en"))

    assert db.peek(_backend) not in pids
    db.call_one(add_user)
    with db.session() as session:
        assert session.get(User, 5101) is not None


def test_a_read_that_finds_its_connection_dead_runs_again(db: Database) -> None:
    tries: list[int] = []

    def read(*, session: Session) -> int:
        tries.append(1)
        if len(tries) == 1:
            raise _dropped()
        return int(session.execute(text("SELECT 1")).scalar_one())

    assert db.peek(read) == 1 and len(tries) == 2
