"""Shipping fees: a configurable table by the parcel's origin (the selling village's country),
its destination and its weight: CN→CN, CN→LA, LA→LA, LA→CN.

A Lao village's product to a Lao address is a domestic Lao parcel, not the China→Laos rate.
"""

from __future__ import annotations

from dataclasses import dataclass

GRAMS_PER_KG = 1000
DEFAULT_ORIGIN = "CN"  # `CN:…` in the setting, without an origin, means a parcel from China


@dataclass(frozen=True)
class Rate:
    """One route's tariff: the first kilogram, then each further kilogram begun (fen)."""

    country: str  # where the parcel goes
    first_kg_fen: int
    extra_kg_fen: int
    origin: str = DEFAULT_ORIGIN  # where it leaves from
    days: tuple[int, int] | None = None  # how long it usually takes, fewest to most days


def shipping_fee(
    *, country: str, weight_g: int, rates: tuple[Rate, ...], origin: str = DEFAULT_ORIGIN
) -> int | None:
    """The fee in fen for a parcel of `weight_g` grams from `origin` to `country`, or None if
    that route is not in the table."""
    rate = next((r for r in rates if r.country == country and r.origin == origin), None)
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
    """Parses `CN>CN:1000+500,LA>LA:800+300` (origin>destination: fen for the first kg + fen
    per further kg); a route without an origin (`LA:4000+1500`) leaves from China. An optional
    `@2-4` after a route's prices says it takes 2 to 4 days (`@3`: 3 days)."""
    rates = []
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        route, _, tariff = part.partition(":")
        origin, _, country = route.rpartition(">")
        origin = origin or DEFAULT_ORIGIN
        prices, at, raw_days = tariff.partition("@")
        first, _, extra = prices.partition("+")
        days = _parse_days(raw_days) if at else None
        if len(country) != 2 or len(origin) != 2 or not first.isdigit() or not extra.isdigit():
            raise ValueError("must look like CN>CN:1000+500,CN>LA:4000+1500 (fen)")
        if at and days is None:
            raise ValueError("a route's days must look like @2-4 or @3 (days, fewest first)")
        rates.append(Rate(country.upper(), int(first), int(extra), origin.upper(), days))
    if not rates:
        raise ValueError("must name at least one route")
    return tuple(rates)
