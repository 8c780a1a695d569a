"""The farmer's trees: which are adopted this season, by whom (a name only), the nickname."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.adoption.my_trees import status_label
from handlers.farmer.menu import my_farmer
from handlers.kit import routes
from handlers.kit.common import (
    back_button,
    button,
    esc,
    keyboard,
    menu_row,
    page_count,
    pager,
    show,
)
from handlers.kit.roles import farmer_only
from models.adoption.adoptions import PAID
from models.adoption.farmers import FarmerTree, farmer_trees

PAGE = 8


def tree_line(tr: Translator, entry: FarmerTree) -> str:
    """One tree: code, kind, and who adopted it this season."""
    head = f"{entry.species.emoji} <b>{esc(entry.tree.code)}</b>"
    if entry.status is None:
        return head + " · " + tr._("not adopted in {season}").format(season=entry.season)
    who = esc(entry.adopter)
    if entry.nickname:
        who += " · " + tr.quoted(esc(entry.nickname))
    mark = "👤" if entry.status in PAID else "⏳"
    return f"{head} · {entry.season} · {status_label(tr, entry.status)}\n  {mark} {who}"


@farmer_only
async def my_trees(update: Update, context: BotContext) -> None:
    """Lists one page of the farmer's trees."""
    farmer = await my_farmer(update, context)
    if farmer is None:
        return
    tr, page = context.tr, routes.tapped(context, "page")
    entries, total = await context.db.run(
        farmer_trees, farmer_id=farmer.id, offset=page * PAGE, limit=PAGE
    )
    lines = ["<b>" + tr.pgettext("farmer", "My trees") + "</b>"]
    if not entries:
        lines.append(tr._("No trees are registered under your name yet."))
    lines += [tree_line(tr, entry) for entry in entries]
    if total > PAGE:
        lines.append(
            tr._("Page {page} of {pages}").format(page=page + 1, pages=page_count(total, PAGE))
        )
    post = [button("📷 " + tr._("Post a tree update"), routes.NEWS.data())]
    markup = keyboard(
        pager(context, routes.FARMER_TREES, page, page_count(total, PAGE)),
        post,
        [back_button(context, routes.FARMER.data())],
        menu_row(context),
    )
    await show(update, context, "\n\n".join(lines), markup)


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The farmer's list of their trees."""
    return [routes.FARMER_TREES.handler(my_trees)]
