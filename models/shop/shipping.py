"""Shipping fees: a configurable table by the parcel's origin (the selling village's country),
its destination and its weight: CN→CN, CN→LA, LA→LA, LA→CN.

A Lao village's product to a Lao address is a domestic Lao parcel, not the China→Laos rate.
A route's fees are in the currency written after them (`LA>LA:25000+10000LAK`: kip), else in
fen as before; `priced_for_villages` adds each route's fees in the other currency a village at
its origin may price in, so an order's shipping is always in the order's own currency.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from models.core.money import CNY, convert, village_currencies

GRAMS_PER_KG = 1000
DEFAULT_ORIGIN = "CN"  # `CN:…` in the setting, without an origin, means a parcel from China


@dataclass(frozen=True)
class Rate:
    """One route's tariff: the first kilogram, then each further kilogram begun (in minor
    units of `currency`)."""

    country: str  # where the parcel goes
    first_kg_fen: int
    extra_kg_fen: int
    origin: str = DEFAULT_ORIGIN  # where it leaves from
    currency: str = CNY
    days: tuple[int, int] | None = None  # how long it usually takes, fewest to most days


def shipping_fee(
    *,
    country: str,
    weight_g: int,
    rates: tuple[Rate, ...],
    origin: str = DEFAULT_ORIGIN,
    currency: str | None = None,
) -> int | None:
    """The fee (minor units of `currency`, else of the route's first rate) for a parcel of
    `weight_g` grams from `origin` to `country`, or None if that route is not in the table."""
    rate = next(
        (
            r
            for r in rates
            if r.country == country and r.origin == origin and currency in (None, r.currency)
        ),
        None,
    )
    if rate is None:
        return None
    if weight_g <= 0:
        return 0
    extra_kg = -(-max(weight_g - GRAMS_PER_KG, 0) // GRAMS_PER_KG)  # ceiling division
    return rate.first_kg_fen + extra_kg * rate.extra_kg_fen


def delivery_days(
    *, country: str, rates: tuple[Rate, ...], origin: str = DEFAULT_ORIGIN
) -> tuple[int, int] | None:
    """How many days a parcel from `origin` to `country` usually takes, or None if unknown."""
    rate = next((r for r in rates if r.country == country and r.origin == origin), None)
    return rate.days if rate is not None else None


def _parse_days(raw: str) -> tuple[int, int] | None:
    """`2-4` → (2, 4), `3` → (3, 3); None if it is not that."""
    low, _, high = raw.partition("-")
    high = high or low
    if not low.isdigit() or not high.isdigit() or not 0 < int(low) <= int(high):
        return None
    return int(low), int(high)


def parse_rates(raw: str) -> tuple[Rate, ...]:
    """Parses `CN>CN:1000+500@2-4,LA>LA:25000+10000LAK` (origin>destination: the first kg +
    each further kg, in the currency named after them, else fen); a route without an origin
    (`LA:4000+1500`) leaves from China. An optional `@2-4` after a route's prices says it takes
    2 to 4 days (`@3`: 3 days)."""
    rates = []
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        route, _, tariff = part.partition(":")
        origin, _, country = route.rpartition(">")
        origin = origin or DEFAULT_ORIGIN
        prices, at, raw_days = tariff.partition("@")
        days = _parse_days(raw_days) if at else None
        currency = prices.lstrip("0123456789+").upper() or CNY
        first, _, extra = prices.removesuffix(prices.lstrip("0123456789+")).partition("+")
        if len(country) != 2 or len(origin) != 2 or not first.isdigit() or not extra.isdigit():
            raise ValueError("must look like CN>CN:1000+500,LA>LA:25000+10000LAK (fen or LAK)")
        if currency != CNY and currency not in village_currencies(origin):
            raise ValueError(f"a parcel from {origin.upper()} cannot be priced in {currency}")
        if at and days is None:
            raise ValueError("a route's days must look like @2-4 or @3 (days, fewest first)")
        rates.append(Rate(country.upper(), int(first), int(extra), origin.upper(), currency, days))
    if not rates:
        raise ValueError("must name at least one route")
    return tuple(rates)


def priced_for_villages(rates: tuple[Rate, ...], lak_per_cny: float) -> tuple[Rate, ...]:
    """The table plus, for each route, its fees converted (at `lak_per_cny`) into any other
    currency a village at its origin may price in, unless the table names that one itself."""
    have = {(r.origin, r.country, r.currency) for r in rates}
    extra = [
        replace(
            rate,
            first_kg_fen=convert(rate.first_kg_fen, rate.currency, currency, lak_per_cny),
            extra_kg_fen=convert(rate.extra_kg_fen, rate.currency, currency, lak_per_cny),
            currency=currency,
        )
        for rate in rates
        for currency in village_currencies(rate.origin)
        if (rate.origin, rate.country, currency) not in have
    ]
    return rates + tuple(extra)
