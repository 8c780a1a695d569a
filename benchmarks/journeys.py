"""The journeys simulated users take, as async generators of updates.

A generator is advanced one update at a time, so it can read what the bot answered to the
previous update (the latest keyboard, a payment reference) before it builds the next one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from benchmarks.driver import Driver, SimUser
from handlers.kit import routes

LANGUAGE_CODES = ("zh-hans", "lo", "en-US")
Updates = AsyncIterator[dict[str, Any]]


async def consent_if_asked(driver: Driver, user: SimUser, resume: str) -> Updates:
    """Agrees to the consent screen if shown: one tap, and the step it stood in front of runs."""
    try:
        data = driver.button(user, data_prefix=routes.CONSENT_AGREE.key + " ")
    except LookupError:
        return
    yield driver.press(user, data)


async def browse_and_switch_language(driver: Driver, user: SimUser) -> Updates:
    """start → language → 中文 → help → main menu."""
    yield driver.message(user, "/start")
    yield driver.press(user, routes.LANGUAGE.data())
    yield driver.press(user, routes.LANGUAGE_SET.data(code="zh"))
    yield driver.message(user, "/help")
    yield driver.press(user, routes.MENU.data())


async def buy_kiwifruit(driver: Driver, user: SimUser) -> Updates:
    """start → shop → fruit → a product → add → cart → checkout to China → pay offline →
    the operator confirms the payment."""
    yield driver.message(user, "/start")
    yield driver.press(user, routes.SHOP.data())
    yield driver.press(user, routes.SHELF.data(category="fruit"))
    yield driver.press(user, driver.button(user, data_prefix=routes.PRODUCT.key + " "))
    yield driver.press(user, driver.button(user, data_prefix=routes.ADD_TO_CART.key + " "))
    yield driver.press(user, routes.CART.data())
    yield driver.press(user, driver.button(user, data_prefix=routes.CHECKOUT.key + " "))
    to_china = routes.CHECKOUT_TO.data(country="CN")
    yield driver.press(user, to_china)
    async for update in consent_if_asked(driver, user, to_china):
        yield update
    yield driver.message(user, "湖南省湘西州花垣县双龙镇十八洞村 3 组 12 号")
    yield driver.message(user, "138 0013 8000")
    yield driver.press(user, routes.CHECKOUT_SKIP.data())
    yield driver.press(user, driver.button(user, data_prefix=routes.CHECKOUT_CONFIRM.key + " "))
    yield driver.message(driver.operator, f"/confirm {driver.payment_reference(user)}")


async def adopt_a_tree(driver: Driver, user: SimUser) -> Updates:
    """start → adopt a tree → a kind → its list → the user's own free tree's card → adopt
    dialogue (nickname, name, for me, China, consent, address, parcel name, phone) → confirm → pay
    offline → the operator confirms the payment."""
    tree_id = driver.next_free_tree()
    yield driver.message(user, "/start")
    yield driver.press(user, routes.TREES.data())
    group = driver.button(user, data_prefix=routes.TREE_LIST.key + " species ")
    yield driver.press(user, group)
    listed = routes.TREE_LIST.regex.match(group)
    assert listed is not None
    yield driver.press(user, routes.TREE_CARD.data(tree_id=tree_id, **listed.groupdict()))
    yield driver.press(user, routes.ADOPT_START.data(tree_id=tree_id))
    yield driver.message(user, "小桃")
    yield driver.press(user, routes.ADOPT_SKIP.data())  # the Telegram name on the certificate
    yield driver.press(user, routes.ADOPT_FOR.data(whom="me"))
    to_china = routes.ADOPT_TO.data(country="CN")
    yield driver.press(user, to_china)
    async for update in consent_if_asked(driver, user, to_china):
        yield update
    yield driver.message(user, "湖南省长沙市岳麓路 12 号")
    yield driver.press(user, routes.ADOPT_SKIP.data())  # the parcel goes to the certificate name
    yield driver.message(user, "138 1234 5678")
    yield driver.press(user, routes.ADOPT_CONFIRM.data())
    yield driver.message(driver.operator, f"/confirm {driver.payment_reference(user)}")


async def farmer_packs_orders(driver: Driver, user: SimUser) -> Updates:
    """The farmer (`driver.farmer`, bound in the setup): start → farmer's menu → orders to pack
    → packs the first listed order, again and again; looks again while nothing is paid yet, and
    stops once the list stays empty after packing (the buyers' orders are all packed)."""
    farmer = driver.farmer
    yield driver.message(farmer, "/start")
    yield driver.press(farmer, routes.FARMER.data())
    yield driver.press(farmer, routes.FARMER_TO_PACK.data())
    packed = idle = 0
    while idle < (IDLE_LOOKS_AFTER_PACKING if packed else IDLE_LOOKS_BEFORE_PACKING):
        try:
            data = driver.button(farmer, data_prefix=routes.FARMER_PACK.key + " ")
        except LookupError:
            idle += 1
            yield driver.press(farmer, routes.FARMER_TO_PACK.data())
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
