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
from babel.dates import format_date, format_datetime, format_skeleton
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from bot.config import LANGUAGES
from models.core.money import CNY, LAK, convert, major

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

BABEL_LOCALES = {"zh": "zh_Hans_CN", "lo": "lo_LA", "en": "en"}
TIME_ZONES = {"zh": "Asia/Shanghai", "lo": "Asia/Vientiane", "en": "Asia/Shanghai"}
# Lao abbreviated months (ທ.ວ.) read as codes: Lao dates spell the month out.
DATE_LENGTH = {"zh": "medium", "lo": "long", "en": "medium"}
# Day and month, for chart labels: 12月1日, Dec 1; Lao 1/12 (short month names read as codes).
SHORT_DAY = {"zh": "MMMd", "lo": "Md", "en": "MMMd"}
# Month and year, for earnings per month: 2026年12月, Dec 2026; Lao spells it (ທັນວາ 2026).
MONTH = {"zh": "yMMM", "lo": "yMMMM", "en": "yMMM"}
LANGUAGE_NAMES = {"zh": "中文", "lo": "ລາວ", "en": "English"}


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


# A deadline with the zone it is shown in (TIME_ZONES).
ZONED_TIMES = {
    "Asia/Shanghai": N_("{time} (Beijing time)"),
    "Asia/Vientiane": N_("{time} (Vientiane time)"),
}


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

    def detail(self, text: str, detail: str) -> str:
        """`text (detail)` in this language's brackets: 黄桃（5公斤箱）, Yellow peach (5 kg box)."""
        return self.pgettext("punctuation", "{text} ({detail})").format(text=text, detail=detail)

    def then(self, first: str, second: str) -> str:
        """Two parts of one line, as `first — second` is written in this language."""
        return self.pgettext("punctuation", "{first} — {second}").format(first=first, second=second)

    def quoted(self, text: str) -> str:
        """A name in this language's quotation marks (a tree's nickname)."""
        return self.pgettext("punctuation", "“{text}”").format(text=text)

    def money(self, amount: int, currency: str = CNY) -> str:
        """Formats an amount held in minor units of `currency` (fen, whole kip) as people here
        read it: 128 ຢວນ and 150.000 ກີບ in Lao, ¥128.00 and 150,000基普 in Chinese,
        CN¥128.00 and LAK 150,000 in English."""
        if currency == LAK:
            if self.language == "en":
                return format_currency(amount, LAK, "¤¤ #,##0", locale=self.locale)
            return _("{amount} kip", self).format(amount=format_decimal(amount, locale=self.locale))
        if self.language == "lo" and currency == CNY:  # ¥/CN¥ signs read as foreign in Laos
            return _("{amount} yuan", self).format(amount=self._lao_amount(amount))
        return format_currency(major(amount, currency), currency, locale=self.locale)

    def kip(self, fen: int, lak_per_cny: float) -> str:
        """Formats the approximate kip value of an amount in fen (rounded to thousands)."""
        return self.money(convert(fen, CNY, LAK, lak_per_cny), LAK)

    def price(self, amount: int, lak_per_cny: float, currency: str = CNY) -> str:
        """Formats a price in its own currency, with an estimate in the reader's where it is
        the other one: yuan with ≈ kip for Lao readers, kip with ≈ yuan for the others."""
        own = self.money(amount, currency)
        other = LAK if self.language == "lo" else CNY
        if other == currency:
            return own
        return f"{own} (≈ {self.money(convert(amount, currency, other, lak_per_cny), other)})"

    def prices(self, totals: dict[str, int], lak_per_cny: float) -> str:
        """Amounts in several currencies side by side, never added: ¥163.00 + 315,000基普."""
        return " + ".join(self.price(amount, lak_per_cny, cur) for cur, amount in totals.items())

    def _lao_amount(self, fen: int) -> str:
        """Yuan in Lao digit grouping, with fen only when there are any (128 / 128,50)."""
        pattern = "#,##0" if fen % 100 == 0 else "#,##0.00"
        return format_decimal(major(fen, CNY), pattern, locale=self.locale)

    def number(self, value: float | Decimal | int) -> str:
        """Formats a plain number (weights, counts) for this language."""
        return format_decimal(value, locale=self.locale)

    def when(self, moment: datetime) -> str:
        """Formats a UTC moment in this language's time zone, to the minute."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        locale = Locale.parse(self.locale)
        date_pattern = locale.date_formats[DATE_LENGTH[self.language]].pattern
        time_pattern = locale.time_formats["short"].pattern
        pattern = str(locale.datetime_formats["medium"]).format(time_pattern, date_pattern)
        return format_datetime(moment, pattern, tzinfo=self.zone, locale=self.locale)

    def deadline(self, moment: datetime) -> str:
        """A moment someone must act by, with the time zone it is read in (the reader may live
        on the other side of the border, an hour apart)."""
        return self._(ZONED_TIMES[str(self.zone)]).format(time=self.when(moment))

    def day(self, day: date | datetime) -> str:
        """Formats a calendar date for this language."""
        if isinstance(day, datetime):
            if day.tzinfo is None:
                day = day.replace(tzinfo=UTC)
            day = day.astimezone(self.zone).date()
        return format_date(day, DATE_LENGTH[self.language], locale=self.locale)

    def listing(self, items: list[str]) -> str:
        """Items joined as this language joins them: A和B, A ແລະ B, A and B (CLDR's lists)."""
        return format_list(items, locale=self.locale)

    def month(self, day: date) -> str:
        """The month and year `day` falls in."""
        return format_skeleton(MONTH[self.language], day, locale=self.locale)

    def short_day(self, day: date) -> str:
        """Day and month without the year, as a chart labels its days."""
        return format_skeleton(SHORT_DAY[self.language], day, locale=self.locale)


def _(message: str, tr: Translator) -> str:
    """Translates a message of this module's own (marked for extraction by its name)."""
    return tr._(message)


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
