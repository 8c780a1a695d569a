"""Personal data in tree adoptions, for /mydata, /deletemydata and the retention job.

Erasing takes the names on certificates, gift recipients and messages and tree nicknames at once.
Address, phone and the parcel's tracking number are delivery details: an adoption keeps them, and
its link to the adopter, until its harvest is shipped (or it expired or was cancelled), as open
orders do; the daily retention job finishes the erasure then. Amounts, dates, seasons, trees and
certificate numbers stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from models.adoption.adoptions import Adoption, AdoptionDraft, AdoptionStatus
from models.adoption.harvests import HarvestShipment
from models.catalog.trees import Tree, season_end
from models.privacy import ANONYMOUS, ANONYMOUS_ID, register_provider, row_dict

FINISHED = (
    AdoptionStatus.HARVEST_SHIPPED,
    AdoptionStatus.COMPLETED,
    AdoptionStatus.EXPIRED,
    AdoptionStatus.CANCELLED,
)
NAMES = ("nickname", "certificate_name", "gift_recipient", "gift_message")


def finished_at(adoption: Adoption, shipment: HarvestShipment | None) -> datetime:
    """When an adoption stopped needing its delivery details (it has no column of its own)."""
    if adoption.status == AdoptionStatus.EXPIRED and adoption.expired_at is not None:
        return adoption.expired_at
    if adoption.status in (AdoptionStatus.HARVEST_SHIPPED, AdoptionStatus.COMPLETED):
        if shipment is not None:
            return shipment.completed_at or shipment.shipped_at
        return season_end(adoption.season)
    return adoption.reserved_until  # cancelled: no later than its hold ran out


def _erase_delivery(session: Session, adoption_ids: Sequence[int | None]) -> None:
    """Replaces the address and phone of these adoptions by the anonymous marker."""
    if adoption_ids:
        session.exec(
            update(Adoption)
            .where(col(Adoption.id).in_(adoption_ids))
            .values(address=ANONYMOUS, recipient=ANONYMOUS, phone=ANONYMOUS)
        )
        session.exec(
            update(HarvestShipment)
            .where(col(HarvestShipment.adoption_id).in_(adoption_ids))
            .values(tracking_number=ANONYMOUS)
        )


def _parcel(parcel: HarvestShipment | None) -> dict[str, Any] | None:
    """The harvest parcel as the adopter may see it (not who shipped it)."""
    return row_dict(parcel, exclude={"id", "adoption_id", "shipped_by"}) if parcel else None


class _AdoptionData:
    """Adoption drafts and adoptions: names, gift message, nickname, address, phone."""

    def export(self, session: Session, user_id: int) -> Any:
        draft = session.get(AdoptionDraft, user_id)
        rows = session.exec(
            select(Adoption, Tree.code, HarvestShipment)
            .join(Tree, col(Tree.id) == Adoption.tree_id)
            .join(HarvestShipment, col(HarvestShipment.adoption_id) == Adoption.id, isouter=True)
            .where(Adoption.user_id == user_id)
            .order_by(col(Adoption.id))
        ).all()
        return {
            "draft": row_dict(draft, exclude={"user_id"}) if draft else None,
            "adoptions": [
                {
                    **row_dict(row, exclude={"user_id", "hold_key"}),
                    "tree_code": code,
                    "harvest_parcel": _parcel(parcel),
                }
                for row, code, parcel in rows
            ],
        }

    def erase(self, session: Session, user_id: int) -> list[str]:
        session.exec(delete(AdoptionDraft).where(col(AdoptionDraft.user_id) == user_id))
        rows = session.exec(select(Adoption).where(Adoption.user_id == user_id)).all()
        for row in rows:
            for name in NAMES:
                if getattr(row, name):
                    setattr(row, name, ANONYMOUS)
            session.add(row)
        session.flush()
        done = [row.id for row in rows if row.status in FINISHED]
        _erase_delivery(session, done)
        session.exec(
            update(Adoption).where(col(Adoption.id).in_(done)).values(user_id=ANONYMOUS_ID)
        )
        session.exec(
            update(HarvestShipment)
            .where(col(HarvestShipment.shipped_by) == user_id)  # an operator leaving
            .values(shipped_by=ANONYMOUS_ID)
        )
        return ["open_adoptions"] if len(done) < len(rows) else []

    def purge_finished(self, session: Session, before: datetime) -> int:
        rows = session.exec(
            select(Adoption, HarvestShipment)
            .join(HarvestShipment, col(HarvestShipment.adoption_id) == Adoption.id, isouter=True)
            .where(col(Adoption.status).in_(FINISHED))
            .where(col(Adoption.phone) != ANONYMOUS)
        ).all()
        old = [row.id for row, parcel in rows if finished_at(row, parcel) < before]
        _erase_delivery(session, old)
        return len(old)


register_provider("adoptions", _AdoptionData())
