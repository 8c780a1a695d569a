"""Phone numbers per country, addresses, and the shipping table."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings
from models.core.contact import clean_address, clean_text, normalize_phone
from models.shop.shipping import Rate, parse_rates, shipping_fee


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("CN", "138 0013 8000", "+8613800138000"),
        ("CN", "+86 138-0013-8000", "+8613800138000"),
        ("CN", "8613800138000", "+8613800138000"),
        ("CN", "23800138000", None),
        ("CN", "1380013800", None),
        ("LA", "+856 20 5555 1234", "+8562055551234"),
        ("LA", "020 5555 1234", "+8562055551234"),
        ("LA", "030 555 1234", "+856305551234"),
        ("LA", "85620 55551234", "+8562055551234"),
        ("LA", "020 555 123", None),
        ("LA", "138 0013 8000", None),
        ("TH", "0812345678", "+66812345678"),  # any destination libphonenumber knows
        ("XX", "0812345678", None),
        ("CN", "13８12345678", "+8613812345678"),  # full-width digit
        ("CN", "+86 1٣٨ 1234 5678", "+8613812345678"),  # Arabic-Indic digits
        ("CN", "１３８００１３８０００", "+8613800138000"),
        ("CN", "120 1234 5678", None),  # no Chinese mobile starts with 120
        ("CN", "010 1234 5678", None),  # a Beijing landline: couriers text a mobile
        ("CN", "+856 20 5555 1234", None),  # a Lao number for a Chinese address
        ("CN", "138 0013 80OO", None),  # letters are not keypad digits here
        ("CN", "138-0013-8000 ext 5", None),
        ("CN", "1" * 300, None),
        ("CN", "", None),
    ],
)
def test_normalize_phone(country: str, raw: str, expected: str | None) -> None:
    assert normalize_phone(country, raw) == expected


def test_clean_address() -> None:
    assert clean_address("  Vientiane\n Ban Phonxay 12  ") == "Vientiane, Ban Phonxay 12"
    assert clean_address("abc") is None
    assert clean_address("x" * 301) is None
    assert clean_address("Ban\x00Phonxay 12") is None
    assert clean_address("ນະຄອນຫຼວງວຽງຈັນ") == "ນະຄອນຫຼວງວຽງຈັນ"
    assert clean_address("138 0013 8000") is None  # a phone number, not an address
    assert clean_address("12-34, 56 / 78") is None
    assert clean_address("北京市 1 号") == "北京市 1 号"
    assert clean_address("Ban\u200b Phonxay 12") == "Ban Phonxay 12"


def test_clean_text() -> None:
    assert clean_text("  Peachy ", 20) == "Peachy"
    assert clean_text("🍑\u200b桃\ufeff", 20) == "🍑桃"
    assert clean_text("👨\u200d👩\u200d👧", 20) == "👨\u200d👩\u200d👧"
    assert clean_text("\u200b\u200c \u2060", 20) is None
    assert clean_text("   ", 20) is None
    assert clean_text("two\nlines", 20) is None
    assert clean_text("two\nlines", 20, one_line=False) == "two\nlines"
    assert clean_text("bell\x07", 20) is None
    assert clean_text("x" * 21, 20) is None


def test_shipping_fee_by_country_and_weight() -> None:
    rates = (Rate("CN", 1000, 500), Rate("LA", 4000, 1500))
    assert shipping_fee(country="CN", weight_g=700, rates=rates) == 1000
    assert shipping_fee(country="CN", weight_g=1000, rates=rates) == 1000
    assert shipping_fee(country="CN", weight_g=1001, rates=rates) == 1500
    assert shipping_fee(country="LA", weight_g=5500, rates=rates) == 4000 + 5 * 1500
    assert shipping_fee(country="TH", weight_g=500, rates=rates) is None


def test_shipping_rates_setting() -> None:
    settings = Settings.from_env({"SHIPPING_RATES": "cn:800+400, LA:5000+2000"}, env_file=None)
    # written without days: each route keeps its usual delivery estimate
    assert settings.shipping_rates == (
        Rate("CN", 800, 400, days=(2, 4)),
        Rate("LA", 5000, 2000, days=(5, 10)),
    )
    assert parse_rates("CN:1000+500") == (Rate("CN", 1000, 500),)
    with pytest.raises(ConfigError, match="SHIPPING_RATES"):
        Settings.from_env({"SHIPPING_RATES": "China:ten"}, env_file=None)
