"""Browsing the trees: by kind or by village, paged lists, a tree's card and its share link."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, filters
from telegram.helpers import create_deep_linked_url

from bot.context import BotContext
from handlers.kit import routes
from handlers.kit.common import (
    back_button,
    button,
    esc,
    keyboard,
    menu_row,
    pager,
    show,
)
from handlers.kit.pictures import has_picture, show_picture
from models.adoption.browse import Group, TreeCard, browse_choices, tree_card, tree_page
from models.catalog.places import localized
from models.catalog.trees import Species, Tree
from models.core.base import utcnow

PAGE_SIZE = 8
CODE = re.compile(r"^[A-Za-z0-9-]{1,24}$")


def share_url(context: BotContext, code: str) -> str:
    """The t.me deep link that opens this tree's card."""
    username = context.bot.username or context.settings.bot_username
    return create_deep_linked_url(username, f"tree_{code}")


def _group_buttons(
    context: BotContext, groups: list[Group], by: str
) -> list[list[InlineKeyboardButton]]:
    """One button per species or village, with the number of free trees."""
    rows = []
    for group in groups:
        emoji = getattr(group.row, "emoji", "🏡")
        name = localized(group.row, "name", context.lang)
        label = f"{emoji} " + context.tr.detail(name, context.tr.number(group.free))
        rows.append([button(label, routes.TREE_LIST.data(by=by, group_id=group.row.id, page=0))])
    return rows


async def browse(update: Update, context: BotContext) -> None:
    """Shows the kinds of trees and the villages to choose from."""
    tr = context.tr
    species, villages = await context.db.read(browse_choices)
    text = "\n\n".join(
        [
            tr._(
                "<b>Adopt a tree for a season</b>\n"
                "Its farmer looks after it for you; you receive a share of its harvest, news "
                "of your tree and a certificate with your name."
            ),
            tr._("Choose by kind of tree or by village:"),
        ]
    )
    rows = _group_buttons(context, species, "species") + _group_buttons(
        context, villages, "village"
    )
    await show(update, context, text, keyboard(*rows, menu_row(context)))


def _tree_label(context: BotContext, tree: Tree, emoji: str, currency: str) -> str:
    """A list button: kind, code and price."""
    return f"{emoji} {tree.code} · {context.tr.money(tree.price_fen, currency)}"


def tree_line(
    context: BotContext, tree: Tree, species: Species | None, with_kind: bool, currency: str
) -> str:
    """One tree in a list: what tells it from the others (variety or kind, age, share, price).

    A variety takes the kind's place in a village's list: the emoji already shows the kind, and
    the line must fit a phone."""
    tr = context.tr
    age = max(0, utcnow().year - tree.year_planted)
    parts = [f"{species.emoji if species else '🌳'} <b>{esc(tree.code)}</b>"]
    variety = localized(tree, "variety", context.lang)
    if variety:
        parts.append(esc(variety))
    elif with_kind and species is not None:
        parts.append(esc(species_name(species, context.lang)))
    parts += [
        tr.ngettext("{count} year old", "{count} years old", age).format(count=age),
        tr._("at least {kg} kg").format(kg=tr.number(tree.harvest_kg)),
        tr.price(tree.price_fen, context.settings.lak_per_cny, currency),  # with an estimate
    ]
    return " · ".join(parts)


async def tree_list(update: Update, context: BotContext) -> None:
    """Shows one page of the free trees of a kind or of a village."""
    group = {f: routes.text_field(context, f) for f in ("by", "group_id", "page")}
    key = "species_id" if group["by"] == "species" else "village_id"
    page_no = int(group["page"])
    page = await context.db.read(
        tree_page, **{key: int(group["group_id"])}, offset=page_no * PAGE_SIZE, limit=PAGE_SIZE
    )
    tr = context.tr
    trees, total, species, currencies = page.trees, page.total, page.species, page.currencies
    pages = max(1, -(-total // PAGE_SIZE))
    if not trees:
        text = tr._(
            "All trees here are taken for this season. Please look at another kind or village."
        )
    else:
        text = tr.ngettext(
            "{count} tree is available. Tap one to see it.",
            "{count} trees are available. Tap one to see it.",
            total,
        ).format(count=total)
        if pages > 1:
            text += "\n" + tr._("Page {page} of {pages}").format(page=page_no + 1, pages=pages)
        with_kind = group["by"] != "species"
        lines = [
            tree_line(context, t, species.get(t.species_id), with_kind, currencies[t.village_id])
            for t in trees
        ]
        text += "\n\n" + "\n".join(lines)
    by, group_id = group["by"], group["group_id"]
    rows = [
        [
            button(
                _tree_label(
                    context,
                    t,
                    species[t.species_id].emoji if t.species_id in species else "🌳",
                    currencies[t.village_id],
                ),
                routes.TREE_CARD.data(tree_id=t.id, by=by, group_id=group_id, page=page_no),
            )
        ]
        for t in trees
    ]
    nav = pager(context, routes.TREE_LIST, page_no, pages, by=by, group_id=group_id)
    back = [back_button(context, routes.TREES.data())]
    await show(update, context, text, keyboard(*rows, nav, back, menu_row(context)))


def species_name(species: object, lang: str) -> str:
    """The kind of tree in this language."""
    return localized(species, "name", lang)


def variety_lines(context: BotContext, tree: Tree) -> list[str]:
    """The card's variety line, or none for a tree without one."""
    variety = localized(tree, "variety", context.lang)
    return [context.tr._("Variety: {variety}").format(variety=esc(variety))] if variety else []


def card_text(context: BotContext, card: TreeCard) -> str:
    """The tree's card: kind, code, description, village, farmer, variety, age, share, price."""
    tr, lang = context.tr, context.lang
    tree = card.tree
    lines = [
        f"{card.species.emoji} <b>{esc(species_name(card.species, lang))} · {esc(tree.code)}</b>",
        esc(localized(tree, "description", lang)),
        "",
        tr._("Village: {village} ({region})").format(
            village=esc(localized(card.village, "name", lang)),
            region=esc(localized(card.village, "region", lang)),
        ),
        tr._("Farmer: {name}").format(name=esc(localized(card.farmer, "name", lang))),
        *variety_lines(context, tree),
        tr._("Planted in {year}").format(year=tree.year_planted),
        tr._("Your share: at least {kg} kg of its harvest").format(kg=tr.number(tree.harvest_kg)),
        tr._("Price for the {season} season: {price}").format(
            season=card.season,
            price=tr.price(tree.price_fen, context.settings.lak_per_cny, card.village.currency),
        ),
    ]
    if not card.available:
        lines += ["", tr._("⛔ This tree is already adopted for this season.")]
    return "\n".join(lines)


def card_markup(context: BotContext, card: TreeCard, back: str) -> InlineKeyboardMarkup:
    """Adopt (when free), share, back and menu."""
    tr = context.tr
    adopt = [
        button(
            "🌳 " + tr.pgettext("button", "Adopt this tree"),
            routes.ADOPT_START.data(tree_id=card.tree.id),
        )
    ]
    share = InlineKeyboardButton(
        "📤 " + tr.pgettext("button", "Share"),
        url="https://t.me/share/url?url=" + quote(share_url(context, card.tree.code), safe=""),
    )
    return keyboard(
        adopt if card.available else [], [share], [back_button(context, back)], menu_row(context)
    )


async def send_card(update: Update, context: BotContext, card: TreeCard, back: str) -> None:
    """Shows the card: as a photo with caption when the tree has a photo, else as text."""
    text, markup = card_text(context, card), card_markup(context, card, back)
    if card.tree.photo and has_picture(card.tree.photo):
        await show_picture(update, context, card.tree.photo, text, markup)
        return
    await show(update, context, text, markup)


async def open_card(update: Update, context: BotContext) -> None:
    """Shows a tree's card, from a list (its route carries the list to go back to) or not."""
    query = update.callback_query
    assert query is not None
    card = await context.db.read(tree_card, tree_id=routes.tapped(context, "tree_id"))
    if card is None:
        await query.answer(context.tr._("This tree is no longer in the catalog."), show_alert=True)
        return
    group = {f: routes.text_field(context, f) for f in ("by", "group_id", "page")}
    back = routes.TREE_LIST.data(**group) if group["by"] else routes.TREES.data()
    await send_card(update, context, card, back)


async def open_tree_link(update: Update, context: BotContext) -> None:
    """Opens the card of a shared link `/start tree_<CODE>`."""
    code = (context.args or [""])[0].removeprefix("tree_")
    card = await context.db.read(tree_card, code=code) if CODE.match(code) else None
    if card is None:
        text = context.tr._("That tree is not in the catalog any more. Here are the others:")
        await show(
            update,
            context,
            text,
            keyboard(
                [button("🌳 " + context.tr._("Adopt a tree"), routes.TREES.data())],
                menu_row(context),
            ),
        )
        return
    await send_card(update, context, card, routes.TREES.data())


def deep_links() -> list[BaseHandler[Any, BotContext, Any]]:
    """`/start tree_<CODE>`: must come before the generic /start."""
    return [CommandHandler("start", open_tree_link, filters.Regex(r"^/start tree_"))]


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The kinds and villages, their lists, a tree's card."""
    return [
        routes.TREES.handler(browse),
        routes.TREE_LIST.handler(tree_list),
        routes.TREE_CARD.handler(open_card),
    ]
