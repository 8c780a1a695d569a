"""Secrets never in a repr or a log line (issue 14, item 6)."""

from __future__ import annotations

import logging
from dataclasses import fields

import pytest

from bot.config import ConfigError, Settings, is_secret
from bot.redact import RedactingFilter, redact

TOKEN = "7012345678:AAE-xyz_ABCDEFGHIJKLMNOPQRSTUVWXYZab"
PROVIDER = "284685063:TEST:NjMxNzk4YmQ1ZjNi"
SECRET = "s3cret-Token_1"
PASSWORD = "db-Pa55word"
ENV = {
    "BOT_TOKEN": TOKEN,
    "WEBHOOK_SECRET": SECRET,
    "WEBHOOK_URL": "https://bot.example.org/telegram",
    "PAYMENT_PROVIDER_TOKEN": PROVIDER,
    "DATABASE_URL": f"postgresql://bot:{PASSWORD}@db.internal/orchard",
}


def test_settings_repr_shows_no_secret() -> None:
    settings = Settings.from_env(ENV, env_file=None)
    for shown in (repr(settings), str(settings), f"{settings}", f"{settings!r}"):
        for secret in (TOKEN, "AAE-xyz", PROVIDER, SECRET, PASSWORD):
            assert secret not in shown, secret
        assert "bot_token='[set]'" in shown and "webhook_secret='[set]'" in shown
        assert "db.internal" in shown and "webhook_url='https://bot.example.org" in shown
    assert "bot_token=None" in repr(Settings())


def test_every_secret_looking_setting_is_masked() -> None:
    # a future DATA_KEY (or any *_TOKEN, *_SECRET, *_KEY) is masked without a change here
    assert is_secret("DATA_KEY") and is_secret("BOT_TOKEN") and not is_secret("WEBHOOK_URL")
    names = [spec.metadata["env"] for spec in fields(Settings)]
    assert {"BOT_TOKEN", "WEBHOOK_SECRET", "PAYMENT_PROVIDER_TOKEN"} <= {
        name for name in names if is_secret(name)
    }


@pytest.mark.parametrize(
    ("name", "raw"),
    [("WEBHOOK_SECRET", "s3cret with spaces!"), ("DATABASE_URL", f"mysql://bot:{PASSWORD}@db")],
)
def test_a_refused_secret_is_not_printed(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name) as refused:
        Settings.from_env({name: raw}, env_file=None)
    assert "s3cret" not in str(refused.value) and PASSWORD not in str(refused.value)


@pytest.mark.parametrize(
    "line",
    [
        f"token {TOKEN} in text",
        f'POST https://api.telegram.org/bot{TOKEN}/getMe "HTTP/1.1 200 OK"',
        f"Bot(token='{TOKEN}')",
        f"sendInvoice provider_token={PROVIDER}",
        f"provider {PROVIDER}.",
        f'setWebhook {{"url": "https://x", "secret_token": "{SECRET}"}}',
        f"Settings(bot_token='{TOKEN}', webhook_secret='{SECRET}')",
    ],
)
def test_redactor_masks_bot_tokens_and_secrets(line: str) -> None:
    masked = redact(line)
    for secret in (TOKEN, "AAE-xyz", PROVIDER, "NjMxNzk4", SECRET):
        assert secret not in masked, masked
    assert "[redacted]" in masked


def test_redactor_keeps_ordinary_lines() -> None:
    kept = "update 12345 from user 7012345678: payment P7KQ3XM9A at 10:00:00, url https://x/y"
    assert redact(kept) == kept


def test_a_logged_token_is_masked_by_the_filter() -> None:
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "GET %s", (TOKEN,), None)
    assert RedactingFilter().filter(record)
    assert TOKEN not in record.getMessage()
