"""Adopting a tree: browsing, the adoption dialogue, my trees, certificates, notices."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

from bot.notify import Renderer
from handlers.adoption import adopt, browse, my_trees, notices


def deep_links() -> list[BaseHandler[Any, Any, Any]]:
    """The shared tree links, `/start tree_<CODE>`."""
    return browse.deep_links()


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Browse (TREE …), adopt (ADOPT …) and My trees (MYT …, /mytrees), in this order."""
    return [*browse.handlers(), *adopt.handlers(), *my_trees.handlers()]


def renderers() -> dict[str, Renderer]:
    """The adoption's notifications sent through the outbox."""
    return dict(notices.RENDERERS)
