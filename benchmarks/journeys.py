"""The journeys simulated users take, as async generators of updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from benchmarks.driver import Driver, SimUser

LANGUAGE_CODES = ("zh-hans", "lo", "en-US")


async def browse_and_switch_language(
    driver: Driver, user: SimUser
) -> AsyncIterator[dict[str, Any]]:
    """start → language → 中文 → help → main menu."""
    yield driver.message(user, "/start")
    yield driver.press(user, "LANG")
    yield driver.press(user, "LANG zh")
    yield driver.message(user, "/help")
    yield driver.press(user, "MENU")


def users(count: int, first_id: int = 100_000) -> list[SimUser]:
    """`count` simulated users, their languages spread over zh, lo and en."""
    return [
        SimUser(first_id + n, f"User{n}", LANGUAGE_CODES[n % len(LANGUAGE_CODES)])
        for n in range(count)
    ]


def journeys_for(driver: Driver, people: list[SimUser]) -> list[AsyncIterator[dict[str, Any]]]:
    """One journey per user, the kinds spread evenly over the users."""
    kinds = [browse_and_switch_language]
    return [kinds[n % len(kinds)](driver, user) for n, user in enumerate(people)]
