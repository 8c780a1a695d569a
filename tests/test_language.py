"""Language resolution (stored choice, Telegram's code, default) and /language."""

from __future__ import annotations

import pytest

from bot.i18n import language_from_code, translator
from models.core.user import User
from tests.factories import TgUser
from tests.harness import Harness, last_text

GREETING = {"zh": "您好", "lo": "ສະບາຍດີ", "en": "Hello"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh", "zh"),
        ("zh-hans", "zh"),
        ("zh-CN", "zh"),
        ("zh-TW", "zh"),
        ("zh-HK", "zh"),
        ("zh-hant", "zh"),
        ("lo", "lo"),
        ("lo-LA", "lo"),
        ("en", "en"),
        ("en-US", "en"),
        ("ru", "en"),
        ("pt-br", "en"),
        ("", "en"),
        (None, "en"),
        ("x-klingon", "en"),
    ],
)
def test_language_from_code(code: str | None, expected: str) -> None:
    assert language_from_code(code, "en") == expected


def test_unknown_code_uses_configured_default() -> None:
    assert language_from_code("ru", "lo") == "lo"


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("zh-hans", "zh"),
        ("zh-TW", "zh"),
        ("lo-LA", "lo"),
        ("en-US", "en"),
        ("ru", "en"),
        (None, "en"),
    ],
)
async def test_start_answers_in_resolved_language(
    bot: Harness, code: str | None, language: str
) -> None:
    user = TgUser(id=2000, first_name="Kim", language_code=code)
    text = last_text(await bot.command(user, "/start"))
    assert GREETING[language] in text
    with bot.db.session() as session:
        assert session.get_one(User, user.id).language == language


async def test_language_command_switches_at_once_and_sticks(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/language")
    assert [text for text, _ in bot.buttons(ann)][:3] == ["中文", "ລາວ", "English"]
    calls = await bot.press(ann, "LANG set lo")
    assert last_text(calls).startswith("ຕົກລົງ")
    # Telegram still says en-US, but the stored choice wins from now on.
    assert "ສະບາຍດີ" in last_text(await bot.command(ann, "/start"))
    with bot.db.session() as session:
        row = session.get_one(User, ann.id)
    assert (row.language, row.language_chosen) == ("lo", True)
    await bot.press(ann, "LANG set zh")
    assert "您好" in last_text(await bot.command(ann, "/start"))


def test_money_and_dates_are_formatted_per_locale() -> None:
    from datetime import UTC, datetime

    assert translator("zh").money(42000) == "¥420.00"
    assert translator("en").money(42000) == "CN¥420.00"
    assert translator("lo").price(42000, 3000) == "420 ຢວນ (≈ 1.260.000 ກີບ)"
    assert translator("lo").price(42050, 3000) == "420,50 ຢວນ (≈ 1.262.000 ກີບ)"
    assert translator("zh").kip(42000, 3000) == "1,260,000基普"
    moment = datetime(2026, 3, 1, 16, 30, 44, tzinfo=UTC)
    assert translator("zh").when(moment) == "2026年3月2日 00:30"  # Asia/Shanghai is UTC+8
    assert translator("lo").when(moment) == "1 ມີນາ 2026, 23:30"  # UTC+7, the month spelt out
    assert translator("en").when(moment) == "Mar 2, 2026, 12:30\u202fAM"  # no seconds
