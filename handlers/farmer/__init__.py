"""The farmer's menu: orders to pack, earnings, their trees and the news they post."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

from bot.notify import Renderer
from handlers.farmer import menu, news, trees


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Posting news, the farmer's trees, then the farmer's menu and its screens."""
    return [*news.handlers(), *trees.handlers(), *menu.handlers()]


def renderers() -> dict[str, Renderer]:
    """Tree news sent to the adopters through the outbox."""
    return {"tree_news": news.render_tree_news}
