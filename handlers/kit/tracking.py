"""What a buyer sees of a parcel on its way: a button to the carrier's tracking page, and how
long delivery usually takes."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.i18n import Translator
from models.shop.carriers import tracking_url


def track_row(
    tr: Translator, carrier: str | None, number: str | None
) -> list[InlineKeyboardButton]:
    """A "🔎 Track parcel" button opening the carrier's page, or no button if it has none."""
    url = tracking_url(carrier, number)
    if url is None:
        return []
    return [InlineKeyboardButton("🔎 " + tr.pgettext("button", "Track parcel"), url=url)]


def delivery_estimate(tr: Translator, days: tuple[int, int] | None) -> str:
    """ "🚚 Delivery in about 2–4 days.", or nothing when the route has no estimate."""
    if days is None:
        return ""
    low, high = days
    if low == high:
        return "🚚 " + tr.ngettext(
            "Delivery in about {days} day.", "Delivery in about {days} days.", high
        ).format(days=tr.number(high))
    return "🚚 " + tr.ngettext(
        "Delivery in about {low}–{high} day.", "Delivery in about {low}–{high} days.", high
    ).format(low=tr.number(low), high=tr.number(high))
