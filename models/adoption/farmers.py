"""The farmer's trees: who adopted them this season, news posted to their adopters, earnings.

A farmer sees what models.privacy.FARMER_SEES says, as the privacy notice does: the adopter's
display name and the tree's nickname; never the certificate's name (often a full real name, or a
gift recipient's), the address or phone, which only the post office needs to ship the harvest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from models.adoption.adoptions import PAID, Adoption, AdoptionView, adoption_view
from models.catalog.news_items import valid_item
from models.catalog.trees import Species, Tree, TreeUpdate, current_season, post_tree_update
from models.core.outbox import notify
from models.core.user import User
from models.shop.packing import EARNING_ROWS, EARNING_SOURCES

MAX_UPDATE_TEXT = 500


class TreeNewsError(Exception):
    """An update cannot be posted; `code` says why ("not_found", "no_trees", "empty")."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class FarmerTree:
    """One of a farmer's trees and its live adoption this season, if any."""

    tree: Tree
    species: Species
    season: str
    status: str | None  # the adoption's status, None when nobody holds the tree
    adopter: str  # the adopter's display name (Seen.DISPLAY_NAME); "" once they are erased
    nickname: str


@dataclass(frozen=True)
class PostedNews:
    """What posting an update did: how many trees it was posted on, how many adopters told."""

    trees: int
    adopters: int


def _live_this_season(season: str) -> object:
    """SQL condition: the adoption holds its tree in `season`."""
    return and_(col(Adoption.season) == season, col(Adoption.hold_key).is_not(None))


def farmer_trees(
    *, session: Session, farmer_id: int, offset: int = 0, limit: int = 8
) -> tuple[list[FarmerTree], int]:
    """One page of the farmer's trees (by code) with this season's adoption, and the total."""
    season = current_season()
    mine = Tree.farmer_id == farmer_id
    total = session.exec(select(func.count()).select_from(Tree).where(mine)).one()
    statement = (
        select(Tree, Species, Adoption, User)
        .join(Species, col(Species.id) == col(Tree.species_id))
        .join(
            Adoption,
            (col(Adoption.tree_id) == col(Tree.id)) & _live_this_season(season),
            isouter=True,
        )
        .join(User, col(User.id) == col(Adoption.user_id), isouter=True)
        .where(mine)
        .order_by(col(Tree.code))
        .offset(offset)
        .limit(limit)
    )
    page = [
        FarmerTree(
            tree,
            species,
            season,
            adoption.status if adoption else None,
            _adopter_name(adoption, user),
            adoption.nickname if adoption else "",
        )
        for tree, species, adoption, user in session.exec(statement)
    ]
    return page, int(total)


def _adopter_name(adoption: Adoption | None, user: User | None) -> str:
    """The name a farmer may see (models.privacy.FARMER_SEES): the adopter's Telegram name."""
    if adoption is None or user is None:
        return ""
    return user.display_name


def _paid_this_season(session: Session, tree_ids: list[int]) -> list[Adoption]:
    """Paid adoptions of these trees in the current season."""
    statement = select(Adoption).where(
        col(Adoption.tree_id).in_(tree_ids),
        Adoption.season == current_season(),
        col(Adoption.status).in_(PAID),
    )
    return list(session.exec(statement.order_by(col(Adoption.id))))


def adopted_tree_ids(*, session: Session, farmer_id: int) -> list[int]:
    """The farmer's trees with a paid adoption this season."""
    statement = (
        select(Adoption.tree_id)
        .join(Tree, col(Tree.id) == col(Adoption.tree_id))
        .where(Tree.farmer_id == farmer_id, Adoption.season == current_season())
        .where(col(Adoption.status).in_(PAID))
        .order_by(col(Adoption.tree_id))
    )
    return list(session.exec(statement))


def own_tree(*, session: Session, farmer_id: int, tree_id: int) -> Tree | None:
    """The tree if it is this farmer's, else None (someone else's looks like no tree at all)."""
    tree = session.get(Tree, tree_id)
    return tree if tree is not None and tree.farmer_id == farmer_id else None


def post_farmer_update(
    *,
    session: Session,
    farmer_id: int,
    tree_id: int | None,
    text: str,
    photo: str | None = None,
    item: str | None = None,
    days: int | None = None,
) -> PostedNews:
    """Posts news on one of the farmer's trees (or all adopted ones) and tells every adopter."""
    text = text.strip()
    if (not text and photo is None and item is None) or len(text) > MAX_UPDATE_TEXT:
        raise TreeNewsError("empty")
    if not valid_item(item, days):
        raise TreeNewsError("empty")
    if tree_id is None:
        tree_ids = adopted_tree_ids(session=session, farmer_id=farmer_id)
        if not tree_ids:
            raise TreeNewsError("no_trees")
    elif own_tree(session=session, farmer_id=farmer_id, tree_id=tree_id) is None:
        raise TreeNewsError("not_found")
    else:
        tree_ids = [tree_id]
    posted = {
        tid: post_tree_update(
            session=session, tree_id=tid, text=text, photo=photo, item=item, days=days
        )
        for tid in tree_ids
    }
    adoptions = _paid_this_season(session, tree_ids)
    for adoption in adoptions:
        news = posted[adoption.tree_id]
        notify(
            session=session,
            user_id=adoption.user_id,
            kind="tree_news",
            params={"update_id": news.id, "adoption_id": adoption.id, "farmer_id": farmer_id},
            dedupe_key=f"tree-news-{news.id}-{adoption.id}",
        )
    return PostedNews(len(tree_ids), len(adoptions))


def _adoption_income(session: Session, farmer_id: int, currency: str) -> int:
    """Prices of paid adoptions (active, harvest shipped, completed) of this farmer's trees,
    in that currency."""
    total = session.exec(
        select(func.coalesce(func.sum(col(Adoption.amount_fen)), 0))
        .join(Tree, col(Tree.id) == col(Adoption.tree_id))
        .where(Tree.farmer_id == farmer_id, col(Adoption.status).in_(PAID))
        .where(col(Adoption.currency) == currency)
    ).one()
    return int(total)


def _adoption_rows(session: Session, farmer_id: int) -> list[tuple[datetime, str, int, str]]:
    """(paid, season, amount, currency) of each paid adoption of this farmer's trees."""
    rows = session.exec(
        select(
            func.coalesce(col(Adoption.paid_at), col(Adoption.created_at)),
            Adoption.season,
            Adoption.amount_fen,
            Adoption.currency,
        )
        .join(Tree, col(Tree.id) == col(Adoption.tree_id))
        .where(Tree.farmer_id == farmer_id, col(Adoption.status).in_(PAID))
    ).all()
    return [(when, season, fen, cur) for when, season, fen, cur in rows]


if not any(key == "adoptions" for key, _ in EARNING_SOURCES):
    EARNING_SOURCES.append(("adoptions", _adoption_income))
    EARNING_ROWS.append(_adoption_rows)


def news_audience(*, session: Session, farmer_id: int, tree_id: int | None) -> int:
    """How many adopters an update on this tree (None: all adopted trees) would reach."""
    tree_ids = (
        adopted_tree_ids(session=session, farmer_id=farmer_id) if tree_id is None else [tree_id]
    )
    return len(_paid_this_season(session, tree_ids))


@dataclass(frozen=True)
class Readers:
    """The adopters an update reaches who read one language, and one of them as an example."""

    language: str
    count: int
    example: AdoptionView


def news_readers(*, session: Session, farmer_id: int, tree_id: int | None) -> list[Readers]:
    """Who an update would reach, by language (most readers first), for the farmer's preview."""
    tree_ids = (
        adopted_tree_ids(session=session, farmer_id=farmer_id) if tree_id is None else [tree_id]
    )
    by_language: dict[str, list[Adoption]] = {}
    for adoption in _paid_this_season(session, tree_ids):
        user = session.get(User, adoption.user_id)
        by_language.setdefault(user.language if user else "en", []).append(adoption)
    readers = []
    for language, adoptions in sorted(by_language.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        view = adoption_view(session=session, adoption_id=adoptions[0].id or 0)
        if view is not None:
            readers.append(Readers(language, len(adoptions), view))
    return readers


def news_species(*, session: Session, farmer_id: int, tree_id: int | None) -> set[str]:
    """The species (slugs) of the trees an update is for, to offer only news that fits them."""
    tree_ids = (
        adopted_tree_ids(session=session, farmer_id=farmer_id) if tree_id is None else [tree_id]
    )
    if not tree_ids:
        return set()
    rows = session.exec(
        select(Species.slug)
        .join(Tree, col(Tree.species_id) == col(Species.id))
        .where(col(Tree.id).in_(tree_ids))
    )
    return set(rows)


def news_for_adopter(
    *, session: Session, update_id: int, adoption_id: int
) -> tuple[TreeUpdate, AdoptionView] | None:
    """An update and the adoption it is sent for (for the outbox renderer)."""
    news = session.get(TreeUpdate, update_id)
    view = adoption_view(session=session, adoption_id=adoption_id)
    return (news, view) if news is not None and view is not None else None
