"""The console chat: scripted stdin drives the same Application and database.

Most runs go through `bot.cli.main` in this process, as `python -m bot console` would; one
test starts a real `python -m bot` process, for the entry point and its exit status.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLI_LOGGERS = ("httpx", "apscheduler", "alembic", "tornado.access")


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    """Undoes what the command line does to logging (levels, filters), for the tests after."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in CLI_LOGGERS}
    filters = {handler: list(handler.filters) for handler in root.handlers}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler, kept in filters.items():
        handler.filters[:] = kept


@pytest.fixture
def run_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., str]:
    """Runs `python -m bot console ARGS` with a script on stdin; returns stdout."""
    monkeypatch.setenv("BOT_TOKEN", "")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'console.db'}")
    monkeypatch.chdir(tmp_path)

    def run(script: str, *args: str) -> str:
        monkeypatch.setattr(sys, "stdin", io.StringIO(script))
        capsys.readouterr()
        status = main(["console", "--files-dir", str(tmp_path / "files"), *args])
        out, err = capsys.readouterr()
        assert status == 0, err
        return out

    return run


@pytest.mark.parametrize(
    ("lang", "greeting"),
    [("zh-hans", "您好"), ("lo", "ສະບາຍດີ"), ("en-US", "Hello, Ann!"), (None, "Hello, Ann!")],
)
def test_start_in_each_language(
    run_console: Callable[..., str], lang: str | None, greeting: str
) -> None:
    out = run_console("/start\n", *(["--lang", lang] if lang else []))
    assert greeting in out
    assert "] 🌐" in out  # the menu is shown as numbered buttons


def test_buttons_are_pressed_by_number_and_language_sticks(
    run_console: Callable[..., str],
) -> None:
    out = run_console("/language\n#2\n/start\n", "--lang", "en", "--user-id", "55")
    assert "bot (edited)> ຕົກລົງ" in out
    assert out.split("you> /start")[-1].lstrip().startswith("bot> ສະບາຍດີ")
    # the same database remembers the choice in the next run
    out = run_console("/start\n", "--lang", "en", "--user-id", "55")
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


def test_the_share_my_number_button_is_shown_and_pressed_with_contact(
    run_console: Callable[..., str],
) -> None:
    to_the_phone = "/start\n#2\n#1\n#1\n#1\n#2\n#5\n#1\n#1\n88 Furong Road, Changsha, Ann\n"
    out = run_console(to_the_phone + "!contact\n", "--lang", "en")
    assert "[📱 Share my number] (under the text box: type !contact)" in out
    assert "✅ Phone number: +8613800138000" in out.split("you> !contact")[1]
    assert "Step 3 of 4" in out.split("you> !contact")[1]
    assert "!contact [NUMBER]" in run_console("!help\n")


def test_a_message_of_several_lines_ends_each_but_the_last_with_a_backslash(
    run_console: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_IDS", "7000")
    out = run_console("/help\n#1\nWhen does it come?\\\nOrder SBD-7KQ3-XM9A\n", "--lang", "en")
    assert "you> When does it come?\n     Order SBD-7KQ3-XM9A\n" in out
    assert out.count("✅ Sent to the post office") == 1  # one message, not two
    assert "When does it come?\n     Order SBD-7KQ3-XM9A" in out.split("[to 7000]")[1]
