"""The last delivery's details, shown where checkout and adoption ask for an address."""

from __future__ import annotations

from bot.context import BotContext
from handlers.kit.common import esc
from models.deliveries import Delivery


def last_delivery_text(context: BotContext, last: Delivery) -> str:
    """The last delivery's details, offered instead of typing them again."""
    lines = [context.tr._("Last time it went to:")]
    if last.recipient:
        lines.append("👤 " + esc(last.recipient))
    lines += ["🏠 " + esc(last.address), "📞 " + esc(last.phone)]
    lines.append(context.tr._("Tap “Use this address”, or send a new address."))
    return "\n".join(lines)
