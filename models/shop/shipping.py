"""Shipping fees: a configurable table by destination country and parcel weight."""

from __future__ import annotations

from dataclasses import dataclass

GRAMS_PER_KG = 1000


@dataclass(frozen=True)
class Rate:
    """One country's tariff: the first kilogram, then each further kilogram begun (fen)."""

    country: str
    first_kg_fen: int
    extra_kg_fen: int


def shipping_fee(*, country: str, weight_g: int, rates: tuple[Rate, ...]) -> int | None:
    """The fee in fen for a parcel of `weight_g` grams, or None if we do not ship there."""
    rate = next((r for r in rates if r.country == country), None)
    if rate is None:
        return None
    if weight_g <= 0:
        return 0
    extra_kg = -(-max(weight_g - GRAMS_PER_KG, 0) // GRAMS_PER_KG)  # ceiling division
    return rate.first_kg_fen + extra_kg * rate.extra_kg_fen


def parse_rates(raw: str) -> tuple[Rate, ...]:
    """Parses `CN:1000+500,LA:4000+1500` (fen for the first kg + fen per further kg)."""
    rates = []
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        country, _, prices = part.partition(":")
        first, _, extra = prices.partition("+")
        if len(country) != 2 or not first.isdigit() or not extra.isdigit():
            raise ValueError("must look like CN:1000+500,LA:4000+1500 (fen)")
        rates.append(Rate(country.upper(), int(first), int(extra)))
    if not rates:
        raise ValueError("must name at least one country")
    return tuple(rates)
