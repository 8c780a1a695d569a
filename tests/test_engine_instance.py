"""On SQLite a second bot process on the same database file is refused with one clear line
(PostgreSQL takes any number: they claim their updates), while the console still opens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import runtime
from bot.cli import main
from bot.config import Settings
from bot.db import Database
from models.core.updates import store_update
from tests.engine_helpers import update_rows
from tests.factories import TgUser, make_command_update


@pytest.fixture
def sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A SQLite database file as DATABASE_URL, with a bot token and nowhere to reach Telegram."""
    path = tmp_path / "bot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")  # refused at once
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    yield path
    held = getattr(runtime, "_held_locks", [])
    for handle in held:  # the "first process" lets go
        handle.close()
    held.clear()


@pytest.mark.parametrize("command", ["run", "webhook"])
def test_second_bot_process_on_one_sqlite_file_is_refused(
    sqlite_file: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings.from_env(env_file=None)
    db = runtime.open_database(settings)
    assert runtime.single_instance(settings, db) is None  # the first process holds the lock
    db.dispose()
    assert main([command]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "already runs on" in error[0] and str(sqlite_file) in error[0]


def test_the_one_process_takes_over_claims_left_by_a_dead_one(
    sqlite_file: Path, ann: TgUser
) -> None:
    from models.core.updates import Claim, claim_update

    settings = Settings.from_env(env_file=None)
    db = Database(settings.database_url)
    db.create_all()
    data = make_command_update(ann, "/start")
    db.call(store_update, update_id=data["update_id"], payload=data)
    db.call(claim_update, update_id=data["update_id"], claim=Claim("x:1:dead", timedelta(hours=1)))
    assert runtime.single_instance(settings, db) is None
    assert update_rows(db)[data["update_id"]].lease_until is None  # free to take at once
    db.dispose()


def test_postgresql_and_the_console_take_no_lock(sqlite_file: Path) -> None:
    assert runtime.sqlite_path("postgresql+psycopg://u@h/db") is None
    assert runtime.sqlite_path("sqlite://") is None
    assert runtime.sqlite_path(f"sqlite:///{sqlite_file}") == sqlite_file
