"""Roles: operators appoint operators and register farmers with one-time invite links."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Field, Session, SQLModel, col, select

from models.catalog.places import Farmer, Village
from models.core.base import telegram_id_column, utcnow
from models.core.user import Role, User

INVITE_LIFETIME = timedelta(days=3)


class RoleError(Exception):
    """A role change or invite cannot be done; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class FarmerInvite(SQLModel, table=True):
    """A single-use, expiring link that binds a Telegram account to a Farmer record."""

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(unique=True, max_length=40)
    farmer_id: int = Field(foreign_key="farmer.id", index=True)
    created_by: int = Field(sa_column=telegram_id_column(nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_by: int | None = Field(default=None, sa_column=telegram_id_column(nullable=True))
    used_at: datetime | None = None


def list_farmers(*, session: Session) -> list[tuple[Farmer, Village]]:
    """Every farmer with their village, in a stable order."""
    statement = select(Farmer, Village).join(Village).order_by(col(Farmer.id))
    return [(farmer, village) for farmer, village in session.exec(statement)]


def create_farmer_invite(*, session: Session, farmer_id: int, created_by: int) -> FarmerInvite:
    """Creates a fresh invite for a farmer; older unused invites for them stop working."""
    session.get_one(Farmer, farmer_id)
    now = utcnow()
    session.exec(
        update(FarmerInvite)
        .where(col(FarmerInvite.farmer_id) == farmer_id, col(FarmerInvite.used_at).is_(None))
        .values(expires_at=now)
    )
    invite = FarmerInvite(
        token=secrets.token_urlsafe(18),
        farmer_id=farmer_id,
        created_by=created_by,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    session.add(invite)
    session.flush()
    return invite


def redeem_farmer_invite(
    *, session: Session, token: str, telegram_id: int
) -> tuple[Farmer, Village]:
    """Binds the account that opened the link to the invite's farmer; the link works once."""
    invite = session.exec(select(FarmerInvite).where(FarmerInvite.token == token)).first()
    if invite is None:
        raise RoleError("unknown")
    bound = session.exec(select(Farmer).where(Farmer.telegram_id == telegram_id)).first()
    if bound is not None and bound.id != invite.farmer_id:
        raise RoleError("other_farmer")
    claimed = session.exec(
        update(FarmerInvite)
        .where(col(FarmerInvite.id) == invite.id, col(FarmerInvite.used_at).is_(None))
        .where(col(FarmerInvite.expires_at) > utcnow())
        .values(used_by=telegram_id, used_at=utcnow())
    ).rowcount
    if claimed != 1:
        raise RoleError("used" if invite.used_at else "expired")
    farmer = session.get_one(Farmer, invite.farmer_id)
    farmer.telegram_id = telegram_id
    session.add(farmer)
    user = session.get_one(User, telegram_id)
    if user.role != Role.OPERATOR:
        user.role = Role.FARMER
        session.add(user)
    return farmer, session.get_one(Village, farmer.village_id)


def farmer_of(*, session: Session, telegram_id: int) -> Farmer | None:
    """The Farmer record bound to this Telegram account, if any."""
    return session.exec(select(Farmer).where(Farmer.telegram_id == telegram_id)).first()


def find_user(*, session: Session, who: str) -> User | None:
    """Finds a user who has talked to the bot by numeric id or @username."""
    who = who.strip()
    if who.lstrip("-").isdigit():
        return session.get(User, int(who))
    name = who.removeprefix("@")
    return session.exec(select(User).where(col(User.username).ilike(name))).first()


def make_operator(*, session: Session, telegram_id: int) -> User:
    """Gives a user the operator role."""
    user = session.get(User, telegram_id)
    if user is None:
        raise RoleError("unknown_user")
    user.role = Role.OPERATOR
    session.add(user)
    return user


def staff_members(*, session: Session) -> list[User]:
    """Farmers and operators who have talked to the bot (their chats get their own commands)."""
    staff = col(User.role).in_([Role.FARMER, Role.OPERATOR])
    return list(session.exec(select(User).where(staff, col(User.blocked_bot).is_(False))))
