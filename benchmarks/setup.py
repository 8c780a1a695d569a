"""The application under benchmark: the real one, on a fresh database, offline."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import col, select

from benchmarks.seed import seed_trees
from bot.app import App, build_application
from bot.config import Settings
from bot.db import Database
from bot.offline import OfflineBotAPI
from models.catalog.places import Farmer
from models.catalog.samples import load_sample_catalog
from models.core.roles import create_farmer_invite, redeem_farmer_invite
from models.core.user import touch_user
from models.shop.products import Product

OPERATOR_ID = 1
FARMER_ID = 2  # the Telegram account of the farmer whose kiwifruit the simulated buyers buy


def bind_farmer(db: Database, farmer_id: int, telegram_id: int = FARMER_ID) -> None:
    """Binds a Telegram account to a farmer with an invite link, as the post office does."""
    db.call(
        touch_user,
        telegram_id=telegram_id,
        first_name="Farmer",
        last_name=None,
        username=None,
        language_code="zh-hans",
        language="zh",
        is_admin=False,
    )
    invite = db.call(create_farmer_invite, farmer_id=farmer_id, created_by=OPERATOR_ID)
    db.call(redeem_farmer_invite, token=invite.token, telegram_id=telegram_id)


def first_fruit_farmer(db: Database) -> int:
    """The farmer of the first fruit on the shop's shelf (what the buyer journey buys)."""
    with db.session() as session:
        statement = (
            select(Farmer.id)
            .join(Product, col(Product.farmer_id) == col(Farmer.id))
            .where(Product.category == "fruit", col(Product.active))
            .order_by(col(Product.id))
        )
        return int(session.exec(statement).first() or 0)


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
    settings = Settings.from_env({**os.environ, "DATABASE_URL": url}, env_file=None)
    url, schema = settings.database_url, f"bench_{uuid.uuid4().hex[:10]}"
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    return Database(url, schema, threads=settings.database_threads), url  # as `python -m bot`


@asynccontextmanager
async def journey_application(
    url: str | None,
    trees: int = 0,
    threads: bool = False,
    *,
    api: OfflineBotAPI | None = None,
    rate_limit: bool = False,
) -> AsyncIterator[tuple[App, OfflineBotAPI, list[int]]]:
    """The real Application with the sample catalog and `trees` extra free trees, on a fresh
    database, offline (through `api`, with the production rate limiter if `rate_limit`);
    also yields the extra trees' ids."""
    db, database_url = fresh_database(url, threads)
    db.create_all()
    db.call(load_sample_catalog)
    tree_ids = db.call(seed_trees, count=trees) if trees else []
    bind_farmer(db, first_fruit_farmer(db))
    with db.session() as session:  # enough stock that no simulated buyer finds it sold out
        session.execute(text("UPDATE product SET stock = 1000000"))
        session.commit()
    settings = Settings(database_url=database_url, admin_ids=(OPERATOR_ID,))
    api = api or OfflineBotAPI()
    app = build_application(settings, db, request=api, rate_limit=rate_limit)
    async with app:
        yield app, api, tree_ids
    db.dispose()
    if db.schema:
        drop_schema(database_url, db.schema)
