"""Ready-made tree news a farmer taps: stored as codes, written out in each reader's language.

The sentences live in the catalogs (handlers/adoption/news_text.py), so a Lao adopter of a
Chinese farmer's tree reads the news in Lao; the farmer's own words travel as written, marked
as theirs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NewsItem:
    """One kind of news: its code, whether it speaks of fruit, whether it counts days."""

    code: str
    fruit: bool = False  # not offered for trees whose harvest is leaves (tea)
    days: bool = False  # "harvest in N days": the farmer picks N


NEWS_ITEMS: tuple[NewsItem, ...] = (
    NewsItem("blossom"),
    NewsItem("fruit_set", fruit=True),
    NewsItem("new_leaves"),
    NewsItem("thinned", fruit=True),
    NewsItem("pruned"),
    NewsItem("harvest_soon", days=True),
    NewsItem("harvest_started"),
    NewsItem("shipped_today"),
    NewsItem("weather_damage"),
)
BY_CODE = {item.code: item for item in NEWS_ITEMS}
HARVEST_DAYS = (3, 7, 14, 30)
NO_FRUIT = frozenset({"tea"})  # species slugs whose harvest is leaves, not fruit


def items_for(species: set[str]) -> list[NewsItem]:
    """The items that fit every one of these species (fruit news only where all bear fruit)."""
    fruitless = bool(species & NO_FRUIT)
    return [item for item in NEWS_ITEMS if not (item.fruit and fruitless)]


def valid_item(code: str | None, days: int | None) -> bool:
    """Whether an item code and its day count (only for "harvest in N days") go together."""
    if code is None:
        return days is None
    item = BY_CODE.get(code)
    if item is None:
        return False
    return days in HARVEST_DAYS if item.days else days is None
