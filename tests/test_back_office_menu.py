"""The back office fits one phone screen: the daily work first, the rest one tap further under
"🧰 More tools", every tool still reachable, with a way back."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.test_button_words import emoji_and_word

TOOLS = {
    "OPS payments",
    "HLP inbox",
    "OPO find",
    "OPO list ready 0",
    "OPO list sent 0",
    "OPH list ready 0",
    "OPP list",
    "OPM list",
    "BC",
    "OPS farmers",
    "OPS stats",
    "OPS export orders",
    "OPS export adoptions",
}
RARE = {"OPM list", "BC", "OPS farmers", "OPS stats", "OPS export orders", "OPS export adoptions"}
MORE = {"zh-CN": "🧰 更多工具", "lo": "🧰 ເຄື່ອງມືອື່ນ", "en": "🧰 More tools"}


def rows(bot: Harness, user: TgUser) -> list[list[dict[str, Any]]]:
    """The rows of the user's latest keyboard."""
    markup: list[list[dict[str, Any]]] = bot._last_keyboard[user.id]["reply_markup"][
        "inline_keyboard"
    ]
    return markup


@pytest.mark.parametrize("language", ["zh-CN", "lo", "en"])
async def test_the_back_office_fits_a_phone_and_reaches_every_tool(
    bot: Harness, language: str
) -> None:
    operator = TgUser(id=ADMIN_ID, first_name="Operator", language_code=language)
    await bot.command(operator, "/start")
    await bot.command(operator, "/ops")
    first = rows(bot, operator)
    assert len(first) <= 8 and all(len(row) <= 2 for row in first)
    assert emoji_and_word([label for label, _ in bot.buttons(operator)]) == []
    assert first[-1][0]["text"] == MORE[language] and first[-1][1]["callback_data"] == "MENU"
    seen = {b["callback_data"] for row in first for b in row}
    calls = await bot.tap(operator, MORE[language])
    assert "/makeoperator" in last_text(calls)
    second = rows(bot, operator)
    assert len(second) <= 8 and emoji_and_word([b["text"] for row in second for b in row]) == []
    assert second[-1][0]["callback_data"] == "OPS"  # ⬅️ Back to the first screen
    seen |= {b["callback_data"] for row in second for b in row}
    assert seen >= TOOLS and "OPS more" in seen
    await bot.press(operator, "OPS")
    assert rows(bot, operator) == first


async def test_back_from_a_rare_tool_returns_to_more_tools(bot: Harness, admin: TgUser) -> None:
    await bot.command(admin, "/start")
    await bot.press(admin, "OPS more")
    for tool in ("OPS farmers", "OPM list"):
        await bot.press(admin, tool)
        back = [b for row in rows(bot, admin) for b in row if b["text"] == "⬅️ 返回"]
        assert [b["callback_data"] for b in back] == ["OPS more"]
        assert "/makeoperator" in last_text(await bot.press(admin, "OPS more"))


async def test_more_tools_is_for_operators_only(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    calls = await bot.press(ann, "OPS more")
    assert "/makeoperator" not in " ".join(str(c.params) for c in calls)
    assert calls[0].method == "answerCallbackQuery"


async def test_every_tool_answers_from_its_button(bot: Harness, admin: TgUser) -> None:
    await bot.command(admin, "/start")
    for tool in sorted(TOOLS):
        await bot.press(admin, "OPS more" if tool in RARE else "OPS")
        assert tool in {data for _, data in bot.buttons(admin)}, tool
        calls = await bot.press(admin, tool)
        shown = [c for c in calls if c.method != "answerCallbackQuery"]
        assert shown and not any("出了点问题" in str(c.params) for c in shown), tool
        await bot.command(admin, "/cancel")  # leaves a dialogue the tool opened (broadcast)
