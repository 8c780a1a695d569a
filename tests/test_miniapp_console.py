"""The Mini App from the console: its buttons say where the page is, as a newcomer needs."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from bot.app import build_application
from bot.config import Settings
from bot.console import ConsoleBotAPI, run_console
from bot.db import Database


class _Terminal(io.StringIO):
    """Typed input from a terminal (the console serves the page only then)."""

    def isatty(self) -> bool:
        return True


async def test_the_console_says_where_the_shop_buttons_lead(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    local = dataclasses.replace(settings, webapp_url="https://shop.example.org/app/", webapp_port=0)
    out = io.StringIO()
    api = ConsoleBotAPI(out, tmp_path / "files")
    app = build_application(local, db, request=api, rate_limit=False)
    user = {"id": 4242, "is_bot": False, "first_name": "Noy", "language_code": "lo"}
    await run_console(app, api, user, _Terminal("/shop\n#1\n"), out, banner="hi\n")
    text = out.getvalue()
    address = next(line for line in text.splitlines() if line.startswith("Mini App: http://"))
    address = address.removeprefix("Mini App: ")
    assert (
        f"(the chat's menu button is now “ຮ້ານຄ້າ”: it opens the shop page, here {address})" in text
    )
    assert "[1] 🛍 ເປີດຮ້ານຄ້າ" in text
    assert f"(it opens the shop page, here {address})" in text  # what #1 says
    assert "something outside the chat" not in text
