"""Buttons carry a word as well as an emoji, and the main menu fits one phone screen."""

from __future__ import annotations

import unicodedata

from tests.factories import TgUser
from tests.harness import Harness


def has_a_word(label: str) -> bool:
    """Whether a button's label has letters (of any script), not only emoji and arrows."""
    return any(unicodedata.category(ch).startswith("L") for ch in label)


async def test_paged_lists_say_previous_and_next(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start")
    await bot.press(noy, "TREE list species 1 1")
    labels = [label for label, _ in bot.buttons(noy)]
    assert "◀️ ໜ້າກ່ອນ" in labels and "ໜ້າຕໍ່ໄປ ▶️" in labels
    assert all(has_a_word(label) for label in labels)


async def test_the_main_menu_fits_one_screen_with_words(
    bot: Harness, admin: TgUser, li: TgUser
) -> None:
    for user in (admin, li):
        await bot.command(user, "/start")
        rows = bot._last_keyboard[user.id]["reply_markup"]["inline_keyboard"]
        assert len(rows) <= 5 and all(len(row) <= 2 for row in rows)
        assert all(has_a_word(label) and not label[0].isalnum() for label, _ in bot.buttons(user))
