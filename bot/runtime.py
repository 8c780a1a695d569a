"""Start-up work shared by every way of running the bot: catalogs, schema, sample data."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.db import Database
from bot.i18n import compile_catalogs
from bot.migrate import head_revision, prepare
from models.catalog.samples import load_sample_catalog

log = logging.getLogger(__name__)


def open_database(settings: Settings) -> Database:
    """Compiles stale catalogs, migrates the schema and loads the sample catalog on first run."""
    for path in compile_catalogs():
        log.info("compiled %s", path)
    db = Database(settings.database_url)
    before = prepare(db, auto_migrate=settings.auto_migrate)
    if before != head_revision():
        log.info("database schema upgraded from %s to %s", before or "nothing", head_revision())
    if db.call(load_sample_catalog):
        log.info("loaded the sample catalog")
    return db
