"""Shared fixtures: a fresh database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL),
settings, and the real Application built offline around a recording Bot API.

On SQLite the schema and the sample catalog are built once per session in a template file that
each test gets a copy of: the same database create_all + load_sample_catalog would make, without
building it 460 times. PostgreSQL builds them in each test's own schema.
"""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from bot.app import build_application
from bot.config import Settings
from bot.db import Database, sqlite_engine
from bot.i18n import compile_catalogs
from bot.offline import OfflineBotAPI
from models.catalog.samples import load_sample_catalog
from models.core import crypto
from tests.factories import TgUser
from tests.harness import Harness

ADMIN_ID = 7000
TEST_DATA_KEY = "dGVzdC1vbmx5LWRhdGEta2V5LW5vdC1hLXNlY3JldCE="  # tests only, never a real key
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_configure(config: pytest.Config) -> None:
    """Compiles the catalogs once, so tests read what the bot would."""
    compile_catalogs()
    crypto.configure([TEST_DATA_KEY])  # what bot/datakey.py does at start


@pytest.fixture(autouse=True)
def _collector_as_python_sets_it() -> Iterator[None]:
    """Undoes `bot.memory.settle_memory` after a test that started polling or the webhook: the
    next tests' garbage must not be frozen for the rest of the run."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def _postgres_url(url: str) -> str:
    """Normalises the URL to the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}", None
        return
    url, schema = _postgres_url(POSTGRES_URL), f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield url, schema
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _build(database: Database) -> None:
    """Creates the schema and loads the sample catalog."""
    database.create_all()
    database.call(load_sample_catalog)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the schema and the sample catalog, built once per session."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    _build(database)
    database.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


class SharedSQLiteEngine:
    """One SQLite engine for the session, opening each test's own file in turn.

    A new engine per test would compile every statement afresh: a fifth of a test's time.
    """

    def __init__(self) -> None:
        self.path = ""
        self.engine = sqlite_engine("sqlite:///" + os.devnull, creator=self._connect)

    def _connect(self) -> sqlite3.Connection:
        """Opens the current test's file, as the engine's own connect would."""
        return sqlite3.connect(self.path, check_same_thread=False, timeout=30)

    def use(self, path: str) -> Engine:
        """Points the engine at `path`, closing the previous test's connections."""
        self.engine.dispose()
        self.path = path
        return self.engine


@pytest.fixture(scope="session")
def shared_sqlite() -> SharedSQLiteEngine:
    """The session's SQLite engine (its statement cache shared by every test)."""
    return SharedSQLiteEngine()


@pytest.fixture
def db(database_url: tuple[str, str | None], request: pytest.FixtureRequest) -> Iterator[Database]:
    """A fresh database with the schema and the sample catalog."""
    url, schema = database_url
    if schema is None:
        template: Path = request.getfixturevalue("sqlite_template")
        path = url.removeprefix("sqlite:///")
        shutil.copyfile(template, path)
        shared: SharedSQLiteEngine = request.getfixturevalue("shared_sqlite")
        database = Database(url, engine=shared.use(path))
    else:
        database = Database(url, schema)
        _build(database)
    yield database
    database.dispose()


@pytest.fixture
def settings(database_url: tuple[str, str | None]) -> Settings:
    """Settings as an operator would configure them, with one admin."""
    return Settings(database_url=database_url[0], admin_ids=(ADMIN_ID,), default_language="en")


@pytest.fixture
async def bot(settings: Settings, db: Database) -> AsyncIterator[Harness]:
    """The real Application, offline: every Bot API call is recorded and answered."""
    api = OfflineBotAPI()
    application = build_application(settings, db, request=api, rate_limit=False)
    async with application:
        yield Harness(application, api, db)


@pytest.fixture
def ann() -> TgUser:
    """An English-speaking buyer."""
    return TgUser(id=1001, first_name="Ann", language_code="en-US")


@pytest.fixture
def li() -> TgUser:
    """A Chinese-speaking buyer."""
    return TgUser(id=1002, first_name="李娜", language_code="zh-hans")


@pytest.fixture
def noy() -> TgUser:
    """A Lao-speaking buyer."""
    return TgUser(id=1003, first_name="ນ້ອຍ", language_code="lo")


@pytest.fixture
def admin() -> TgUser:
    """A post-office operator (listed in ADMIN_IDS)."""
    return TgUser(id=ADMIN_ID, first_name="Operator", language_code="zh-CN")
