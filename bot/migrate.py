"""The schema is made and upgraded by the Alembic migrations in models/migrations.

`prepare` runs at every start: a database at the newest migration is left alone; a behind one is
upgraded (AUTO_MIGRATE, the default) or the bot stops with one line saying how to upgrade it; a
database made before the bot had migrations (tables, no alembic_version) is stamped when its
tables match a known revision, and refused otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlmodel import SQLModel

import models
import models.tables
from bot.config import ConfigError
from bot.db import Database

MIGRATIONS = Path(models.__file__).resolve().parent / "migrations"
INITIAL_REVISION = "0001"
INITIAL_TABLES = frozenset(
    {
        "broadcast",
        "conversationstate",
        "farmer",
        "farmerinvite",
        "notification",
        "payment",
        "user",
        "userscratch",
        "village",
    }
)


class SchemaError(ConfigError):
    """The database's schema is not the one this version of the bot needs."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, with no alembic.ini: the scripts are found next to the models."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None when it has no migration history."""
    return MigrationContext.configure(connection).get_current_revision()


def schema_diff(connection: Connection, only: frozenset[str] | None = None) -> list[Any]:
    """Differences between the database and the models (only the tables in `only`, if given)."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare: Any) -> bool:
        return type_ != "table" or only is None or name in only

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include}
    )
    return list(compare_metadata(context, SQLModel.metadata))


def _run(db: Database, action: Callable[[Config], None]) -> None:
    """Runs an Alembic command on one connection, in one transaction."""
    with db.engine.begin() as connection:
        action(alembic_config(connection))


def upgrade(db: Database, revision: str = "head") -> None:
    """Applies every migration up to `revision`."""
    _run(db, lambda config: command.upgrade(config, revision))


def stamp(db: Database, revision: str) -> None:
    """Records that the database is at `revision` without running anything."""
    _run(db, lambda config: command.stamp(config, revision))


def describe(difference: Any) -> str:
    """One difference from compare_metadata in a few words, e.g. `add_table telegramupdate`."""
    item = difference[0] if isinstance(difference, list) else difference
    parts = [p if isinstance(p, str) else getattr(p, "name", None) for p in item[:4]]
    return " ".join(str(part) for part in parts if part)


def _columns(connection: Connection) -> dict[str, set[str]]:
    """Each table's column names (Alembic's own table left out)."""
    inspector = inspect(connection)
    return {
        table: {column["name"] for column in inspector.get_columns(table)}
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }


def _initial_columns() -> dict[str, set[str]]:
    """The tables and columns migration 0001 makes (built in a scratch in-memory database)."""
    scratch = Database("sqlite://")
    try:
        upgrade(scratch, INITIAL_REVISION)
        with scratch.engine.connect() as connection:
            return _columns(connection)
    finally:
        scratch.dispose()


def _matching_revision(db: Database, tables: set[str]) -> str:
    """The revision whose schema an unversioned database has; SchemaError if none."""
    with db.engine.connect() as connection:
        differences = schema_diff(connection)
        if not differences:
            return "head"
        if tables == INITIAL_TABLES and _columns(connection) == _initial_columns():
            return INITIAL_REVISION
    raise SchemaError(
        "the database has tables but no migration history, and they differ from this "
        f"version's schema (first difference: {describe(differences[0])}); back it up and "
        "start on an empty database, or migrate it by hand and run `python -m bot migrate`"
    )


def prepare(db: Database, *, auto_migrate: bool) -> str | None:
    """Brings the schema to the newest migration; returns the revision it was at before."""
    with db.engine.connect() as connection:
        before = current_revision(connection)
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
    head = head_revision()
    if before is None and tables:
        stamp(db, _matching_revision(db, tables))
        with db.engine.connect() as connection:
            before = current_revision(connection)
    if before == head:
        return before
    if not auto_migrate:
        raise SchemaError(
            f"the database schema is out of date (at {before or 'nothing'}, this version needs "
            f"{head}); run `python -m bot migrate` to upgrade it, or set AUTO_MIGRATE=true"
        )
    upgrade(db)
    return before
