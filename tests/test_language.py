"""Language resolution (stored choice, Telegram's code, default) and /language."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.i18n import language_from_code, translator
from models.core.money import check_currency, convert, currency_of, minor
from models.core.user import User
from models.shop.backoffice import parse_kip, parse_price
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


@pytest.mark.parametrize(
    ("language", "yuan", "kip", "yuan_price", "kip_price"),
    [
        ("lo", "128 ຢວນ", "150.000 ກີບ", "128 ຢວນ (≈ 384.000 ກີບ)", "150.000 ກີບ"),
        ("zh", "¥128.00", "150,000基普", "¥128.00", "150,000基普 (≈ ¥50.00)"),
        ("en", "CN¥128.00", "LAK 150,000", "CN¥128.00", "LAK 150,000 (≈ CN¥50.00)"),
    ],
)
def test_money_in_each_language_and_currency(
    language: str, yuan: str, kip: str, yuan_price: str, kip_price: str
) -> None:
    """Amounts are minor units of their currency: fen for yuan, whole kip; the estimate is in
    the reader's other currency, at the rate, and yuan and kip are never added."""
    tr = translator(language)
    assert (tr.money(12800, "CNY"), tr.money(150000, "LAK")) == (yuan, kip)
    assert tr.price(12800, 3000, "CNY") == yuan_price
    assert tr.price(150000, 3000, "LAK") == kip_price
    assert tr.prices({"CNY": 12800, "LAK": 150000}, 3000) == f"{yuan_price} + {kip_price}"


def test_currency_rules() -> None:
    assert (currency_of("CN"), currency_of("LA")) == ("CNY", "LAK")
    assert check_currency("LA", None) == "LAK" and check_currency("LA", "cny") == "CNY"
    with pytest.raises(ValueError, match="prices in CNY, not LAK"):
        check_currency("CN", "LAK")
    assert convert(12800, "CNY", "LAK", 3000) == 384000  # kip estimates in round thousands
    assert convert(42050, "CNY", "LAK", 3000) == 1262000
    assert convert(150000, "LAK", "CNY", 3000) == 5000  # yuan to the fen
    assert convert(100000, "LAK", "CNY", 3000) == 3333
    assert (minor(Decimal("98.50"), "CNY"), minor(Decimal(150000), "LAK")) == (9850, 150000)
    assert [parse_kip(raw) for raw in ("150000", "150.000", "150,000 ກີບ", "₭95000")] == [
        150000,
        150000,
        150000,
        95000,
    ]
    assert [parse_kip(raw) for raw in ("98.50", "0", "1.5", "abc")] == [None, None, None, None]
    assert (parse_price("98.50", "CNY"), parse_price("98.50", "LAK")) == (9850, None)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh", "00:00（北京时间）"),  # 16:00 UTC is midnight in Beijing...
        ("lo", "23:00 (ເວລາວຽງຈັນ)"),  # ...and 23:00 in Vientiane, an hour apart
        ("en", "12:00\u202fAM (Beijing time)"),
    ],
)
def test_a_deadline_says_which_time_zone_it_is_in(language: str, expected: str) -> None:
    from datetime import UTC, datetime

    from bot.i18n import translator

    shown = translator(language).deadline(datetime(2026, 12, 2, 16, 0, tzinfo=UTC))
    assert shown.endswith(expected), shown
