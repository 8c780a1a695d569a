"""Every button kind in handlers.kit.routes: one of a kind, handled, within Telegram's 64 bytes,
matched by its own pattern only, and covered by the stale-button guard."""

from __future__ import annotations

import re
from itertools import product
from typing import Any

import pytest
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.app import fallback_handlers, journey_handlers
from handlers.account.privacy import MAX_RESUME_BYTES
from handlers.kit import routes
from handlers.kit.fallback import MAX_ID, impossible_number
from handlers.kit.routes import ROUTES, Field, Route
from handlers.shop.shelves import CATEGORIES
from models.core.broadcast import AUDIENCES
from models.reporting.export import EXPORTS

BIG = 10**10 - 1  # an id far beyond any catalog's
WORDS = {  # what the free-text fields hold in the bot's own buttons
    "category": list(CATEGORIES),
    "kind": list(EXPORTS),
    "audience": list(AUDIENCES),
    "reference": ["P7KQ3XM9A", "P" + "X" * 15],
}
RESUMES = [routes.CHECKOUT_TO.data(country="LA"), "X" * MAX_RESUME_BYTES]


def choices(field: Field) -> list[str]:
    """Values a field takes in buttons the bot builds: the smallest and the largest."""
    if field.number:
        return ["0", str(BIG)]
    if field.nested:
        return RESUMES
    if field.name in WORDS:
        return WORDS[field.name]
    return [re.sub(r"\\(.)", r"\1", choice) for choice in field.regex.split("|")]


def variants(route: Route) -> list[dict[str, str]]:
    """Every combination of field values, with and without the optional fields."""
    required = [
        dict(zip([f.name for f in route.fields], combo, strict=True))
        for combo in product(*(choices(f) for f in route.fields))
    ]
    if not route.optional:
        return required
    optional = [
        dict(zip([f.name for f in route.optional], combo, strict=True))
        for combo in product(*(choices(f) for f in route.optional))
    ]
    return required + [{**r, **o} for r in required[:2] for o in optional]


def every_handler(handlers: list[BaseHandler[Any, Any, Any]]) -> list[BaseHandler[Any, Any, Any]]:
    """The handlers, with every dialogue's entry points, states and fallbacks spread out."""
    found: list[BaseHandler[Any, Any, Any]] = []
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            inner = [*handler.entry_points, *handler.fallbacks]
            for state in handler.states.values():
                inner += state
            found += every_handler(inner)
        else:
            found.append(handler)
    return found


def test_prefix_and_verb_are_unique_and_readable() -> None:
    keys = [route.key for route in ROUTES]
    assert len(keys) == len(set(keys))
    for route in ROUTES:
        assert route.verb == "" or len(route.verb) >= 2, route.key
        assert " " not in route.prefix and route.prefix.isupper(), route.key


def test_every_route_has_a_handler_and_every_pattern_is_a_route() -> None:
    taps = [
        h
        for h in every_handler(journey_handlers() + fallback_handlers())
        if isinstance(h, CallbackQueryHandler)
    ]
    patterns = {id(h.pattern) for h in taps}
    assert [r.key for r in ROUTES if id(r.regex) not in patterns] == []
    regexes = {id(r.regex) for r in ROUTES}
    others = [h.pattern for h in taps if id(h.pattern) not in regexes]
    assert others == [impossible_number, None]  # the stale-button guard and the catch-all


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_data_fits_and_only_its_own_pattern_matches(route: Route) -> None:
    for values in variants(route):
        data = route.data(**values)
        assert len(data.encode()) <= 64, data
        assert [r.key for r in ROUTES if r.regex.match(data)] == [route.key], data
        match = route.regex.match(data)
        assert match is not None
        assert {k: v for k, v in match.groupdict().items() if v is not None} == values
        assert not impossible_number(data), data


def test_data_over_64_bytes_is_refused_when_built() -> None:
    with pytest.raises(AssertionError):
        routes.CONSENT_AGREE.data(consent="x", cross=1, resume="X" * 60)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_the_stale_button_guard_covers_every_number(route: Route) -> None:
    smallest = variants(route)[0] | {f.name: choices(f)[0] for f in route.optional}
    for field in route.every_field:
        if field.number:
            forged = route.data(**(smallest | {field.name: str(MAX_ID + 1)}))
            assert impossible_number(forged), forged
            assert not impossible_number(route.data(**(smallest | {field.name: str(MAX_ID)})))
        if field.nested:
            inside = routes.ADOPT_START.data(tree_id=MAX_ID + 1)
            assert impossible_number(route.data(**(smallest | {field.name: inside})))
