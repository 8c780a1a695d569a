"""Choosing a carrier and checking a tracking number: shared by orders and harvest shipping."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.context import BotContext
from handlers.kit.common import button
from handlers.kit.routes import CARRIER, Route
from models.core.contact import clean_text

MAX_CARRIER = 40
CARRIERS = ("EMS", "China Post", "SF Express", "Lao Post")  # proper names, not translated
OTHER = "other"  # the button that asks for a carrier's name
# The route's field allows exactly one choice per listed carrier, and "other".
assert CARRIER.regex == "|".join([*map(str, range(len(CARRIERS))), OTHER])


def carrier_rows(context: BotContext, route: Route) -> list[list[InlineKeyboardButton]]:
    """One button per listed carrier and one to type another, each sending `route`."""
    rows = [[button(name, route.data(carrier=i))] for i, name in enumerate(CARRIERS)]
    label = "✏️ " + context.tr.pgettext("button", "Another carrier")
    rows.append([button(label, route.data(carrier=OTHER))])
    return rows


def listed_carrier(choice: str) -> str | None:
    """The carrier a button stands for, or None for "another carrier"."""
    return None if choice == OTHER else CARRIERS[int(choice)]


def typed_carrier_name(raw: str) -> str | None:
    """A carrier's name as typed, with spaces tidied; None unless 2–40 visible characters."""
    name = clean_text(" ".join(raw.split()), MAX_CARRIER)
    return name if name is not None and len(name) >= 2 else None


def carrier_error(context: BotContext) -> str:
    """Why a typed carrier name was refused."""
    return context.tr._("Please send a carrier name of 2 to {limit} characters.").format(
        limit=MAX_CARRIER
    )


def tracking_error(context: BotContext) -> str:
    """Why a tracking number was refused."""
    return context.tr._(
        "A tracking number has 6 to 40 letters, digits or dashes, e.g. EA123456789CN."
    )
