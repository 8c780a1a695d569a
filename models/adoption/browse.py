"""The catalog as adopters browse it: species and villages with free trees, pages of free trees,
a tree's card, similar trees. A tree is free in a season when no live adoption holds it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy import select as select_rows  # sqlmodel's select takes at most 4 entities
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from models.adoption.adoptions import UNPAID, Adoption, AdoptionDraft, fresh_draft
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


def is_taken(season: Any, now: Any) -> object:
    """SQL condition: the tree (correlated) has a live adoption in this season (values or
    bind parameters)."""
    live = select(Adoption.id).where(
        Adoption.tree_id == Tree.id,
        Adoption.season == season,
        col(Adoption.hold_key).is_not(None),
        (col(Adoption.status).not_in(UNPAID)) | (col(Adoption.reserved_until) > now),
    )
    return live.exists()


def _is_free(season: Any, now: Any) -> Any:
    """SQL condition: the tree (of the statement) is on offer and not taken in this season."""
    return (col(Tree.status) == TreeStatus.AVAILABLE) & ~is_taken(season, now)  # type: ignore[operator]


# The browse screens' statements are built once, with this season and this moment as bind
# parameters: building them on every call (the free-tree condition, four entities for a card)
# cost as much CPU as running them. And they count and page trees with conditions, not over a
# subquery of the free trees, whose column proxies SQLAlchemy rebuilt on every call.
_FREE = _is_free(bindparam("season"), bindparam("now"))
_GROUPS = (col(Tree.species_id), col(Tree.village_id))
_FREE_BY_GROUP = select(*_GROUPS, func.count()).where(_FREE).group_by(*_GROUPS)
_SPECIES = select(Species).order_by(col(Species.id))
_VILLAGES = select(Village).order_by(col(Village.id))
_CARD = select_rows(  # a tree, its kind, village and farmer, and whether it is free
    Tree, Species, Village, Farmer, _FREE.label("free")
).where(
    col(Species.id) == Tree.species_id,
    col(Village.id) == Tree.village_id,
    col(Farmer.id) == Tree.farmer_id,
)
_CARD_BY_ID = _CARD.where(col(Tree.id) == bindparam("tree_id"))
_FREE_BY_ID = select(Tree.id).where(col(Tree.id) == bindparam("tree_id"), _FREE)
_CARD_BY_CODE = _CARD.where(col(Tree.code) == bindparam("code"))


def _moment() -> dict[str, Any]:
    """The bind parameters of the free-tree condition: this season, now."""
    return {"season": current_season(), "now": utcnow()}


def start_free_draft(
    *, session: Session, user_id: int, tree_id: int, certificate_name: str
) -> AdoptionDraft | None:
    """Starts a draft for this tree if nobody holds it now, else None: the check and the start
    in one trip."""
    if session.exec(_FREE_BY_ID, params={**_moment(), "tree_id": tree_id}).first() is None:
        return None
    return fresh_draft(
        session=session, user_id=user_id, tree_id=tree_id, certificate_name=certificate_name
    )


@functools.cache
def _list_statements(
    by_species: bool, by_village: bool
) -> tuple[SelectOfScalar[int], SelectOfScalar[Tree]]:
    """The count and the page of free trees, of a species and/or a village (bind parameters)."""
    conditions = [_FREE]
    if by_species:
        conditions.append(col(Tree.species_id) == bindparam("species_id"))
    if by_village:
        conditions.append(col(Tree.village_id) == bindparam("village_id"))
    count = select(func.count()).select_from(Tree).where(*conditions)
    page = select(Tree).where(*conditions).order_by(col(Tree.code))
    return count, page.offset(bindparam("offset")).limit(bindparam("limit"))


def browse_choices(*, session: Session) -> tuple[list[Group], list[Group]]:
    """The species and the villages to choose from, each with how many of its trees are free:
    one count of the free trees by species and village serves both lists."""
    by_species: dict[Any, int] = {}
    by_village: dict[Any, int] = {}
    for species_id, village_id, free in session.exec(_FREE_BY_GROUP, params=_moment()).all():
        by_species[species_id] = by_species.get(species_id, 0) + free
        by_village[village_id] = by_village.get(village_id, 0) + free
    return (
        [Group(row, by_species.get(row.id, 0)) for row in session.exec(_SPECIES).all()],
        [Group(row, by_village.get(row.id, 0)) for row in session.exec(_VILLAGES).all()],
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
    kinds = {row.id: row for row in session.exec(_SPECIES).all() if row.id is not None}
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
    count, page = _list_statements(species_id is not None, village_id is not None)
    params = {**_moment(), "species_id": species_id, "village_id": village_id}
    total = session.exec(count, params=params).one()
    trees = session.exec(page, params={**params, "offset": offset, "limit": limit}).all()
    return list(trees), int(total)


def tree_card(
    *, session: Session, tree_id: int | None = None, code: str | None = None
) -> TreeCard | None:
    """The card of a tree by id or code (any case), with its availability this season."""
    params = _moment()
    if tree_id is not None:
        found = session.execute(_CARD_BY_ID, {**params, "tree_id": tree_id}).first()
    else:
        found = session.execute(_CARD_BY_CODE, {**params, "code": (code or "").upper()}).first()
    if found is None:
        return None
    tree, species, village, farmer, free = found
    return TreeCard(tree, species, village, farmer, bool(free), params["season"])


def similar_trees(*, session: Session, tree_id: int, limit: int = 3) -> list[Tree]:
    """Free trees like this one: same species, same village first, closest price."""
    tree = session.get_one(Tree, tree_id)
    statement = (
        select(Tree)
        .where(_FREE, Tree.species_id == tree.species_id, Tree.id != tree.id)
        .order_by(
            (col(Tree.village_id) != tree.village_id),
            func.abs(col(Tree.price_fen) - tree.price_fen),
            col(Tree.code),
        )
        .limit(limit)
    )
    return list(session.exec(statement, params=_moment()).all())


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
