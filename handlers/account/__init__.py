"""The user's own account: /start and /help, the language, privacy and data rights."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

from handlers.account import helpdesk, language, privacy, start


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The account's handlers, in the order they are tried."""
    return [*start.handlers(), *language.handlers(), *privacy.handlers(), *helpdesk.handlers()]


def renderers() -> dict[str, Any]:
    """Messages to and from the post office, sent through the outbox."""
    return helpdesk.renderers()
