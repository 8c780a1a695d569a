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


async def buy_kiwifruit(driver: Driver, user: SimUser) -> AsyncIterator[dict[str, Any]]:
    """start → shop → fruit → a product → add → cart → checkout to China → pay offline →
    the operator confirms the payment."""
    yield driver.message(user, "/start")
    yield driver.press(user, "SHOP")
    yield driver.press(user, "SHOP c fruit")
    yield driver.press(user, driver.button(user, data_prefix="SHOP p "))
    yield driver.press(user, driver.button(user, data_prefix="SHOP a "))
    yield driver.press(user, "CART")
    yield driver.press(user, driver.button(user, data_prefix="CHK go "))
    yield driver.press(user, "CHK CN")
    yield driver.message(user, "湖南省湘西州花垣县双龙镇十八洞村 3 组 12 号")
    yield driver.message(user, "138 0013 8000")
    yield driver.press(user, "CHK skip")
    yield driver.press(user, driver.button(user, data_prefix="CHK ok "))
    yield driver.message(driver.operator, f"/confirm {driver.payment_reference(user)}")


def users(count: int, first_id: int = 100_000) -> list[SimUser]:
    """`count` simulated users, their languages spread over zh, lo and en."""
    return [
        SimUser(first_id + n, f"User{n}", LANGUAGE_CODES[n % len(LANGUAGE_CODES)])
        for n in range(count)
    ]


def journeys_for(driver: Driver, people: list[SimUser]) -> list[AsyncIterator[dict[str, Any]]]:
    """One journey per user, the kinds spread evenly over the users."""
    kinds = [buy_kiwifruit, browse_and_switch_language]
    return [kinds[n % len(kinds)](driver, user) for n, user in enumerate(people)]
