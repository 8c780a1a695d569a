"""Without an https WEBAPP_URL the Mini App is off: nothing in the chat offers it."""

from __future__ import annotations

import dataclasses

from bot.commands import register_commands
from tests.factories import TgUser
from tests.harness import Harness
from tests.miniapp_helpers import WEBAPP_URL


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


async def test_turned_off_the_shop_button_goes_and_stays_gone(bot: Harness, li: TgUser) -> None:
    """Telegram keeps a chat's menu button until told: once WEBAPP_URL is unset, the chat that
    got the shop's and the default are given Telegram's default back, once."""
    off = bot.app.bot_data["settings"]
    bot.app.bot_data["settings"] = dataclasses.replace(off, webapp_url=WEBAPP_URL)
    await bot.command(li, "/shop")
    await register_commands(bot.app)
    assert bot.api.menu_buttons[li.id]["type"] == bot.api.menu_buttons[None]["type"] == "web_app"

    bot.app.bot_data["settings"] = off
    bot.api.clear()
    await register_commands(bot.app)
    calls = await bot.command(li, "/start")
    again = await bot.command(li, "/shop")
    await register_commands(bot.app)
    assert bot.api.menu_buttons == {None: {"type": "default"}, li.id: {"type": "default"}}
    assert [c.method for c in calls].count("setChatMenuButton") == 1
    assert len(bot.api.sent("setChatMenuButton")) == 2  # the default and Li's chat, once each
    rows = next(c for c in again if c.method == "sendMessage").result["reply_markup"]
    assert all("web_app" not in b for row in rows["inline_keyboard"] for b in row)


async def test_a_menu_button_not_the_shops_is_left_alone(bot: Harness) -> None:
    """A button the operator set with @BotFather is not the bot's to take back."""
    bot.api.menu_buttons[None] = {
        "type": "web_app",
        "text": "Menu",
        "web_app": {"url": "https://x.org/"},
    }
    await register_commands(bot.app)
    assert "setChatMenuButton" not in bot.api.methods()
