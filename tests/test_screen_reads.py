"""A catalog screen reads the database in one trip: on PostgreSQL each trip is a hand-over to a
database thread and back, which at a festival's peak costs more than the reads themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.db import Database
from tests.factories import TgUser
from tests.harness import Harness, texts


def count_trips(monkeypatch: pytest.MonkeyPatch, db: Database) -> list[str]:
    """Notes the name of every function the event loop hands to the database from now on."""
    trips: list[str] = []
    for name in ("run", "read", "run_one"):
        original = getattr(db, name)

        def counted(fn: Callable[..., Any], /, _original: Any = original, **kwargs: Any) -> Any:
            trips.append(getattr(fn, "__name__", repr(fn)))
            return _original(fn, **kwargs)

        monkeypatch.setattr(db, name, counted)
    return trips


async def screen_trips(
    bot: Harness, user: TgUser, data: str, monkeypatch: pytest.MonkeyPatch
) -> int:
    """How many more trips a tap on `data` takes than the main menu (which reads nothing)."""
    trips = count_trips(monkeypatch, bot.db)
    await bot.press(user, "MENU")
    menu = len(trips)
    trips.clear()
    await bot.press(user, data)
    return len(trips) - menu


@pytest.mark.parametrize(
    "data", ["TREE", "TREE list species 1 0", "TREE list village 1 1", "SHOP shelf fruit"]
)
async def test_a_catalog_screen_reads_in_one_trip(
    bot: Harness, noy: TgUser, monkeypatch: pytest.MonkeyPatch, data: str
) -> None:
    await bot.command(noy, "/start")
    assert await screen_trips(bot, noy, data, monkeypatch) == 1


def handler_trips(trips: list[str]) -> list[str]:
    """The trips of an update's handlers, without its start and its end."""
    return [trip for trip in trips if trip not in ("start_update", "save_changes")]


async def test_an_answer_in_the_adoption_dialogue_is_stored_in_one_trip(
    bot: Harness, li: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.adoption_helpers import tree_id

    await bot.command(li, "/start tree_PEACH-0002")
    await bot.press(li, f"ADOPT go {tree_id(bot.db, 'PEACH-0002')}")
    trips = count_trips(monkeypatch, bot.db)
    calls = await bot.text(li, "小桃")  # the nickname; the next question is the certificate's name
    assert "证书" in calls[-1].params["text"]
    assert handler_trips(trips) == ["update_draft"]


async def test_adopting_a_tree_from_its_card_checks_it_and_starts_in_one_trip(
    bot: Harness, noy: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.adoption_helpers import tree_id

    await bot.command(noy, "/start tree_PEACH-0002")
    trips = count_trips(monkeypatch, bot.db)
    calls = await bot.press(noy, f"ADOPT go {tree_id(bot.db, 'PEACH-0002')}")
    assert "ຊື່ຫຼິ້ນ" in texts(calls)[-1]  # the first question: the tree's nickname
    assert handler_trips(trips) == ["start_free_draft"]


async def test_after_a_language_change_the_next_tap_does_not_write_the_user_again(
    bot: Harness, ann: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.command(ann, "/start")
    await bot.press(ann, "LANG set lo")
    trips = count_trips(monkeypatch, bot.db)
    calls = await bot.press(ann, "HELP")
    assert "ວິທີໃຊ້" in calls[-1].params["text"]  # the help, in the language just chosen
    assert "touch_user" not in trips
