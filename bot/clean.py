"""One cleaner for text arriving from Telegram, applied before any handler sees an update.

`clean_update` runs first in the user-loading handler (handlers/kit/users.py, group -1), before
every dialogue (group 0): it removes control characters (NUL, which PostgreSQL refuses in text,
and the others) and lone surrogates from the sender's and chat's names, a message's text and
caption, a shared contact, a button's data and a payment's order details. Line breaks and tabs
stay. Everything later (validation, storage, replies) sees the cleaned text only.

Telegram objects are frozen once built; PTB's own `_unfrozen()` is the way to change one in place
(the Update handed to `Application.process_update` is the one every handler receives).
"""

from __future__ import annotations

import re
from typing import Any

from telegram import Message, TelegramObject, Update

# Control characters (C0, DEL, C1: Unicode's Cc) but the line break and tab, and halves of
# surrogate pairs (Cs). The stdlib `re`, not `regex`: this runs on every update on the event
# loop, and `regex` releases the GIL while it matches, so with database threads busy each call
# waited for the GIL to come back (0.4 ms per call on PostgreSQL, docs/performance.md).
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_TELEGRAM_ID = 2**52 - 1  # Telegram: user ids have at most 52 significant bits


def clean(text: str) -> str:
    """The text without control characters (but line breaks and tabs) and lone surrogates."""
    return _UNWANTED.sub("", text)


def bounded_int(text: str, low: int, high: int) -> int | None:
    """The decimal integer in low..high that `text` is (digits of any script), or None.

    Checked before any SQL: SQLite refuses integers beyond 64 bits with an exception.
    """
    digits = text.strip()
    body = digits.removeprefix("-")
    if not body.isdecimal() or len(body) > len(str(max(abs(low), abs(high)))):
        return None
    value = int(digits)
    return value if low <= value <= high else None


def _clean_fields(item: TelegramObject | None, *names: str) -> None:
    """Cleans these string attributes of a Telegram object in place."""
    if item is None:
        return
    changes: dict[str, Any] = {}
    for name in names:
        value = getattr(item, name, None)
        if isinstance(value, str) and _UNWANTED.search(value):
            changes[name] = clean(value)
    if changes:
        with item._unfrozen():
            for name, value in changes.items():
                setattr(item, name, value)


def _clean_order_info(item: Any) -> None:
    """Cleans the name, phone, e-mail and address a buyer gave Telegram's payment form."""
    info = getattr(item, "order_info", None)
    if info is not None:
        _clean_fields(info, "name", "phone_number", "email")
        _clean_fields(
            info.shipping_address, "state", "city", "street_line1", "street_line2", "post_code"
        )


def clean_update(update: Update) -> None:
    """Cleans, in place, every text, caption and name of an update that a handler may read."""
    _clean_fields(update.effective_user, "first_name", "last_name", "username")
    _clean_fields(update.effective_chat, "first_name", "last_name", "username", "title")
    message = update.effective_message
    if isinstance(message, Message):
        _clean_fields(message, "text", "caption")
        _clean_fields(message.contact, "first_name", "last_name", "phone_number", "vcard")
        _clean_order_info(message.successful_payment)
    _clean_fields(update.callback_query, "data")
    _clean_fields(update.pre_checkout_query, "invoice_payload")
    _clean_order_info(update.pre_checkout_query)
