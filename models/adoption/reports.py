"""Adoptions in the operator's numbers: /stats per season and per village, and the CSV export."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.adoption.adoptions import PAID, Adoption
from models.adoption.harvests import HarvestShipment
from models.catalog.places import Village
from models.catalog.trees import Tree
from models.core.user import User
from models.reporting import export, stats

ADOPTION_COLUMNS = [
    "certificate_no",
    "status",
    "season",
    "tree",
    "created_utc",
    "paid_utc",
    "adopter_id",
    "adopter_name" + export.PERSONAL,
    "certificate_name" + export.PERSONAL,
    "nickname" + export.PERSONAL,
    "gift_recipient" + export.PERSONAL,
    "gift_message" + export.PERSONAL,
    "country",
    "address" + export.PERSONAL,
    "recipient" + export.PERSONAL,
    "phone" + export.PERSONAL,
    "currency",
    "amount",
    "carrier",
    "tracking_number",
]


def season_figures(session: Session) -> list[stats.SeasonFigures]:
    """Trees adopted (paid) and money raised per season and currency, newest season first."""
    rows = session.exec(
        select(Adoption.season, Adoption.currency, func.count(), func.sum(col(Adoption.amount_fen)))
        .where(col(Adoption.status).in_(PAID))
        .group_by(col(Adoption.season), col(Adoption.currency))
        .order_by(col(Adoption.season).desc(), col(Adoption.currency))
    )
    return [stats.SeasonFigures(season, int(n), int(fen), cur) for season, cur, n, fen in rows]


def adoptions_by_village(*, session: Session) -> list[stats.VillageSales]:
    """Money raised by paid adoptions per village and currency, with the collective's share."""
    rows = session.exec(
        select(Village, Adoption.currency, func.sum(col(Adoption.amount_fen)))
        .join(Tree, col(Tree.village_id) == col(Village.id))
        .join(Adoption, col(Adoption.tree_id) == col(Tree.id))
        .where(col(Adoption.status).in_(PAID))
        .group_by(col(Village.id), col(Adoption.currency))
        .order_by(col(Village.id), col(Adoption.currency))
    )
    return [stats.VillageSales(village, int(fen), cur) for village, cur, fen in rows]


def _when(moment: object) -> str:
    """A timestamp as the orders export writes it."""
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""  # type: ignore[attr-defined]


def _adoption_rows(session: Session, labels: export.Labels) -> Iterable[list[object]]:
    """Every adoption as a row, read in batches."""
    last_id = 0
    while True:
        batch = list(
            session.exec(
                select(Adoption, Tree, User, HarvestShipment)
                .join(Tree, col(Tree.id) == col(Adoption.tree_id))
                .join(User, col(User.id) == col(Adoption.user_id), isouter=True)
                .join(
                    HarvestShipment,
                    col(HarvestShipment.adoption_id) == col(Adoption.id),
                    isouter=True,
                )
                .where(col(Adoption.id) > last_id)
                .order_by(col(Adoption.id))
                .limit(export.BATCH)
            )
        )
        if not batch:
            return
        last_id = batch[-1][0].id or last_id
        for a, tree, user, parcel in batch:
            yield [
                a.certificate_no or "",
                labels.status(a.status),
                a.season,
                tree.code,
                _when(a.created_at),
                _when(a.paid_at),
                a.user_id,
                user.display_name if user else "",
                a.certificate_name,
                a.nickname,
                a.gift_recipient,
                a.gift_message,
                a.country,
                a.address,
                a.recipient,
                a.phone,
                a.currency,
                export.amount(a.amount_fen, a.currency),
                labels.carrier(parcel.carrier) if parcel else "",
                parcel.tracking_number if parcel else "",
            ]


def adoptions_csv(*, session: Session, labels: export.Labels | None = None) -> bytes:
    """Every adoption, one row each, with the adopter's contact details and the parcel."""
    labels = labels or export.Labels()
    return export.to_csv(export.header(ADOPTION_COLUMNS, labels), _adoption_rows(session, labels))


stats.adoption_figures = season_figures
export.EXPORTS["adoptions"] = adoptions_csv
