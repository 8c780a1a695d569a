"""The storefront Mini App: pages and a JSON API served by the bot's own tornado server."""

from __future__ import annotations

from telegram import MenuButtonWebApp, WebAppInfo

from bot.config import Settings
from bot.i18n import Translator

PREFIX = "/app"  # where the pages and the API live on the bot's HTTP server


def enabled(settings: Settings) -> bool:
    """The Mini App is on only with a public https address for Telegram to open."""
    return bool(settings.webapp_url)


def page_url(settings: Settings) -> str:
    """The public address of the shop page (WEBAPP_URL, which Telegram opens)."""
    assert settings.webapp_url
    return settings.webapp_url


def menu_button(settings: Settings, tr: Translator) -> MenuButtonWebApp:
    """The chat menu button that opens the shop page, labelled in one language."""
    return MenuButtonWebApp(tr.pgettext("menu button", "Shop"), WebAppInfo(page_url(settings)))
