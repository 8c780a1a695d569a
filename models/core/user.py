"""Telegram users of the bot: names, language, role, and when they were last seen."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Field, Session, SQLModel

from models.core.base import insert_ignoring_conflicts, telegram_id_column, utcnow

SEEN_REFRESH = timedelta(minutes=5)


class Role(StrEnum):
    """What a user may do: everyone buys; farmers pack; operators run the shop."""

    BUYER = "buyer"
    FARMER = "farmer"
    OPERATOR = "operator"


class User(SQLModel, table=True):
    """A Telegram account that has talked to the bot."""

    id: int = Field(sa_column=telegram_id_column(primary_key=True, autoincrement=False))
    first_name: str = Field(default="", max_length=128)
    last_name: str | None = Field(default=None, max_length=128)
    username: str | None = Field(default=None, max_length=64)
    language_code: str | None = Field(default=None, max_length=16)
    language: str = Field(default="en", max_length=2)
    language_chosen: bool = False
    role: str = Field(default=Role.BUYER, max_length=16)
    blocked_bot: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)

    @property
    def display_name(self) -> str:
        """The name shown to others: first and last name as Telegram gives them."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def touch_user(
    *,
    session: Session,
    telegram_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
    language: str,
    is_admin: bool,
) -> User:
    """Creates or refreshes the user's row; `language` is the one resolved from Telegram's code."""
    user = session.get(User, telegram_id)
    if user is None:
        _insert_user(session, telegram_id, language, is_admin)
        user = session.get_one(User, telegram_id)
    fresh = {
        "first_name": first_name,
        "last_name": last_name,
        "username": username,
        "language_code": language_code,
    }
    changed = any(getattr(user, key) != value for key, value in fresh.items())
    if not user.language_chosen and user.language != language:
        user.language, changed = language, True
    if is_admin and user.role != Role.OPERATOR:
        user.role, changed = Role.OPERATOR, True
    if user.blocked_bot:
        user.blocked_bot, changed = False, True
    if changed or utcnow() - user.last_seen_at > SEEN_REFRESH:
        for key, value in fresh.items():
            setattr(user, key, value)
        user.last_seen_at = utcnow()
        session.add(user)
    return user


def _insert_user(session: Session, telegram_id: int, language: str, is_admin: bool) -> None:
    """Inserts a new user's row; a concurrent insert of the same user is not an error."""
    now = utcnow()
    values = {
        "id": telegram_id,
        "language": language,
        "role": Role.OPERATOR if is_admin else Role.BUYER,
        "created_at": now,
        "last_seen_at": now - SEEN_REFRESH * 2,  # so the caller fills names and last_seen
    }
    insert_ignoring_conflicts(session, User, values)


def set_language(*, session: Session, telegram_id: int, language: str) -> User:
    """Stores the language the user picked; it wins over Telegram's language_code from now on."""
    user = session.get_one(User, telegram_id)
    user.language, user.language_chosen = language, True
    session.add(user)
    return user


def get_user(*, session: Session, telegram_id: int) -> User | None:
    """Returns the user's row, if the user has ever talked to the bot."""
    return session.get(User, telegram_id)
