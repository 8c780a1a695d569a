"""Telegram Mini App initData: checked exactly as Telegram documents it, and signed for tests.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app:
secret_key = HMAC-SHA256(key="WebAppData", msg=bot_token); the data-check-string is every field
but `hash`, as `key=value` lines sorted by key; the field `hash` is the hex HMAC-SHA256 of that
string with secret_key. Nothing in initData is believed before that check passes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

MAX_LENGTH = 8192  # real initData is well under 1 KB
CLOCK_SKEW = 60  # seconds an auth_date may lie in the future (clocks differ)


class InvalidInitData(ValueError):
    """initData that is missing, malformed, forged, or too old."""


@dataclass(frozen=True)
class WebAppUser:
    """The Telegram user a verified initData speaks for."""

    id: int
    first_name: str
    language_code: str | None
    auth_date: int
    start_param: str = ""  # from a t.me/BOT/APP?startapp=... link


def _secret_key(bot_token: str) -> bytes:
    """HMAC-SHA256 of the bot token with the key "WebAppData"."""
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> str:
    """The data-check-string: every field but `hash`, sorted by key, one `key=value` a line."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def _signature(fields: dict[str, str], bot_token: str) -> str:
    """The hex hash Telegram would put in `hash` for these fields."""
    digest = hmac.new(_secret_key(bot_token), _check_string(fields).encode(), hashlib.sha256)
    return digest.hexdigest()


def verify_init_data(
    init_data: str, bot_token: str, max_age: int, now: float | None = None
) -> WebAppUser:
    """The user of a genuine, fresh initData; InvalidInitData says why it is not."""
    if not init_data or len(init_data) > MAX_LENGTH:
        raise InvalidInitData("missing or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InvalidInitData("not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("a field given twice")
    given = fields.get("hash", "")
    if not hmac.compare_digest(_signature(fields, bot_token).encode(), given.encode()):
        raise InvalidInitData("bad hash")
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = user["id"]
    except (KeyError, ValueError, TypeError):
        raise InvalidInitData("no auth_date or user") from None
    moment = time.time() if now is None else now
    if not moment - max_age <= auth_date <= moment + CLOCK_SKEW:
        raise InvalidInitData("too old")
    if type(user_id) is not int or user_id <= 0:
        raise InvalidInitData("bad user id")
    language = user.get("language_code")
    return WebAppUser(
        id=user_id,
        first_name=str(user.get("first_name") or ""),
        language_code=language if isinstance(language, str) else None,
        auth_date=auth_date,
        start_param=fields.get("start_param", "")[:64],
    )


def sign_init_data(
    user: dict[str, object], bot_token: str, auth_date: int | None = None, **extra: str
) -> str:
    """initData for `user` signed with `bot_token`, as Telegram would send it (tests, console)."""
    fields = {
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "query_id": "AAH-console",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        **extra,
    }
    fields["hash"] = _signature(fields, bot_token)
    return urlencode(fields)
