"""The console chat: scripted stdin drives the same Application and database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_console(tmp_path: Path, script: str, *args: str) -> str:
    """Runs `python -m bot console ARGS` with `script` on stdin; returns stdout."""
    env = {
        **os.environ,
        "BOT_TOKEN": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--files-dir", str(tmp_path / "files"), *args],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("lang", "greeting"),
    [("zh-hans", "您好"), ("lo", "ສະບາຍດີ"), ("en-US", "Hello, Ann!"), (None, "Hello, Ann!")],
)
def test_start_in_each_language(tmp_path: Path, lang: str | None, greeting: str) -> None:
    out = run_console(tmp_path, "/start\n", *(["--lang", lang] if lang else []))
    assert greeting in out
    assert "] 🌐" in out  # the menu is shown as numbered buttons


def test_buttons_are_pressed_by_number_and_language_sticks(tmp_path: Path) -> None:
    out = run_console(tmp_path, "/language\n#2\n/start\n", "--lang", "en", "--user-id", "55")
    assert "bot (edited)> ຕົກລົງ" in out
    assert out.split("you> /start")[-1].lstrip().startswith("bot> ສະບາຍດີ")
    # the same database remembers the choice in the next run
    out = run_console(tmp_path, "/start\n", "--lang", "en", "--user-id", "55")
    assert "ສະບາຍດີ" in out


def test_plain_run_without_token_opens_console_and_exits_zero_at_eof(tmp_path: Path) -> None:
    env = {**os.environ, "BOT_TOKEN": "", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        input="/help\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "/language" in result.stdout
    assert (tmp_path / "data" / "orchard.db").exists()  # the default SQLite file under ./data/
