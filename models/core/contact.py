"""Delivery contact details: phone numbers validated per country, and postal addresses."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-().]")
_CN_MOBILE = re.compile(r"1\d{10}")
_LA_NUMBER = re.compile(r"20\d{8}|30\d{7}")


def _strip_prefix(digits: str, code: str) -> str:
    """Removes an international prefix (+CC, 00CC or CC) or a trunk 0."""
    for prefix in ("+" + code, "00" + code):
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


def normalize_phone(country: str, raw: str) -> str | None:
    """Returns the number in international form (+86…, +856…) or None if it is not valid there.

    CN: a mobile number, 11 digits starting with 1, optionally after +86 / 86.
    LA: +856 20 xxxxxxxx (8 digits after 20) or 030 xxxxxxx (7 digits after 30).
    """
    digits = _SEPARATORS.sub("", raw.strip())
    if country == "CN":
        local = _strip_prefix(digits, "86")
        if len(local) == 13 and local.startswith("86"):
            local = local[2:]
        return "+86" + local if _CN_MOBILE.fullmatch(local) else None
    if country == "LA":
        local = _strip_prefix(digits, "856")
        if local.startswith("856") and len(local) > 10:
            local = local[3:]
        local = local.removeprefix("0")
        return "+856" + local if _LA_NUMBER.fullmatch(local) else None
    return None


ZWJ = "\u200d"  # joins emoji sequences (👨‍👩‍👧): kept; other invisible characters are dropped
MIN_ADDRESS_LETTERS = 2


def _visible(raw: str) -> str:
    """The text without invisible format characters (zero-width spaces, BOM, bidi marks)."""
    text = unicodedata.normalize("NFC", raw)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf" or ch == ZWJ)


def clean_text(raw: str, longest: int, *, one_line: bool = True) -> str | None:
    """Trimmed typed text of 1..longest characters, or None.

    Zero-width characters are dropped; text with control characters, made only of spaces and
    invisible characters, or (with `one_line`) spanning lines is refused.
    """
    text = _visible(raw).strip()
    if one_line and "\n" in text:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Co", "Cs") and ch != "\n" for ch in text):
        return None
    if not any(not ch.isspace() and ch != ZWJ for ch in text):
        return None
    return text if len(text) <= longest else None


def clean_address(raw: str) -> str | None:
    """Returns the trimmed address (lines joined by commas), or None.

    An address has 5–300 characters and at least two letters (Latin, Chinese or Lao): digits and
    punctuation alone (a phone number typed one step early) are not an address.
    """
    lines = [line.strip() for line in _visible(raw).strip().splitlines()]
    text = ", ".join(line for line in lines if line)
    if any(unicodedata.category(char) == "Cc" for char in text):
        return None
    letters = sum(1 for char in text if unicodedata.category(char).startswith("L"))
    if letters < MIN_ADDRESS_LETTERS:
        return None
    return text if 5 <= len(text) <= 300 else None
