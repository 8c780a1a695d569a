"""The produce shop: shelves, the cart, checkout and the buyer's orders."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

from bot.notify import Renderer
from handlers.shop import cart, checkout, orders, shelves


def deep_links() -> list[BaseHandler[Any, Any, Any]]:
    """The shared product links, `/start product_<SKU>`."""
    return shelves.deep_links()


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Shelves, cart, checkout and the buyer's orders, in this order."""
    return [*shelves.handlers(), *cart.handlers(), *checkout.handlers(), *orders.handlers()]


def renderers() -> dict[str, Renderer]:
    """The buyer's order notifications."""
    return {"order_status": orders.render_order_status}
