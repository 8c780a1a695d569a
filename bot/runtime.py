"""Start-up work shared by every way of running the bot: catalogs, schema, sample data."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.db import Database
from bot.i18n import compile_catalogs
from models.sample import load_sample_catalog

log = logging.getLogger(__name__)


def open_database(settings: Settings) -> Database:
    """Compiles stale catalogs, creates the schema and loads the sample catalog on first run."""
    for path in compile_catalogs():
        log.info("compiled %s", path)
    db = Database(settings.database_url)
    db.create_all()
    if db.call(load_sample_catalog):
        log.info("loaded the sample catalog")
    return db
