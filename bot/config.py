"""Settings read from environment variables and an optional `.env` file."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from models.catalog.places import Country
from models.shop.shipping import Rate, parse_rates, priced_for_villages

LANGUAGES = ("zh", "lo", "en")
DEFAULT_DATABASE_URL = "sqlite:///data/orchard.db"
# a parcel from Laos is priced in kip (LAK after the fees), one from China in fen; @days: how
# long the route usually takes
DEFAULT_SHIPPING_RATES = (
    "CN>CN:1000+500@2-4,CN>LA:4000+1500@5-10,LA>LA:25000+10000LAK@2-5,LA>CN:120000+45000LAK@5-10"
)
# How long each route usually takes: a SHIPPING_RATES written without `@days` keeps its estimates.
DEFAULT_DELIVERY_DAYS = {
    (rate.origin, rate.country): rate.days for rate in parse_rates(DEFAULT_SHIPPING_RATES)
}


class ConfigError(Exception):
    """A setting has a value the bot cannot use; the message names the variable."""


def _int_list(raw: str) -> tuple[int, ...]:
    """Parses a comma-separated list of Telegram user ids."""
    return tuple(int(part) for part in raw.replace(" ", "").split(",") if part)


def _language(raw: str) -> str:
    """Accepts one of the bot's three languages."""
    if raw not in LANGUAGES:
        raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
    return raw


def _country(raw: str) -> str:
    """Accepts a country the post office serves (CN or LA)."""
    value = raw.upper()
    if value not in tuple(Country):
        raise ValueError(f"must be one of {', '.join(Country)}")
    return value


def _database_url(raw: str) -> str:
    """Accepts a SQLAlchemy URL for SQLite or PostgreSQL."""
    if raw.startswith("postgres://"):  # the form Heroku-style hosts hand out
        raw = "postgresql://" + raw[len("postgres://") :]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    if not raw.startswith(("sqlite://", "postgresql+psycopg://")):
        raise ValueError("must start with sqlite:/// or postgresql://")
    return raw


def _shipping_rates(raw: str) -> tuple[Rate, ...]:
    """Parses SHIPPING_RATES; a route without its days gets the usual ones for that route."""
    return tuple(
        rate
        if rate.days is not None
        else replace(rate, days=DEFAULT_DELIVERY_DAYS.get((rate.origin, rate.country)))
        for rate in parse_rates(raw)
    )


def _positive_int(raw: str) -> int:
    """Accepts a whole number above zero."""
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a whole number above zero")
    return value


def _positive_float(raw: str) -> float:
    """Accepts a number above zero."""
    value = float(raw)
    if value <= 0:
        raise ValueError("must be a number above zero")
    return value


def _url(raw: str) -> str:
    """Accepts an http(s) URL."""
    if not raw.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return raw


def _bool(raw: str) -> bool:
    """Accepts true/false, yes/no, on/off or 1/0."""
    value = raw.lower()
    if value not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
        raise ValueError("must be true or false")
    return value in ("true", "yes", "on", "1")


def _https_url(raw: str) -> str:
    """Accepts an https URL (Telegram posts webhooks only over TLS)."""
    if not raw.startswith("https://"):
        raise ValueError("must start with https://")
    return raw


def _webhook_secret(raw: str) -> str:
    """Accepts 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule for secret_token)."""
    if len(raw) > 256 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in raw):
        raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return raw


def _port(raw: str) -> int:
    """Accepts a TCP port number."""
    value = int(raw)
    if not 0 < value < 65536:
        raise ValueError("must be a port number from 1 to 65535")
    return value


def _setting(env: str, parse: Callable[[str], Any] = str, default: Any = None) -> Any:
    """Declares a field filled from the environment variable `env`."""
    return field(default=default, metadata={"env": env, "parse": parse})


SECRET_WORDS = ("TOKEN", "SECRET", "KEY", "PASSWORD")  # in a variable's name: never shown


def is_secret(env: str) -> bool:
    """Tells whether the variable holds a secret (BOT_TOKEN, WEBHOOK_SECRET, a future DATA_KEY)."""
    return any(word in env for word in SECRET_WORDS)


def shown(env: str, value: Any) -> str:
    """A setting's value as logs and reprs may show it: secrets masked, URL passwords hidden."""
    if value is None:
        return "None"
    if is_secret(env):
        return "'[set]'"
    if env == "DATABASE_URL":
        try:
            return repr(make_url(value).render_as_string(hide_password=True))
        except ArgumentError:  # not a URL at all: it may still hold a password
            return "(hidden)"
    return repr(value)


@dataclass(frozen=True, repr=False)
class Settings:
    """Everything the bot can be configured with; see the table in README.md."""

    bot_token: str | None = _setting("BOT_TOKEN")
    database_url: str = _setting("DATABASE_URL", _database_url, DEFAULT_DATABASE_URL)
    admin_ids: tuple[int, ...] = _setting("ADMIN_IDS", _int_list, ())
    default_language: str = _setting("DEFAULT_LANGUAGE", _language, "en")
    telegram_base_url: str | None = _setting("TELEGRAM_BASE_URL", _url)
    telegram_base_file_url: str | None = _setting("TELEGRAM_BASE_FILE_URL", _url)
    payment_provider_token: str | None = _setting("PAYMENT_PROVIDER_TOKEN")
    lak_per_cny: float = _setting("LAK_PER_CNY", _positive_float, 3000.0)
    reservation_minutes: int = _setting("RESERVATION_MINUTES", _positive_int, 15)
    order_expiry_minutes: int = _setting("ORDER_EXPIRY_MINUTES", _positive_int, 60)
    shipping_rates: tuple[Rate, ...] = _setting(
        "SHIPPING_RATES", _shipping_rates, parse_rates(DEFAULT_SHIPPING_RATES)
    )
    bot_username: str = _setting("BOT_USERNAME", str, "orchard_village_bot")
    log_level: str = _setting("LOG_LEVEL", str.upper, "INFO")
    auto_migrate: bool = _setting("AUTO_MIGRATE", _bool, True)
    webhook_url: str | None = _setting("WEBHOOK_URL", _https_url)
    webhook_secret: str | None = _setting("WEBHOOK_SECRET", _webhook_secret)
    port: int = _setting("PORT", _port, 8080)
    listen: str = _setting("LISTEN", str, "127.0.0.1")
    operator_name: str = _setting("OPERATOR_NAME", str, "")
    operator_contact: str = _setting("OPERATOR_CONTACT", str, "")
    # where the post office keeps and processes personal data: consent is asked before it leaves
    data_country: str = _setting("DATA_COUNTRY", _country, "CN")
    # the human contact /help gives: the counter's phone, address and opening hours
    post_office_phone: str = _setting("POST_OFFICE_PHONE", str, "")
    post_office_address: str = _setting("POST_OFFICE_ADDRESS", str, "")
    post_office_hours: str = _setting("POST_OFFICE_HOURS", str, "")
    retention_days: int = _setting("RETENTION_DAYS", _positive_int, 180)
    # updates handled at once (across chats; one chat's updates always run one after another)
    max_concurrent_updates: int = _setting("MAX_CONCURRENT_UPDATES", _positive_int, 256)
    # PostgreSQL: threads (each with its connection) that run the bot's database calls
    database_threads: int = _setting("DATABASE_THREADS", _positive_int, 4)
    # how long a process's claim on an update holds before another process may take it over
    update_lease_seconds: int = _setting("UPDATE_LEASE_SECONDS", _positive_int, 60)
    # the key that encrypts phone numbers, addresses, gift messages and certificate names
    data_key: str | None = _setting("DATA_KEY")
    data_key_file: str | None = _setting("DATA_KEY_FILE")
    # the Mini App (bot/webapp/): on only with the public https address Telegram opens it at
    webapp_url: str | None = _setting("WEBAPP_URL", _https_url)
    webapp_port: int = _setting("WEBAPP_PORT", _port, 8081)  # polling and console mode only
    webapp_max_age: int = _setting("WEBAPP_MAX_AGE", _positive_int, 86400)  # initData, seconds

    def __post_init__(self) -> None:
        """Completes the shipping table with each route in every currency its villages use."""
        rates = priced_for_villages(self.shipping_rates, self.lak_per_cny)
        object.__setattr__(self, "shipping_rates", rates)  # frozen: set once, here

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
    ) -> Settings:
        """Builds settings from `environ` (default: os.environ) over the `.env` file."""
        values: dict[str, str | None] = {}
        if env_file and Path(env_file).is_file():
            values.update(dotenv_values(env_file))
        values.update(os.environ if environ is None else environ)
        kwargs: dict[str, Any] = {}
        for spec in fields(cls):
            name, parse = spec.metadata["env"], spec.metadata["parse"]
            raw = (values.get(name) or "").strip()
            if not raw:
                continue
            try:
                kwargs[spec.name] = parse(raw)
            except ValueError as exc:
                detail = str(exc) if parse not in (int, float) else "is not a number"
                value = "(hidden)" if is_secret(name) else shown(name, raw)
                raise ConfigError(f"{name}={value}: {detail}") from None
        return cls(**kwargs)

    def __repr__(self) -> str:
        """Every setting, but the token, secrets and keys only as '[set]'."""
        shown_fields = (
            f"{spec.name}={shown(spec.metadata['env'], getattr(self, spec.name))}"
            for spec in fields(self)
        )
        return f"Settings({', '.join(shown_fields)})"

    def is_admin(self, telegram_id: int) -> bool:
        """Tells whether this Telegram user is an operator by configuration."""
        return telegram_id in self.admin_ids
