"""Fruit trees for adoption, their adoptions per season, and the news posted about them.

One tree has at most one adopter per season. The rule lives in a unique column: a live adoption
(reserved, awaiting payment, active, shipped, completed) carries `hold_key = "<tree>:<season>"`;
an expired or cancelled one carries NULL (NULLs never collide). Reserving is one
`INSERT … ON CONFLICT DO NOTHING` whose row count says who won, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, col, select

from models.catalog.places import Farmer, Village
from models.core.base import telegram_id_column, utcnow

SEASON_END = (9, 30)  # a season ("2026") is the year's harvest; it ends on 30 September (UTC)
RENEWAL_WINDOW = timedelta(days=30)
OFFLINE_HOLD = timedelta(hours=48)  # time to get to the post office or make a bank transfer
CERT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class TreeStatus(StrEnum):
    """Whether a tree is offered at all (adoption per season is tracked on Adoption)."""

    AVAILABLE = "available"
    RETIRED = "retired"


class AdoptionStatus(StrEnum):
    """reserved → awaiting_payment → active → harvest_shipped → completed; or expired/cancelled."""

    RESERVED = "reserved"
    AWAITING_PAYMENT = "awaiting_payment"
    ACTIVE = "active"
    HARVEST_SHIPPED = "harvest_shipped"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


UNPAID = (AdoptionStatus.RESERVED, AdoptionStatus.AWAITING_PAYMENT)
PAID = (AdoptionStatus.ACTIVE, AdoptionStatus.HARVEST_SHIPPED, AdoptionStatus.COMPLETED)


class Species(SQLModel, table=True):
    """A kind of tree (yellow peach, kiwifruit vine, tea), named in each language."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=40)
    emoji: str = Field(default="🌳", max_length=8)
    name_zh: str = Field(max_length=80)
    name_lo: str = Field(max_length=80)
    name_en: str = Field(max_length=80)


class TreeBase(SQLModel):
    """The catalog facts of one tree."""

    code: str = Field(unique=True, max_length=24)
    species_id: int = Field(foreign_key="species.id", index=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    farmer_id: int = Field(foreign_key="farmer.id", index=True)
    year_planted: int = Field(ge=1900, le=2100)
    photo: str | None = Field(default=None, max_length=300)  # Telegram file_id or https URL
    description_zh: str = Field(default="", max_length=800)
    description_lo: str = Field(default="", max_length=800)
    description_en: str = Field(default="", max_length=800)
    price_fen: int = Field(gt=0)
    harvest_kg: int = Field(ge=0)
    status: str = Field(default=TreeStatus.AVAILABLE, max_length=12, index=True)


class Tree(TreeBase, table=True):
    """A tree someone can adopt for a season."""

    id: int | None = Field(default=None, primary_key=True)


class Adoption(SQLModel, table=True):
    """One adopter's claim on one tree for one season, from reservation to harvest."""

    id: int | None = Field(default=None, primary_key=True)
    tree_id: int = Field(foreign_key="tree.id", index=True)
    season: str = Field(max_length=8, index=True)
    hold_key: str | None = Field(default=None, unique=True, max_length=40)
    user_id: int = Field(sa_column=telegram_id_column(index=True, nullable=False))
    nickname: str = Field(default="", max_length=40)
    certificate_name: str = Field(max_length=80)
    gift: bool = False
    gift_recipient: str = Field(default="", max_length=80)
    gift_message: str = Field(default="", max_length=200)
    country: str = Field(max_length=2)
    address: str = Field(max_length=300)
    phone: str = Field(max_length=20)
    amount_fen: int
    status: str = Field(default=AdoptionStatus.RESERVED, max_length=20, index=True)
    certificate_no: str | None = Field(default=None, unique=True, max_length=24)
    renewed_from_id: int | None = Field(default=None, foreign_key="adoption.id")
    reserved_until: datetime
    created_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None
    expired_at: datetime | None = None


class TreeUpdate(SQLModel, table=True):
    """News of a tree posted by its farmer or the post office: text, optionally a photo."""

    id: int | None = Field(default=None, primary_key=True)
    tree_id: int = Field(foreign_key="tree.id", index=True)
    text: str = Field(max_length=1000)
    photo: str | None = Field(default=None, max_length=300)
    posted_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- seasons


def season_end(season: str) -> datetime:
    """The moment a season ends (UTC)."""
    month, day = SEASON_END
    return datetime(int(season), month, day, 23, 59, 59, tzinfo=UTC)


def current_season(now: datetime | None = None) -> str:
    """The season on sale now: this year's until it ends, then next year's."""
    now = now or utcnow()
    return str(now.year if now <= season_end(str(now.year)) else now.year + 1)


def next_season(season: str) -> str:
    """The season after this one."""
    return str(int(season) + 1)


def hold_key(tree_id: int, season: str) -> str:
    """The unique key a live adoption of this tree in this season holds."""
    return f"{tree_id}:{season}"


def new_certificate_no(season: str) -> str:
    """A certificate number such as `CERT-2026-7QX4-K9M2`: readable, not guessable."""
    pick = "".join(secrets.choice(CERT_ALPHABET) for _ in range(8))
    return f"CERT-{season}-{pick[:4]}-{pick[4:]}"


# ---------------------------------------------------------------- browsing the catalog


@dataclass(frozen=True)
class TreeCard:
    """Everything a tree's card shows, detached from the session."""

    tree: Tree
    species: Species
    village: Village
    farmer: Farmer
    available: bool
    season: str


@dataclass(frozen=True)
class Group:
    """A species or a village with the number of its trees still free this season."""

    row: Species | Village
    free: int


def is_taken(season: str, now: datetime) -> object:
    """SQL condition: the tree (correlated) has a live adoption in this season."""
    live = select(Adoption.id).where(
        Adoption.tree_id == Tree.id,
        Adoption.season == season,
        col(Adoption.hold_key).is_not(None),
        (col(Adoption.status).not_in(UNPAID)) | (col(Adoption.reserved_until) > now),
    )
    return live.exists()


def _free_trees(season: str, now: datetime):  # type: ignore[no-untyped-def]
    """Trees on offer and not taken in this season."""
    return select(Tree).where(Tree.status == TreeStatus.AVAILABLE, ~is_taken(season, now))  # type: ignore[operator]


def browse_groups(*, session: Session, by: str) -> list[Group]:
    """Species (by="species") or villages (by="village") with how many trees are free."""
    season, now = current_season(), utcnow()
    key = "species_id" if by == "species" else "village_id"
    free = _free_trees(season, now).subquery()
    counts = dict(session.exec(select(free.c[key], func.count()).group_by(free.c[key])).all())
    rows: list[Species | Village] = list(
        session.exec(select(Species).order_by(col(Species.id))).all()
        if by == "species"
        else session.exec(select(Village).order_by(col(Village.id))).all()
    )
    return [Group(row, counts.get(row.id, 0)) for row in rows]


def list_free_trees(
    *,
    session: Session,
    species_id: int | None = None,
    village_id: int | None = None,
    offset: int = 0,
    limit: int = 8,
) -> tuple[list[Tree], int]:
    """One page of free trees of a species or a village, and how many there are in all."""
    statement = _free_trees(current_season(), utcnow())
    if species_id is not None:
        statement = statement.where(Tree.species_id == species_id)
    if village_id is not None:
        statement = statement.where(Tree.village_id == village_id)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    page = session.exec(statement.order_by(col(Tree.code)).offset(offset).limit(limit)).all()
    return list(page), int(total)


def tree_card(
    *, session: Session, tree_id: int | None = None, code: str | None = None
) -> TreeCard | None:
    """The card of a tree by id or code (any case), with its availability this season."""
    if tree_id is not None:
        tree = session.get(Tree, tree_id)
    else:
        tree = session.exec(select(Tree).where(Tree.code == (code or "").upper())).first()
    if tree is None or tree.id is None:
        return None
    season, now = current_season(), utcnow()
    free = session.exec(_free_trees(season, now).where(Tree.id == tree.id)).first() is not None
    return TreeCard(
        tree,
        session.get_one(Species, tree.species_id),
        session.get_one(Village, tree.village_id),
        session.get_one(Farmer, tree.farmer_id),
        free,
        season,
    )


def similar_trees(*, session: Session, tree_id: int, limit: int = 3) -> list[Tree]:
    """Free trees like this one: same species, same village first, closest price."""
    tree = session.get_one(Tree, tree_id)
    statement = (
        _free_trees(current_season(), utcnow())
        .where(Tree.species_id == tree.species_id, Tree.id != tree.id)
        .order_by(
            (col(Tree.village_id) != tree.village_id),
            func.abs(col(Tree.price_fen) - tree.price_fen),
            col(Tree.code),
        )
        .limit(limit)
    )
    return list(session.exec(statement).all())


def tree_news(*, session: Session, tree_id: int, limit: int = 3) -> list[TreeUpdate]:
    """The latest updates posted about a tree, newest first."""
    statement = (
        select(TreeUpdate)
        .where(TreeUpdate.tree_id == tree_id)
        .order_by(col(TreeUpdate.posted_at).desc(), col(TreeUpdate.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement).all())


def post_tree_update(
    *, session: Session, tree_id: int, text: str, photo: str | None = None
) -> TreeUpdate:
    """Posts news of a tree (the farmer's journey will call this)."""
    row = TreeUpdate(tree_id=tree_id, text=text, photo=photo)
    session.add(row)
    session.flush()
    return row
