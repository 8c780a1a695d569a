"""The tree-adoption journey's handlers, in the order bot.app registers them."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.adoption import adopt
from handlers.adoption import browse as trees
from handlers.adoption import my_trees as mytrees


def tree_link_handler() -> BaseHandler[Any, BotContext, Any]:
    """`/start tree_<CODE>`: must come before the generic /start."""
    return CommandHandler("start", trees.open_tree_link, filters.Regex(r"^/start tree_"))


def adoption_handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """Browse (TREE …), adopt (ADOPT …) and My trees (MYT …, /mytrees)."""
    return [
        CallbackQueryHandler(trees.browse, pattern="^TREE$"),
        CallbackQueryHandler(trees.tree_list, pattern=r"^TREE [sv] \d+ \d+$"),
        CallbackQueryHandler(trees.open_card, pattern=r"^TREE c \d+( [sv] \d+ \d+)?$"),
        adopt.conversation(),
        CallbackQueryHandler(adopt.renew, pattern=r"^ADOPT renew \d+$"),
        CommandHandler("mytrees", mytrees.my_trees),
        CallbackQueryHandler(mytrees.my_trees, pattern="^MYT$"),
        CallbackQueryHandler(mytrees.adoption_detail, pattern=r"^MYT a \d+$"),
        CallbackQueryHandler(mytrees.send_certificate, pattern=r"^MYT c \d+$"),
        CallbackQueryHandler(mytrees.pay_again, pattern=r"^MYT p \d+$"),
    ]
