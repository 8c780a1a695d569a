"""Currencies: which one each country prices in, their minor units, and conversion estimates.

Every stored amount (the `*_fen` columns, kept under their old names) is an integer in the minor
unit of the currency stored beside it: fen for CNY, whole kip for LAK (kip has no minor unit in
use). A conversion is only ever an estimate shown as such, at LAK_PER_CNY.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

CNY = "CNY"
LAK = "LAK"
CURRENCY_OF_COUNTRY = {"CN": CNY, "LA": LAK}
MINOR_DIGITS = {CNY: 2, LAK: 0}  # fen; kip is counted whole
KIP_ROUNDING = Decimal(1000)  # kip estimates read as round thousands (no coins in use)


def currency_of(country: str) -> str:
    """The currency a village in `country` prices in."""
    try:
        return CURRENCY_OF_COUNTRY[country.upper()]
    except KeyError:
        raise ValueError(f"no currency for country {country!r}") from None


def village_currencies(country: str) -> tuple[str, ...]:
    """What a village in `country` may price in: its own currency first; a Lao village may
    also keep yuan (villages loaded before kip prices existed priced in fen)."""
    own = currency_of(country)
    return (own,) if own == CNY else (own, CNY)


def check_currency(country: str, currency: str | None) -> str:
    """A village's currency: `currency` if a village in `country` may price in it, the
    country's own when none is given; a ValueError otherwise."""
    allowed = village_currencies(country)
    if not currency:
        return allowed[0]
    if currency.upper() not in allowed:
        raise ValueError(f"a village in {country} prices in {' or '.join(allowed)}, not {currency}")
    return currency.upper()


def major(amount: int, currency: str) -> Decimal:
    """An amount in minor units as a decimal of the main unit (12850 fen -> 128.50)."""
    return Decimal(amount).scaleb(-MINOR_DIGITS[currency])


def minor(amount: Decimal, currency: str) -> int:
    """An amount of the main unit in minor units (128.50 yuan -> 12850 fen)."""
    return int(amount.scaleb(MINOR_DIGITS[currency]).to_integral_value(ROUND_HALF_UP))


def convert(amount: int, currency: str, to: str, lak_per_cny: float) -> int:
    """An estimate of `amount` (minor units of `currency`) in `to`: kip rounded to thousands,
    yuan to the fen."""
    if currency == to:
        return amount
    rate = Decimal(str(lak_per_cny))
    value = major(amount, currency) * rate if to == LAK else major(amount, currency) / rate
    if to == LAK:
        return int((value / KIP_ROUNDING).quantize(Decimal(1), ROUND_HALF_UP) * KIP_ROUNDING)
    return int(value.scaleb(MINOR_DIGITS[to]).quantize(Decimal(1), ROUND_HALF_UP))


def sum_by_currency(amounts: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Totals per currency, in the order each currency first appears (never yuan plus kip)."""
    totals: dict[str, int] = {}
    for currency, amount in amounts:
        totals[currency] = totals.get(currency, 0) + amount
    return totals
