"""Delivery contact details: phone numbers validated per country, and postal addresses."""

from __future__ import annotations

import unicodedata

import phonenumbers
import regex
from phonenumbers import PhoneNumberFormat, PhoneNumberType

# Couriers call or text the recipient: only numbers that reach a mobile phone are taken.
_CALLABLE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_PUNCTUATION = frozenset("+-()./ ")


def _phone_characters(text: str) -> bool:
    """True if the text has only digits (any script), spaces and phone punctuation.

    Letters are refused rather than read as keypad digits (phonenumbers turns "ABC" into 222).
    """
    return all(
        unicodedata.category(ch) == "Nd" or ch in _PUNCTUATION or ch.isspace() for ch in text
    )


def normalize_phone(country: str, raw: str) -> str | None:
    """Returns the number in E.164 with ASCII digits (+86…, +856…) or None if it is not valid there.

    Digits of any script are accepted (full-width, Arabic-Indic …); the number must be a valid
    mobile number of `country` by libphonenumber's metadata, without an extension.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text or not _phone_characters(text):
        return None
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None
    if number.extension or not phonenumbers.is_valid_number_for_region(number, country):
        return None
    if phonenumbers.number_type(number) not in _CALLABLE:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


_GRAPHEME = regex.compile(r"\X")
ZWJ = "\u200d"  # joins emoji sequences (👨‍👩‍👧): kept; other invisible characters are dropped
MIN_ADDRESS_LETTERS = 2
LONGEST_ADDRESS = 300  # the address columns hold 300 characters


def graphemes(text: str) -> list[str]:
    """The user-perceived characters of a text: a Lao consonant with its vowel and tone marks,
    a flag or a family emoji is one each (Unicode's extended grapheme clusters)."""
    return _GRAPHEME.findall(text)


def _visible(raw: str) -> str:
    """The text without invisible format characters (zero-width spaces, BOM, bidi marks)."""
    text = unicodedata.normalize("NFC", raw)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf" or _kept_format(ch))


def _kept_format(ch: str) -> bool:
    """Format characters that belong to emoji: the joiner, and the tags of subdivision flags
    (🏴 + tags is Scotland's flag; without them it is a black flag)."""
    return ch == ZWJ or 0xE0020 <= ord(ch) <= 0xE007F


def clean_text(
    raw: str, longest: int, *, one_line: bool = True, room: int | None = None
) -> str | None:
    """Trimmed typed text of 1..longest user-perceived characters, or None.

    Zero-width characters are dropped; text with control characters, made only of spaces and
    invisible characters, or (with `one_line`) spanning lines is refused. Marks do not count as
    characters, but the text must also fit `room` code points (the column; default `longest`).
    """
    text = _visible(raw).strip()
    if one_line and "\n" in text:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Co", "Cs") and ch != "\n" for ch in text):
        return None
    if not any(not ch.isspace() and ch != ZWJ for ch in text):
        return None
    if len(text) > (room or longest):
        return None
    return text if len(graphemes(text)) <= longest else None


def letter_count(text: str) -> int:
    """How many user-perceived characters are letters (Latin, Chinese, Lao …; marks not counted)."""
    return sum(1 for cluster in graphemes(text) if unicodedata.category(cluster[0]).startswith("L"))


def clean_name(raw: str, longest: int, *, room: int | None = None) -> str | None:
    """A person's name: clean_text on one line with at least one letter (a phone number or
    digits alone are not a name), or None."""
    text = clean_text(raw, longest, room=room)
    return text if text is not None and letter_count(text) > 0 else None


def clean_address(raw: str) -> str | None:
    """Returns the trimmed address (lines joined by commas), or None.

    An address has 5–300 characters and at least two letters (Latin, Chinese or Lao, marks not
    counted): digits and punctuation alone (a phone number typed one step early) are not an
    address.
    """
    lines = [line.strip() for line in _visible(raw).strip().splitlines()]
    text = ", ".join(line for line in lines if line)
    if any(unicodedata.category(char) == "Cc" for char in text):
        return None
    clusters = graphemes(text)
    if letter_count(text) < MIN_ADDRESS_LETTERS or len(text) > LONGEST_ADDRESS:
        return None
    return text if len(clusters) >= 5 else None
