"""Configuration from the environment: defaults, parsing, and one clear line for a bad value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, ConfigError, Settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_without_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({}, env_file=tmp_path / "missing.env")
    assert settings.bot_token is None
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.default_language == "en"
    assert settings.admin_ids == ()
    assert settings.database_threads == 4


def test_values_are_parsed_and_env_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ADMIN_IDS=1, 2,3\nDEFAULT_LANGUAGE=lo\nBOT_TOKEN=from-file\n")
    settings = Settings.from_env(
        {
            "BOT_TOKEN": "from-env",
            "DATABASE_URL": "postgres://u@h/db",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
            "DATABASE_THREADS": "2",
        },
        env_file=env_file,
    )
    assert settings.admin_ids == (1, 2, 3)
    assert settings.default_language == "lo"
    assert settings.bot_token == "from-env"  # the environment wins over .env
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert settings.database_threads == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADMIN_IDS", "12,abc"),
        ("DEFAULT_LANGUAGE", "fr"),
        ("DATABASE_URL", "mysql://x"),
        ("TELEGRAM_BASE_URL", "localhost:8081"),
        ("LAK_PER_CNY", "-3"),
        ("RESERVATION_MINUTES", "soon"),
        ("DATABASE_THREADS", "0"),
    ],
)
def test_bad_value_names_the_variable(name: str, value: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"^{name}="):
        Settings.from_env({name: value}, env_file=None)


def test_bad_value_exits_with_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "DEFAULT_LANGUAGE": "fr", "BOT_TOKEN": ""}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        input="",
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: DEFAULT_LANGUAGE='fr': must be one of zh, lo, en"
    ]
