"""Without an https WEBAPP_URL the Mini App is off: nothing in the chat offers it."""

from __future__ import annotations

from bot.commands import register_commands
from tests.factories import TgUser
from tests.harness import Harness


async def test_no_menu_button_and_no_page_button_when_off(bot: Harness, ann: TgUser) -> None:
    calls = await bot.command(ann, "/shop")
    await register_commands(bot.app)
    assert "setChatMenuButton" not in bot.api.methods()
    shop_message = next(c for c in calls if c.method == "sendMessage")
    rows = shop_message.result["reply_markup"]["inline_keyboard"]
    assert all("web_app" not in button for row in rows for button in row)


def test_a_plain_http_address_is_refused() -> None:
    import pytest

    from bot.config import ConfigError, Settings

    with pytest.raises(ConfigError, match="WEBAPP_URL"):
        Settings.from_env({"WEBAPP_URL": "http://shop.example.org/app/"}, env_file=None)
