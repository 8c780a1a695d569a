"""The post office ships each adopter's harvest share: active → harvest_shipped → completed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Field, Session, SQLModel, col, select

from models.adoption.adoptions import Adoption, AdoptionStatus
from models.catalog.trees import Species, Tree
from models.core.base import telegram_id_column, utcnow
from models.core.outbox import notify

LISTS = {"a": AdoptionStatus.ACTIVE, "s": AdoptionStatus.HARVEST_SHIPPED}


class HarvestError(Exception):
    """A harvest cannot be moved; `code` is "not_found" or "not_allowed" (moved on already)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class HarvestShipment(SQLModel, table=True):
    """The parcel that carries one adoption's harvest share."""

    id: int | None = Field(default=None, primary_key=True)
    adoption_id: int = Field(foreign_key="adoption.id", unique=True)
    carrier: str = Field(max_length=40)
    tracking_number: str = Field(max_length=40)
    shipped_by: int = Field(sa_column=telegram_id_column(nullable=False))
    shipped_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None


@dataclass(frozen=True)
class Harvest:
    """An adoption as the post office ships it: tree, kind, share and the parcel if sent."""

    adoption: Adoption
    tree: Tree
    species: Species
    shipment: HarvestShipment | None

    @property
    def recipient(self) -> str:
        """Who the parcel is addressed to: the name given with the address, else the gift's
        recipient, else the certificate's name (adoptions made before the name was asked)."""
        adoption = self.adoption
        return adoption.recipient or adoption.gift_recipient or adoption.certificate_name


def _harvests(session: Session, where: object, offset: int, limit: int) -> list[Harvest]:
    """Adoptions matching `where` with their tree, species and shipment, oldest season first."""
    statement = (
        select(Adoption, Tree, Species, HarvestShipment)
        .join(Tree, col(Tree.id) == col(Adoption.tree_id))
        .join(Species, col(Species.id) == col(Tree.species_id))
        .join(
            HarvestShipment,
            col(HarvestShipment.adoption_id) == col(Adoption.id),
            isouter=True,
        )
        .where(where)  # type: ignore[arg-type]
        .order_by(col(Adoption.season), col(Adoption.id))
        .offset(offset)
        .limit(limit)
    )
    return [Harvest(*row) for row in session.exec(statement)]


def harvests(
    *, session: Session, status: str, offset: int = 0, limit: int = 5
) -> tuple[list[Harvest], int]:
    """One page of adoptions in `status` (active: to ship; harvest_shipped: to complete)."""
    where = Adoption.status == status
    total = session.exec(select(func.count()).select_from(Adoption).where(where)).one()
    return _harvests(session, where, offset, limit), int(total)


def harvest(*, session: Session, adoption_id: int) -> Harvest | None:
    """One paid adoption for the operator (with address and phone), or None."""
    found = _harvests(session, Adoption.id == adoption_id, 0, 1)
    return found[0] if found else None


def _move(session: Session, adoption_id: int, old: str, new: str) -> Adoption:
    """Moves an adoption from `old` to `new` in one conditional statement."""
    result = session.exec(
        update(Adoption)
        .where(col(Adoption.id) == adoption_id, col(Adoption.status) == old)
        .values(status=new)
    )
    adoption = session.get(Adoption, adoption_id)
    if adoption is None:
        raise HarvestError("not_found")
    if result.rowcount != 1:
        raise HarvestError("not_allowed")
    session.refresh(adoption)
    return adoption


def ship_harvest(
    *, session: Session, adoption_id: int, carrier: str, tracking_number: str, by_user_id: int
) -> HarvestShipment:
    """Records the parcel, moves the adoption to harvest_shipped and tells the adopter."""
    adoption = _move(session, adoption_id, AdoptionStatus.ACTIVE, AdoptionStatus.HARVEST_SHIPPED)
    shipment = HarvestShipment(
        adoption_id=adoption_id,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_by=by_user_id,
    )
    session.add(shipment)
    session.flush()
    notify(
        session=session,
        user_id=adoption.user_id,
        kind="harvest_shipped",
        params={"adoption_id": adoption_id},
        dedupe_key=f"harvest-shipped-{adoption_id}",
    )
    return shipment


def complete_harvest(*, session: Session, adoption_id: int, by_user_id: int) -> Adoption:
    """Closes an adoption whose harvest share has arrived."""
    adoption = _move(session, adoption_id, AdoptionStatus.HARVEST_SHIPPED, AdoptionStatus.COMPLETED)
    session.exec(
        update(HarvestShipment)
        .where(col(HarvestShipment.adoption_id) == adoption_id)
        .values(completed_at=utcnow())
    )
    return adoption


def shipment_of(*, session: Session, adoption_id: int) -> HarvestShipment | None:
    """The parcel of an adoption's harvest share, if sent."""
    statement = select(HarvestShipment).where(HarvestShipment.adoption_id == adoption_id)
    return session.exec(statement).first()
