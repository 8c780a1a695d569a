"""The shop page's data: shelves, cards and the cart as JSON, in the user's language.

Prices, stock and totals are computed here from the rows; the page only shows them. The cart is
the chat's cart (models.shop.products), changed by the same domain functions and version rules.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from bot.i18n import Translator
from bot.webapp.photos import photo_url
from handlers.shop.shelves import CATEGORIES
from models.catalog.places import localized
from models.shop.products import (
    CartChange,
    CartView,
    Product,
    add_to_cart,
    change_cart,
    shop_window,
    view_cart,
)

ACTIONS = ("+", "-", "x")
INSIDE_AMOUNT = re.compile(r" (?![(+])")  # every space but those before "(≈ …)" and " + "


def unbroken(amounts: str) -> str:
    """Amounts as the page shows them: each one, and its "(≈ …)", never broken over two lines
    (no-break spaces): 128 ຢວນ / (≈ 384.000 ກີບ), not (≈ / 384.000 ກີບ)."""
    return INSIDE_AMOUNT.sub("\u00a0", amounts)


def strings(tr: Translator) -> dict[str, str]:
    """The page's fixed words, from the bot's own catalogs."""
    return {
        "title": tr._("Village shop"),
        "add": tr.pgettext("button", "Add to cart"),
        "more": tr.pgettext("button", "Add one more"),
        "less": tr.pgettext("button", "Take one out"),
        "remove": tr.pgettext("button", "Remove"),
        "cart": tr.pgettext("button", "My cart"),
        "empty": tr._("Your cart is empty."),
        "shipping": tr._("Shipping is added at checkout."),
        "checkout": tr.pgettext("button", "Check out in the chat"),
        "offline": tr._("The shop could not be reached. Please try again."),
        "tab_shop": tr.pgettext("tab", "Shop"),
        "tab_orchard": tr.pgettext("tab", "Orchard"),
        "all_kinds": tr.pgettext("filter", "All kinds"),
        "free": tr.pgettext("tree", "Free"),
        "taken": tr.pgettext("tree", "Adopted"),
        "adopt": tr.pgettext("button", "Adopt in the chat"),
        "close": tr.pgettext("button", "Close"),
        "sent": tr._("Done: the chat has a button for it. Please go on there."),
    }


def stock_text(tr: Translator, product: Product) -> str:
    """How many are left, or that it is sold out."""
    if product.stock < 1:
        return tr._("Sold out")
    return tr.ngettext("{count} left", "{count} left", product.stock).format(count=product.stock)


def name_and_unit(tr: Translator, product: Product) -> str:
    """`Name (unit)` in the user's language (plain text: the page sets it as text)."""
    name, unit = localized(product, "name", tr.language), localized(product, "unit", tr.language)
    return tr.detail(name, unit) if unit else name


def cart_json(tr: Translator, view: CartView, lak_per_cny: float) -> dict[str, Any]:
    """The cart as the page shows it."""
    count = sum(line.quantity for line in view.lines)
    return {
        "version": view.version,
        "count": count,
        "lines": {str(line.product.id): line.quantity for line in view.lines},
        "summary": tr.ngettext("{count} item", "{count} items", count).format(count=count),
        "subtotal": tr._("Subtotal: {amount}").format(
            amount=unbroken(tr.prices(view.subtotals, lak_per_cny) or tr.money(0))
        ),
    }


def shop_state(
    *, session: Session, tr: Translator, user_id: int, lak_per_cny: float
) -> dict[str, Any]:
    """Shelves by village and kind, and this user's cart."""
    shelves: list[dict[str, Any]] = []
    for product, village in shop_window(session=session):
        _icon, label = CATEGORIES.get(product.category, ("", product.category))
        heading = tr.then(localized(village, "name", tr.language), tr._(label))
        if not shelves or shelves[-1]["heading"] != heading:
            shelves.append({"heading": heading, "products": []})
        shelves[-1]["products"].append(
            {
                "id": product.id,
                "sku": product.sku,
                "name": name_and_unit(tr, product),
                "price": unbroken(tr.price(product.price_fen, lak_per_cny, village.currency)),
                "stock": product.stock,
                "stock_text": stock_text(tr, product),
                "photo": photo_url("product", product.sku, product.photo),
            }
        )
    view = view_cart(session=session, user_id=user_id)
    return {
        "lang": tr.language,
        "strings": strings(tr),
        "shelves": shelves,
        "cart": cart_json(tr, view, lak_per_cny),
    }


def notice_of(tr: Translator, change: CartChange) -> str | None:
    """What the page says after a tap that did not simply work (the chat's own words)."""
    notices = {
        CartChange.STALE: tr._("Your cart changed in the chat; here it is now."),
        CartChange.AT_MOST: tr._("That is all we have in stock."),
        CartChange.AT_LEAST: tr._("The least is 1. To take it out of the cart, tap Remove."),
        CartChange.GONE: tr._("Sorry, this has just sold out."),
        CartChange.FULL: tr._("Your cart is full. Please check out first."),
    }
    return notices.get(change)


def tap(
    *,
    session: Session,
    tr: Translator,
    user_id: int,
    product_id: int,
    action: str,
    version: int,
    lak_per_cny: float,
) -> dict[str, Any]:
    """Applies one tap ("+", "-" or "x") to the cart and returns the new state with a notice.

    "+" adds like the chat's "Add to cart" (no version needed: it never applies stale numbers);
    "-" and "x" change a line only if the cart is still at the version the page showed, by the
    chat's rules: "-" stops at one, "x" (the page's Remove) takes the line out.
    """
    if action == "+":
        change, _view = add_to_cart(session=session, user_id=user_id, product_id=product_id)
    else:
        change, _view = change_cart(
            session=session, user_id=user_id, product_id=product_id, action=action, version=version
        )
    state = shop_state(session=session, tr=tr, user_id=user_id, lak_per_cny=lak_per_cny)
    state["notice"] = notice_of(tr, change)
    return state
