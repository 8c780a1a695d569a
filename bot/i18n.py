"""Languages: resolving a user's language, gettext catalogs, and locale-aware formatting."""

from __future__ import annotations

import gettext
import logging
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from bot.config import LANGUAGES

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

BABEL_LOCALES = {"zh": "zh_Hans_CN", "lo": "lo_LA", "en": "en"}
TIME_ZONES = {"zh": "Asia/Shanghai", "lo": "Asia/Vientiane", "en": "Asia/Shanghai"}
LANGUAGE_NAMES = {"zh": "中文", "lo": "ລາວ", "en": "English"}


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


def language_from_code(code: str | None, default: str) -> str:
    """Maps Telegram's optional language_code (`zh-hans`, `lo-LA`, `en-US` ...) to zh, lo or en."""
    if not code:
        return default
    try:
        language = Locale.parse(code.replace("-", "_")).language
    except (ValueError, UnknownLocaleError):
        return default
    return language if language in LANGUAGES else default


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Compiles every messages.po whose .mo is missing or older; returns what it wrote."""
    written = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


class Translator:
    """One language's gettext functions and Babel formatting, handed to handlers as `tr`."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self.locale = BABEL_LOCALES[language]
        self.zone = ZoneInfo(TIME_ZONES[language])
        self._t = translations

    def _(self, message: str) -> str:
        """Translates a message."""
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translates a message that depends on a count."""
        return self._t.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """Translates a message whose English wording is ambiguous without its context."""
        return self._t.pgettext(context, message)

    def money(self, fen: int, currency: str = "CNY") -> str:
        """Formats an amount held in minor units (fen) for this language."""
        return format_currency(Decimal(fen) / 100, currency, locale=self.locale)

    def kip(self, fen: int, lak_per_cny: float) -> str:
        """Formats the approximate kip value of an amount in fen (kip has no minor unit)."""
        kip = round(Decimal(fen) / 100 * Decimal(str(lak_per_cny)), -3)
        return format_currency(kip, "LAK", locale=self.locale, currency_digits=True)

    def price(self, fen: int, lak_per_cny: float) -> str:
        """Formats a price in yuan, with the approximate kip amount for Lao readers."""
        yuan = self.money(fen)
        if self.language != "lo":
            return yuan
        return f"{yuan} (≈ {self.kip(fen, lak_per_cny)})"

    def number(self, value: float | Decimal | int) -> str:
        """Formats a plain number (weights, counts) for this language."""
        return format_decimal(value, locale=self.locale)

    def when(self, moment: datetime) -> str:
        """Formats a UTC moment in this language's time zone."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return format_datetime(moment, "medium", tzinfo=self.zone, locale=self.locale)

    def day(self, day: date | datetime) -> str:
        """Formats a calendar date for this language."""
        if isinstance(day, datetime):
            if day.tzinfo is None:
                day = day.replace(tzinfo=UTC)
            day = day.astimezone(self.zone).date()
        return format_date(day, "medium", locale=self.locale)


@cache
def translator(language: str) -> Translator:
    """Returns the (cached) translator for zh, lo or en."""
    translations = gettext.translation(
        DOMAIN, localedir=str(LOCALES_DIR), languages=[language], fallback=True
    )
    if (
        isinstance(translations, gettext.NullTranslations)
        and type(translations) is (gettext.NullTranslations)
        and language != "en"
    ):
        log.warning("no compiled catalog for %s; run `make locales`", language)
    return Translator(language, translations)


def all_translators() -> list[Translator]:
    """One translator per supported language, in menu order."""
    return [translator(language) for language in LANGUAGES]
