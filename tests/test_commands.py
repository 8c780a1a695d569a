"""The command menu per chat and the bot's description per language (issue 15).

Telegram's apps have no Lao interface, so a Lao user's client rarely reports `lo`: choosing a
language sets that chat's own menu, and farmers and operators get theirs in their chats.
"""

from __future__ import annotations

import json
from typing import Any

from bot.commands import register_commands
from bot.offline import ApiCall
from tests.backoffice_helpers import bind_farmer
from tests.factories import TgUser
from tests.harness import Harness
from tests.shop_helpers import buyer


def menu(call: ApiCall) -> dict[str, str]:
    """command → description of one setMyCommands call."""
    return {c["command"]: c["description"] for c in call.params["commands"]}


def scoped(calls: list[ApiCall], chat_id: int) -> list[ApiCall]:
    """The setMyCommands calls for one chat's own menu."""
    return [
        c
        for c in calls
        if c.method == "setMyCommands"
        and _scope(c).get("type") == "chat"
        and int(_scope(c)["chat_id"]) == chat_id
    ]


def _scope(call: ApiCall) -> dict[str, Any]:
    """A call's scope as Telegram reads it."""
    scope = call.params.get("scope") or {}
    if isinstance(scope, str):
        scope = json.loads(scope)
    return scope  # type: ignore[no-any-return]


async def test_choosing_lao_gives_the_chat_a_lao_menu(bot: Harness) -> None:
    # an English-speaking Telegram app: the per-language menus would show English
    somchai = TgUser(id=1010, first_name="Somchai", language_code="en")
    await bot.command(somchai, "/language")
    calls = await bot.tap(somchai, "ລາວ")
    [call] = scoped(calls, somchai.id)
    lao = menu(call)
    assert lao["start"] == "ເມນູຫຼັກ"
    assert lao["mytrees"] == "ຕົ້ນໄມ້ທີ່ຂ້ອຍຮັບລ້ຽງ"
    assert "ops" not in lao and "farmer" not in lao  # a buyer gets no staff commands
    assert "language_code" not in call.params


async def test_a_new_operator_gets_the_back_office_commands_in_their_language(
    bot: Harness, admin: TgUser
) -> None:
    buyer(bot.db, 1011, "lo")
    calls = await bot.command(admin, "/makeoperator 1011")
    [call] = scoped(calls, 1011)
    lao = menu(call)
    assert lao["ops"] == "ສ່ວນຈັດການ" and "farmer" in lao and "start" in lao


async def test_a_farmer_gets_the_farmer_menu_when_the_invite_binds_them(
    bot: Harness, admin: TgUser, li: TgUser
) -> None:
    await bot.command(admin, "/ops")
    await bot.tap(admin, "更多工具")  # the rarer tools are one screen further
    await bot.tap(admin, "农户")
    link = [c for c in await bot.press(admin, "OPS invite 1") if c.method == "sendMessage"]
    token = (link or bot.api.sent("editMessageText"))[-1].params["text"].split("start=")[1]
    calls = await bot.command(li, f"/start {token}")
    [call] = scoped(calls, li.id)
    chinese = menu(call)
    assert chinese["farmer"] == "农户菜单：待打包订单、我的树、收入"
    assert "ops" not in chinese


async def test_start_registers_menus_descriptions_and_staff_chats(bot: Harness) -> None:
    bind_farmer(bot.db, 1012, "PSV-KHAM", language="lo")
    bot.api.clear()
    await register_commands(bot.app)
    general = [c for c in bot.api.sent("setMyCommands") if not _scope(c)]
    assert [c.params.get("language_code") for c in general] == [None, "zh", "lo", "en"]
    descriptions = {
        c.params.get("language_code"): c.params["description"]
        for c in bot.api.sent("setMyDescription")
    }
    assert set(descriptions) == {None, "zh", "lo", "en"}
    assert "认养一棵树" in descriptions["zh"] and "ຮັບລ້ຽງຕົ້ນໄມ້" in descriptions["lo"]
    assert descriptions[None] == descriptions["en"]  # the default language: Lao falls back to it
    shorts = {
        c.params.get("language_code"): c.params["short_description"]
        for c in bot.api.sent("setMyShortDescription")
    }
    assert all(len(text) <= 120 for text in shorts.values()) and "ໄປສະນີບ້ານ" in shorts["lo"]
    assert all(len(text) <= 512 for text in descriptions.values())
    [farmer] = scoped(bot.api.calls, 1012)
    assert menu(farmer)["farmer"].startswith("ເມນູຊາວສວນ")
