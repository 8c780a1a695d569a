"""Generated text at every typed step of every dialogue (issue 14, item 9), with hypothesis.

Each step of tests/test_bad_input.py's table is reached once; then every generated text (any
Unicode category, RTL and zero-width marks, combining marks alone, full-width and Arabic-Indic
digits, HTML and Markdown fragments, up to 4096 characters) must get a reply in the user's
language, in valid Telegram HTML, without the error handler running, and change no row outside
the step's own tables. An accepted text is followed by the step's Back taps (or, where an answer
ends the dialogue, by the tap that opens the step again). FUZZ_EXAMPLES (one
place, also an environment variable) bounds the examples per step, so the suite stays fast.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import TgUser
from tests.harness import Harness, texts
from tests.shop_helpers import product
from tests.test_bad_input import (
    LANGUAGES,
    STEPS,
    THAI,
    TypedStep,
    assert_valid_html,
    snapshot,
    state,
    user_for,
)

LOCALES = Path(__file__).resolve().parent.parent / "locales"
PLACEHOLDER = re.compile(r"\{[^}]*\}|<[^>]*>|\n|%\(\w+\)s")
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))  # per step
LONGEST = 4096  # Telegram's limit for one message
FRAGMENTS = [
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width characters
    "\u0301",  # a combining mark alone
    "\u0ec8\u0ec9",  # Lao tone marks alone
    "１３８",  # full-width digits
    "١٣٨٠",  # Arabic-Indic digits
    "<b>",
    "</i>",
    "&amp;",
    "&",
    "<a href='tg://user?id=1'>x</a>",
    "*bold* _it_ `code` [l](http://x)",
    "~~s~~ ||sp|| \\",
    "'); DROP TABLE user;--",
    "99999999999999999999",
    "-12.5e3",
    "=1+1",
    "ສົມສັກ",
    "桃子",
    "\n",
    " ",
]
# Steps that end on an accepted answer: the tap that opens them again, and the column they set.
REENTER = {
    "back office stock": ("OPP stock {product}", "stock"),
    "back office price": ("OPP price {product}", "price_fen"),
}
# Every step that any text ends (a cancel reason cancels the order): the checks below do not apply.
SKIPPED = {"back office cancel reason"}

texts_strategy = st.one_of(
    st.text(
        st.characters(exclude_categories=("Cs",)),  # Telegram sends valid UTF-8
        min_size=1,
        max_size=60,
    ),
    st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.text(min_size=1, max_size=4)),
        min_size=1,
        max_size=12,
    ).map("".join),
    st.tuples(st.sampled_from([*FRAGMENTS, "x", "桃", "ກ"]), st.integers(1, LONGEST)).map(
        lambda pair: (pair[0] * pair[1])[:LONGEST]
    ),
)


class Errors(logging.Handler):
    """Collects what the bot's error handler logs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keeps the record."""
        self.records.append(record)


@functools.cache
def fragments(language: str) -> frozenset[str]:
    """Pieces of the language's translations, between placeholders, tags and line breaks."""
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    found = set()
    for message in catalog:
        if not message.id:  # the header
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            for piece in PLACEHOLDER.split(string or ""):
                piece = piece.strip(" .,:;!?()·—-⚠️")
                if len(piece) >= 4 and any(ch.isalpha() for ch in piece):
                    found.add(piece)
    return frozenset(found)


def assert_localized(reply: str, language: str) -> None:
    """The reply holds one of the bot's messages in the user's language (and no Thai)."""
    assert reply.strip(), "no reply"
    assert any(piece in reply for piece in fragments(language)), reply
    assert not THAI.search(reply), reply


async def reenter(bot: Harness, name: str, user: TgUser, reached: dict[str, Any]) -> None:
    """After an answer that ends the dialogue: open the step again, or stop fuzzing it."""
    if name not in REENTER:  # a shipped parcel has its tracking number for good
        reached["ended"] = True
        return
    tap, column = REENTER[name]
    changed = [cell for cell in snapshot(bot, STEPS[name]) if cell[:2] != ("product", column)]
    assert changed == [c for c in reached["rows"] if c[:2] != ("product", column)]
    await bot.press(user, tap.format(product=product(bot.db, "HONEY-500G").id))
    reached["rows"] = snapshot(bot, STEPS[name])
    assert state(bot, STEPS[name].journey) == reached["state"]


def progress(bot: Harness, step: TypedStep, user: TgUser) -> tuple[Any, ...]:
    """Where the dialogue is: its state, the user's scratch data and the step's stored answer."""
    scratch = repr(bot.app.user_data.get(user.id))
    return state(bot, step.journey), scratch, repr(step.read(bot, user))


STEP_LANGUAGES = [
    (name, list(LANGUAGES)[index % len(LANGUAGES)])
    for index, name in enumerate(STEPS)
    if name not in SKIPPED
]


@pytest.mark.parametrize(("name", "language"), STEP_LANGUAGES)
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,  # the same examples on every run and every machine
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(typed=texts_strategy)
async def test_generated_text_at_every_typed_step(
    bot: Harness, name: str, language: str, typed: str
) -> None:
    step: TypedStep = STEPS[name]
    user = user_for(step, language)
    reached: dict[str, Any] = bot.app.bot_data.setdefault("fuzz", {})
    if reached.get("ended"):
        return
    if not reached:  # the first example of this test: walk to the step once
        await step.reach(bot, user)
        reached["state"] = state(bot, step.journey)
        reached["rows"] = snapshot(bot, step)
        assert reached["state"] is not None, "the dialogue is open"
    before = progress(bot, step, user)
    errors = Errors()
    logging.getLogger("bot.errors").addHandler(errors)
    try:
        calls = await bot.text(user, typed)
    finally:
        logging.getLogger("bot.errors").removeHandler(errors)
    assert not errors.records, errors.records[0].getMessage()
    assert_valid_html(calls)
    assert all(len(text) <= LONGEST for text in texts(calls))
    assert_localized("\n".join(texts(calls)), language)
    if progress(bot, step, user) != before and not step.back:
        await reenter(bot, name, user, reached)
        return
    if progress(bot, step, user) != before:  # accepted: back to the step
        for data in step.back:
            await bot.press(user, data)
    assert state(bot, step.journey) == reached["state"]
    assert snapshot(bot, step) == reached["rows"]
