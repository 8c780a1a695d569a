"""The application under benchmark: the real one, on a fresh database, offline."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.seed import seed_trees
from bot.app import App, build_application
from bot.config import Settings
from bot.db import Database
from bot.offline import OfflineBotAPI
from models.sample import load_sample_catalog

OPERATOR_ID = 1


def drop_schema(url: str, schema: str) -> None:
    """Drops a benchmark's PostgreSQL schema and everything in it."""
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


def fresh_database(url: str | None, threads: bool = False) -> tuple[Database, str]:
    """A new empty database: a SQLite file, or a new schema on the PostgreSQL server at `url`."""
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="orchard-bench-"))
        database_url = f"sqlite:///{folder / 'bench.db'}"
        return Database(database_url, inline=not threads), database_url
    url = Settings.from_env({"DATABASE_URL": url}, env_file=None).database_url
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    return Database(url, schema), url


@asynccontextmanager
async def journey_application(
    url: str | None, trees: int = 0, threads: bool = False
) -> AsyncIterator[tuple[App, OfflineBotAPI, list[int]]]:
    """The real Application with the sample catalog and `trees` extra free trees, on a fresh
    database, offline; also yields the extra trees' ids."""
    db, database_url = fresh_database(url, threads)
    db.create_all()
    db.call(load_sample_catalog)
    tree_ids = db.call(seed_trees, count=trees) if trees else []
    with db.session() as session:  # enough stock that no simulated buyer finds it sold out
        session.execute(text("UPDATE product SET stock = 1000000"))
        session.commit()
    settings = Settings(database_url=database_url, admin_ids=(OPERATOR_ID,))
    api = OfflineBotAPI()
    app = build_application(settings, db, request=api, rate_limit=False)
    async with app:
        yield app, api, tree_ids
    db.dispose()
    if db.schema:
        drop_schema(database_url, db.schema)
