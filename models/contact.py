"""Delivery contact details: phone numbers and addresses, validated per country (pure functions)."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-().]")
_CN_MOBILE = re.compile(r"1\d{10}")
_LA_MOBILE = re.compile(r"20\d{8}")
_LA_LANDLINE = re.compile(r"30\d{7}")


def _digits(raw: str) -> str | None:
    """The number without spaces, dashes and brackets; None if anything else is left."""
    compact = _SEPARATORS.sub("", raw.strip())
    if compact.startswith("+"):
        compact = compact[1:]
        if not compact.isdigit():
            return None
        return "+" + compact
    return compact if compact.isdigit() else None


def _cn(number: str) -> str | None:
    """A Chinese mobile number: 11 digits starting with 1, optionally +86 / 86 in front."""
    for prefix in ("+86", "0086", "86"):
        if number.startswith(prefix) and len(number) == len(prefix) + 11:
            number = number[len(prefix) :]
            break
    return "+86" + number if _CN_MOBILE.fullmatch(number) else None


def _la(number: str) -> str | None:
    """A Lao number: +856 20 xxxxxxxx (mobile) or 030 xxxxxxx, with or without the +856."""
    for prefix in ("+856", "00856", "856"):
        if number.startswith(prefix):
            number = number[len(prefix) :]
            break
    else:
        if not number.startswith("0"):
            return None
    number = number.removeprefix("0")
    if _LA_MOBILE.fullmatch(number) or _LA_LANDLINE.fullmatch(number):
        return "+856" + number
    return None


def normalize_phone(country: str, raw: str) -> str | None:
    """The phone number in international form (+86…, +856…), or None if it is not valid there."""
    number = _digits(raw)
    if not number:
        return None
    if country == "CN":
        return _cn(number)
    if country == "LA":
        return _la(number)
    return None


def clean_address(raw: str) -> str | None:
    """The trimmed address (5–300 characters, no control characters), or None."""
    text = " ".join(raw.split())
    if not 5 <= len(text) <= 300:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in text):
        return None
    return text
