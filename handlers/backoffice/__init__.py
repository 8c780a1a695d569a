"""The post office's back office: payments, orders, harvests, products, broadcasts, stats."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

from bot.notify import Renderer
from handlers.backoffice import (
    broadcast,
    harvests,
    home,
    methods,
    new_product,
    orders,
    payments,
    photos,
    products,
    stats,
)


def deep_links() -> list[BaseHandler[Any, Any, Any]]:
    """Farmers' invite links, `/start farmer_<token>`."""
    return home.deep_links()


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Every back-office screen and dialogue, in the order they are tried."""
    return [
        *broadcast.handlers(),
        *home.handlers(),
        *payments.handlers(),
        *methods.handlers(),
        *orders.handlers(),
        *products.handlers(),
        *new_product.handlers(),
        *stats.handlers(),
        *harvests.handlers(),
        *photos.handlers(),
    ]


def renderers() -> dict[str, Renderer]:
    """Announcements and harvest shipments sent through the outbox."""
    return {
        "broadcast": broadcast.render_broadcast,
        "harvest_shipped": harvests.render_harvest_shipped,
        "payment_proof": payments.render_proof,
    }
