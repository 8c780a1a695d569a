"""The storefront Mini App: pages and a JSON API served by the bot's own tornado server."""

from __future__ import annotations

from telegram import MenuButton, MenuButtonWebApp, WebAppInfo

from bot.config import LANGUAGES, Settings
from bot.i18n import Translator, translator

PREFIX = "/app"  # where the pages and the API live on the bot's HTTP server


def enabled(settings: Settings) -> bool:
    """The Mini App is on only with a public https address for Telegram to open."""
    return bool(settings.webapp_url)


def page_url(settings: Settings) -> str:
    """The public address of the shop page (WEBAPP_URL, which Telegram opens)."""
    assert settings.webapp_url
    return settings.webapp_url


def menu_label(tr: Translator) -> str:
    """The menu button's label in one language."""
    return tr.pgettext("menu button", "Shop")


def menu_button(settings: Settings, tr: Translator) -> MenuButtonWebApp:
    """The chat menu button that opens the shop page, labelled in one language."""
    return MenuButtonWebApp(menu_label(tr), WebAppInfo(page_url(settings)))


def is_shop_button(button: MenuButton) -> bool:
    """A menu button this bot set for its shop (a Mini App button with one of its labels)."""
    labels = {menu_label(translator(language)) for language in LANGUAGES}
    return isinstance(button, MenuButtonWebApp) and button.text in labels
