"""The tree-adoption journey's handlers, in the order bot.app registers them."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.adoption import adopt
from handlers.adoption import browse as trees
from handlers.adoption import my_trees as mytrees
from handlers.kit import routes


def tree_link_handler() -> BaseHandler[Any, BotContext, Any]:
    """`/start tree_<CODE>`: must come before the generic /start."""
    return CommandHandler("start", trees.open_tree_link, filters.Regex(r"^/start tree_"))


def adoption_handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """Browse (TREE …), adopt (ADOPT …) and My trees (MYT …, /mytrees)."""
    return [
        routes.TREES.handler(trees.browse),
        routes.TREE_LIST.handler(trees.tree_list),
        routes.TREE_CARD.handler(trees.open_card),
        adopt.conversation(),
        routes.ADOPT_RENEW.handler(adopt.renew),
        CommandHandler("mytrees", mytrees.my_trees),
        routes.MY_TREES.handler(mytrees.my_trees),
        routes.MY_TREE.handler(mytrees.adoption_detail),
        routes.MY_CERTIFICATE.handler(mytrees.send_certificate),
        routes.MY_TREE_PAY.handler(mytrees.pay_again),
    ]
