"""The farmer's trees: which are adopted this season, by whom (a name only), the nickname."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import back_button, button, esc, keyboard, menu_row, show
from handlers.farmer import my_farmer
from handlers.mytrees import status_label
from handlers.roles import farmer_only
from models.farmer_trees import FarmerTree, farmer_trees
from models.trees import PAID

PAGE = 8


def tree_line(tr: Translator, entry: FarmerTree) -> str:
    """One tree: code, kind, and who adopted it this season."""
    head = f"{entry.species.emoji} <b>{esc(entry.tree.code)}</b>"
    if entry.status is None:
        return head + " · " + tr._("not adopted in {season}").format(season=entry.season)
    who = esc(entry.adopter)
    if entry.nickname:
        who += f" · «{esc(entry.nickname)}»"
    mark = "👤" if entry.status in PAID else "⏳"
    return f"{head} · {entry.season} · {status_label(tr, entry.status)}\n  {mark} {who}"


def pager(page: int, total: int, data: str) -> list[InlineKeyboardButton]:
    """◀️ ▶️ buttons for a paged list whose callback data is `data` plus the page."""
    row = []
    if page > 0:
        row.append(button("◀️", f"{data} {page - 1}"))
    if (page + 1) * PAGE < total:
        row.append(button("▶️", f"{data} {page + 1}"))
    return row


@farmer_only
async def my_trees(update: Update, context: BotContext) -> None:
    """Lists one page of the farmer's trees (callback `FRM t <page>`)."""
    assert update.callback_query is not None and update.callback_query.data
    farmer = await my_farmer(update, context)
    if farmer is None:
        return
    tr, page = context.tr, int(update.callback_query.data.split()[-1])
    entries, total = await context.db.run(
        farmer_trees, farmer_id=farmer.id, offset=page * PAGE, limit=PAGE
    )
    lines = ["<b>" + tr._("My trees") + "</b>"]
    if not entries:
        lines.append(tr._("No trees are registered under your name yet."))
    lines += [tree_line(tr, entry) for entry in entries]
    if total > PAGE:
        lines.append(tr._("Page {page} of {pages}").format(page=page + 1, pages=-(-total // PAGE)))
    post = [button("📷 " + tr._("Post a tree update"), "FRM up")]
    markup = keyboard(
        pager(page, total, "FRM t"), post, [back_button(context, "FRM")], menu_row(context)
    )
    await show(update, context, "\n\n".join(lines), markup)
