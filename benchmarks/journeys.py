"""The journeys simulated users take, as async generators of updates.

A generator is advanced one update at a time, so it can read what the bot answered to the
previous update (the latest keyboard, a payment reference) before it builds the next one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from benchmarks.driver import Driver, SimUser

LANGUAGE_CODES = ("zh-hans", "lo", "en-US")
Updates = AsyncIterator[dict[str, Any]]


async def consent_if_asked(driver: Driver, user: SimUser, resume: str) -> Updates:
    """Agrees to every consent screen shown, then taps Continue (which sends `resume`)."""
    asked = False
    while True:
        try:
            data = driver.button(user, data_prefix="PRIV OK ")
        except LookupError:
            break
        asked = True
        yield driver.press(user, data)
    if asked:
        yield driver.press(user, resume)


async def browse_and_switch_language(driver: Driver, user: SimUser) -> Updates:
    """start → language → 中文 → help → main menu."""
    yield driver.message(user, "/start")
    yield driver.press(user, "LANG")
    yield driver.press(user, "LANG zh")
    yield driver.message(user, "/help")
    yield driver.press(user, "MENU")


async def buy_kiwifruit(driver: Driver, user: SimUser) -> Updates:
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
    async for update in consent_if_asked(driver, user, "CHK CN"):
        yield update
    yield driver.message(user, "湖南省湘西州花垣县双龙镇十八洞村 3 组 12 号")
    yield driver.message(user, "138 0013 8000")
    yield driver.press(user, "CHK skip")
    yield driver.press(user, driver.button(user, data_prefix="CHK ok "))
    yield driver.message(driver.operator, f"/confirm {driver.payment_reference(user)}")


async def adopt_a_tree(driver: Driver, user: SimUser) -> Updates:
    """start → adopt a tree → a kind → its list → the user's own free tree's card → adopt
    dialogue → confirm → pay offline → the operator confirms the payment."""
    tree_id = driver.next_free_tree()
    yield driver.message(user, "/start")
    yield driver.press(user, "TREE")
    group = driver.button(user, data_prefix="TREE s ")
    yield driver.press(user, group)
    yield driver.press(user, f"TREE c {tree_id} {group.removeprefix('TREE ')}")
    yield driver.press(user, f"ADOPT go {tree_id}")
    yield driver.message(user, "小桃")
    yield driver.press(user, "ADOPT skip")  # the Telegram name on the certificate
    yield driver.press(user, "ADOPT me")
    yield driver.press(user, "ADOPT CN")
    async for update in consent_if_asked(driver, user, "ADOPT CN"):
        yield update
    yield driver.message(user, "湖南省长沙市岳麓路 12 号")
    yield driver.message(user, "138 1234 5678")
    yield driver.press(user, "ADOPT ok")
    yield driver.message(driver.operator, f"/confirm {driver.payment_reference(user)}")


async def farmer_packs_orders(driver: Driver, user: SimUser) -> Updates:
    """The farmer (`driver.farmer`, bound in the setup): start → farmer's menu → orders to pack
    → packs the first listed order, again and again; looks again while nothing is paid yet, and
    stops once the list stays empty after packing (the buyers' orders are all packed)."""
    farmer = driver.farmer
    yield driver.message(farmer, "/start")
    yield driver.press(farmer, "FRM")
    yield driver.press(farmer, "FRM pk")
    packed = idle = 0
    while idle < (IDLE_LOOKS_AFTER_PACKING if packed else IDLE_LOOKS_BEFORE_PACKING):
        try:
            data = driver.button(farmer, data_prefix="FRM pack ")
        except LookupError:
            idle += 1
            yield driver.press(farmer, "FRM pk")
            continue
        idle = 0
        packed += 1
        yield driver.press(farmer, data)


IDLE_LOOKS_BEFORE_PACKING = 60  # the buyers pay at the end of their ~13-update journey
IDLE_LOOKS_AFTER_PACKING = 3  # a few late payers (consent screens make their journey longer)


JOURNEYS: list[Callable[[Driver, SimUser], Updates]] = [
    buy_kiwifruit,
    adopt_a_tree,
    browse_and_switch_language,
]


def users(count: int, first_id: int = 100_000) -> list[SimUser]:
    """`count` simulated users, their languages spread over zh, lo and en."""
    return [
        SimUser(first_id + n, f"User{n}", LANGUAGE_CODES[n % len(LANGUAGE_CODES)])
        for n in range(count)
    ]


def adopters_among(count: int) -> int:
    """How many of `count` users take the adoption journey (each needs a free tree)."""
    return sum(1 for n in range(count) if JOURNEYS[n % len(JOURNEYS)] is adopt_a_tree)


def journeys_for(driver: Driver, people: list[SimUser]) -> list[Updates]:
    """One journey per user, the kinds spread evenly over the users, and the farmer's."""
    journeys = [JOURNEYS[n % len(JOURNEYS)](driver, user) for n, user in enumerate(people)]
    return [*journeys, farmer_packs_orders(driver, driver.farmer)]
