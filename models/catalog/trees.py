"""Fruit trees for adoption, the seasons they are adopted for, and the news posted about them.

Who adopted a tree in which season is models/adoption/adoptions.py; which trees are free to
browse this season, models/adoption/browse.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel, col, select

from models.core.base import utcnow

SEASON_END = (9, 30)  # a season ("2026") is the year's harvest; it ends on 30 September (UTC)
GRID_ROWS, GRID_COLS = 99, 12  # the largest orchard map a village can draw (1-based cells)
VARIETY_LENGTH = 40  # a variety is a short name on one line of a phone's tree list


class TreeStatus(StrEnum):
    """Whether a tree is offered at all (adoption per season is tracked on Adoption)."""

    AVAILABLE = "available"
    RETIRED = "retired"


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
    # the cultivar (锦绣黄桃 / Jinxiu), what tells one tree of a kind from another; "" for none
    variety_zh: str = Field(default="", max_length=VARIETY_LENGTH)
    variety_lo: str = Field(default="", max_length=VARIETY_LENGTH)
    variety_en: str = Field(default="", max_length=VARIETY_LENGTH)
    photo: str | None = Field(default=None, max_length=300)  # Telegram file_id or https URL
    description_zh: str = Field(default="", max_length=800)
    description_lo: str = Field(default="", max_length=800)
    description_en: str = Field(default="", max_length=800)
    price_fen: int = Field(gt=0)
    harvest_kg: int = Field(ge=0)
    status: str = Field(default=TreeStatus.AVAILABLE, max_length=12, index=True)
    # where the tree stands on its village's orchard map (the Mini App's grid); none: unplaced
    grid_row: int | None = Field(default=None, ge=1, le=GRID_ROWS)
    grid_col: int | None = Field(default=None, ge=1, le=GRID_COLS)


class Tree(TreeBase, table=True):
    """A tree someone can adopt for a season."""

    # one tree per cell of a village's map (unplaced trees, NULL, never collide)
    __table_args__ = (
        Index("ux_tree_village_cell", "village_id", "grid_row", "grid_col", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)


class TreeUpdate(SQLModel, table=True):
    """News of a tree: a ready-made item (models/catalog/news_items.py), own words, a photo."""

    id: int | None = Field(default=None, primary_key=True)
    tree_id: int = Field(foreign_key="tree.id", index=True)
    text: str = Field(max_length=1000)  # the farmer's own words, as written ("" for none)
    photo: str | None = Field(default=None, max_length=300)
    item: str | None = Field(default=None, max_length=24)  # a news item's code
    days: int | None = None  # the item's day count ("harvest in N days")
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


# ---------------------------------------------------------------- news


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
    *,
    session: Session,
    tree_id: int,
    text: str,
    photo: str | None = None,
    item: str | None = None,
    days: int | None = None,
) -> TreeUpdate:
    """Posts news of a tree: own words and a photo, a ready-made item, or both."""
    row = TreeUpdate(tree_id=tree_id, text=text, photo=photo, item=item, days=days)
    session.add(row)
    session.flush()
    return row
