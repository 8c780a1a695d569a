"""The catalog as adopters browse it: species and villages with free trees, pages of free trees,
a tree's card, similar trees. A tree is free in a season when no live adoption holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as select_rows  # sqlmodel's select takes at most 4 entities
from sqlmodel import Session, col, select

from models.adoption.adoptions import UNPAID, Adoption
from models.catalog.places import Farmer, Village, village_currencies
from models.catalog.trees import Species, Tree, TreeStatus, current_season
from models.core.base import utcnow


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


def _is_free(season: str, now: datetime) -> Any:
    """SQL condition: the tree (of the statement) is on offer and not taken in this season."""
    return (col(Tree.status) == TreeStatus.AVAILABLE) & ~is_taken(season, now)  # type: ignore[operator]


def _free_trees(season: str, now: datetime):  # type: ignore[no-untyped-def]
    """Trees on offer and not taken in this season."""
    return select(Tree).where(_is_free(season, now))


# The lists below count and page trees with conditions, not over a subquery of _free_trees:
# SQLAlchemy rebuilt the subquery's column proxies (one per Tree column, foreign keys copied)
# on every call, which cost more than the query itself on the tree list screen.
def browse_choices(*, session: Session) -> tuple[list[Group], list[Group]]:
    """The species and the villages to choose from, each with how many of its trees are free:
    one count of the free trees by species and village serves both lists."""
    season, now = current_season(), utcnow()
    pair = (col(Tree.species_id), col(Tree.village_id))
    counted = select(*pair, func.count()).where(_is_free(season, now)).group_by(*pair)
    by_species: dict[Any, int] = {}
    by_village: dict[Any, int] = {}
    for species_id, village_id, free in session.exec(counted).all():
        by_species[species_id] = by_species.get(species_id, 0) + free
        by_village[village_id] = by_village.get(village_id, 0) + free
    species = session.exec(select(Species).order_by(col(Species.id))).all()
    villages = session.exec(select(Village).order_by(col(Village.id))).all()
    return (
        [Group(row, by_species.get(row.id, 0)) for row in species],
        [Group(row, by_village.get(row.id, 0)) for row in villages],
    )


@dataclass(frozen=True)
class TreePage:
    """One page of a tree list, with what its lines show: kinds by id, villages' currencies."""

    trees: list[Tree]
    total: int
    species: dict[int, Species]
    currencies: dict[int, str]


def tree_page(
    *,
    session: Session,
    species_id: int | None = None,
    village_id: int | None = None,
    offset: int = 0,
    limit: int = 8,
) -> TreePage:
    """A page of free trees of a species or a village, read at once (one trip to the database)."""
    trees, total = list_free_trees(
        session=session, species_id=species_id, village_id=village_id, offset=offset, limit=limit
    )
    kinds = {row.id: row for row in session.exec(select(Species)).all() if row.id is not None}
    return TreePage(trees, total, kinds, village_currencies(session=session))


def list_free_trees(
    *,
    session: Session,
    species_id: int | None = None,
    village_id: int | None = None,
    offset: int = 0,
    limit: int = 8,
) -> tuple[list[Tree], int]:
    """One page of free trees of a species or a village, and how many there are in all."""
    conditions = [_is_free(current_season(), utcnow())]
    if species_id is not None:
        conditions.append(Tree.species_id == species_id)
    if village_id is not None:
        conditions.append(Tree.village_id == village_id)
    total = session.exec(select(func.count()).select_from(Tree).where(*conditions)).one()
    page = session.exec(
        select(Tree).where(*conditions).order_by(col(Tree.code)).offset(offset).limit(limit)
    ).all()
    return list(page), int(total)


def tree_card(
    *, session: Session, tree_id: int | None = None, code: str | None = None
) -> TreeCard | None:
    """The card of a tree by id or code (any case), with its availability this season."""
    season, now = current_season(), utcnow()
    chosen = (
        col(Tree.id) == tree_id if tree_id is not None else col(Tree.code) == (code or "").upper()
    )
    statement = select_rows(  # the tree, its kind, village and farmer, and whether it is free
        Tree, Species, Village, Farmer, _is_free(season, now).label("free")
    ).where(
        chosen,
        col(Species.id) == Tree.species_id,
        col(Village.id) == Tree.village_id,
        col(Farmer.id) == Tree.farmer_id,
    )
    found = session.execute(statement).first()
    if found is None:
        return None
    tree, species, village, farmer, free = found
    return TreeCard(tree, species, village, farmer, bool(free), season)


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


@dataclass(frozen=True)
class OrchardTree:
    """A tree on the orchard map: the tree, its kind and village, and whether it is free."""

    tree: Tree
    species: Species
    village: Village
    free: bool


def orchard_map(*, session: Session) -> list[OrchardTree]:
    """Every tree on offer, by village and code, marked free or taken this season."""
    taken = is_taken(current_season(), utcnow())
    rows = session.exec(
        select(Tree, Species, Village, taken.label("taken"))  # type: ignore[attr-defined]
        .join(Species, col(Species.id) == Tree.species_id)
        .join(Village, col(Village.id) == Tree.village_id)
        .where(Tree.status == TreeStatus.AVAILABLE)
        .order_by(col(Tree.village_id), col(Tree.code))
    )
    return [OrchardTree(tree, species, village, not held) for tree, species, village, held in rows]
