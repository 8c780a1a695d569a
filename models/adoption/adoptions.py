"""Adopting a tree: the Adoption table, the draft, the reservation race, payment, expiry,
renewal and My trees.

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
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from models.catalog.places import Farmer, Village
from models.catalog.trees import Species, Tree, TreeStatus, current_season, next_season, season_end
from models.core.base import insert_ignoring_conflicts, telegram_id_column, utcnow
from models.core.crypto import Encrypted
from models.core.outbox import notify
from models.core.payments import PayableInfo, Payment, cancel_payments_for, register_payable

RENEWAL_WINDOW = timedelta(days=30)
CERT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


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


class Adoption(SQLModel, table=True):
    """One adopter's claim on one tree for one season, from reservation to harvest."""

    id: int | None = Field(default=None, primary_key=True)
    tree_id: int = Field(foreign_key="tree.id", index=True)
    season: str = Field(max_length=8, index=True)
    hold_key: str | None = Field(default=None, unique=True, max_length=40)
    user_id: int = Field(sa_column=telegram_id_column(index=True, nullable=False))
    nickname: str = Field(default="", max_length=40)
    certificate_name: str = Field(sa_type=Encrypted, max_length=80)
    gift: bool = False
    gift_recipient: str = Field(sa_type=Encrypted, default="", max_length=80)
    gift_message: str = Field(sa_type=Encrypted, default="", max_length=200)
    country: str = Field(max_length=2)
    address: str = Field(sa_type=Encrypted, max_length=300)
    recipient: str = Field(
        sa_type=Encrypted, default="", max_length=80
    )  # who takes the harvest parcel
    phone: str = Field(sa_type=Encrypted, max_length=20)
    amount_fen: int  # minor units of `currency`: the tree's village's when adopted
    currency: str = Field(default="CNY", max_length=3)
    status: str = Field(default=AdoptionStatus.RESERVED, max_length=20, index=True)
    certificate_no: str | None = Field(default=None, unique=True, max_length=24)
    renewed_from_id: int | None = Field(default=None, foreign_key="adoption.id")
    reserved_until: datetime
    created_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None
    expired_at: datetime | None = None


def hold_key(tree_id: int, season: str) -> str:
    """The unique key a live adoption of this tree in this season holds."""
    return f"{tree_id}:{season}"


def new_certificate_no(season: str) -> str:
    """A certificate number such as `CERT-2026-7QX4-K9M2`: readable, not guessable."""
    pick = "".join(secrets.choice(CERT_ALPHABET) for _ in range(8))
    return f"CERT-{season}-{pick[:4]}-{pick[4:]}"


KIND = "adoption"
DRAFT_FIELDS = (
    "nickname",
    "certificate_name",
    "gift",
    "gift_recipient",
    "gift_message",
    "country",
    "address",
    "recipient",
    "phone",
)


class AdoptionDraft(SQLModel, table=True):
    """What a user has answered so far in the adoption dialogue (one draft per user)."""

    user_id: int = Field(sa_column=telegram_id_column(primary_key=True, autoincrement=False))
    tree_id: int = Field(foreign_key="tree.id")
    nickname: str = Field(default="", max_length=40)
    certificate_name: str = Field(sa_type=Encrypted, default="", max_length=80)
    gift: bool = False
    gift_recipient: str = Field(sa_type=Encrypted, default="", max_length=80)
    gift_message: str = Field(sa_type=Encrypted, default="", max_length=200)
    country: str = Field(default="", max_length=2)
    address: str = Field(sa_type=Encrypted, default="", max_length=300)
    recipient: str = Field(sa_type=Encrypted, default="", max_length=80)
    phone: str = Field(sa_type=Encrypted, default="", max_length=20)
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class Reservation:
    """The outcome of confirming: the adoption, or why there is none ("taken", "unavailable")."""

    adoption: Adoption | None
    reason: str = "ok"


@dataclass(frozen=True)
class AdoptionView:
    """An adoption with its tree, species, village and farmer, detached from the session."""

    adoption: Adoption
    tree: Tree
    species: Species
    village: Village
    farmer: Farmer


# ---------------------------------------------------------------- the draft


def start_draft(
    *, session: Session, user_id: int, tree_id: int, certificate_name: str
) -> AdoptionDraft | None:
    """Starts a fresh draft for this tree and returns it; None if the tree is not on offer."""
    tree = session.get(Tree, tree_id)
    if tree is None or tree.status != TreeStatus.AVAILABLE:
        return None
    return fresh_draft(
        session=session, user_id=user_id, tree_id=tree_id, certificate_name=certificate_name
    )


def fresh_draft(
    *, session: Session, user_id: int, tree_id: int, certificate_name: str
) -> AdoptionDraft:
    """The user's new draft for this tree, in place of any earlier one."""
    earlier = delete(AdoptionDraft).where(col(AdoptionDraft.user_id) == user_id)
    session.execute(earlier.execution_options(synchronize_session=False))
    draft = AdoptionDraft(user_id=user_id, tree_id=tree_id, certificate_name=certificate_name[:80])
    session.add(draft)
    return draft


def update_draft(*, session: Session, user_id: int, **changes: Any) -> AdoptionDraft | None:
    """Stores answers in the user's draft; returns it (None if there is no draft)."""
    draft = session.get(AdoptionDraft, user_id)
    if draft is None:
        return None
    for key, value in changes.items():
        if key not in DRAFT_FIELDS:
            raise ValueError(key)
        setattr(draft, key, value)
    draft.updated_at = utcnow()
    session.add(draft)
    return draft


def discard_draft(*, session: Session, user_id: int) -> None:
    """Forgets the user's answers (the dialogue was cancelled)."""
    draft = session.get(AdoptionDraft, user_id)
    if draft is not None:
        session.delete(draft)


def get_draft(*, session: Session, user_id: int) -> AdoptionDraft | None:
    """The user's draft, if any."""
    return session.get(AdoptionDraft, user_id)


# ---------------------------------------------------------------- the reservation race


def _claim(session: Session, values: dict[str, Any]) -> Adoption | None:
    """Inserts a live adoption unless the tree is held this season; returns it if it won."""
    if insert_ignoring_conflicts(session, Adoption, values) != 1:
        return None
    return session.exec(select(Adoption).where(Adoption.hold_key == values["hold_key"])).one()


def _live(session: Session, tree_id: int, season: str) -> Adoption | None:
    """The adoption holding this tree in this season, if any."""
    key = hold_key(tree_id, season)
    return session.exec(select(Adoption).where(Adoption.hold_key == key)).first()


def reserve_tree(*, session: Session, user_id: int, minutes: int) -> Reservation:
    """Confirms the user's draft: exactly one of many simultaneous confirmations wins."""
    draft = session.get(AdoptionDraft, user_id)
    if draft is None:
        return Reservation(None, "no_draft")
    tree = session.get(Tree, draft.tree_id)
    if tree is None or tree.status != TreeStatus.AVAILABLE:
        return Reservation(None, "unavailable")
    season, now = current_season(), utcnow()
    expire_reservations(session=session, tree_id=draft.tree_id)
    values = _adoption_values(
        session, draft.model_dump(include=set(DRAFT_FIELDS)), tree, season, user_id
    )
    values["reserved_until"] = now + timedelta(minutes=minutes)
    adoption = _claim(session, values)
    if adoption is None:
        held = _live(session, draft.tree_id, season)
        if held is None or held.user_id != user_id:
            return Reservation(None, "taken")
        adoption = held  # the same user confirmed twice: one reservation
    # a plain DELETE: a simultaneous second confirmation may have removed it already
    session.exec(delete(AdoptionDraft).where(col(AdoptionDraft.user_id) == user_id))
    return Reservation(adoption)


def _adoption_values(
    session: Session, details: dict[str, Any], tree: Tree, season: str, user_id: int
) -> dict[str, Any]:
    """The column values of a new live adoption."""
    assert tree.id is not None
    now = utcnow()
    return {
        **details,
        "tree_id": tree.id,
        "season": season,
        "hold_key": hold_key(tree.id, season),
        "user_id": user_id,
        "amount_fen": tree.price_fen,
        "currency": session.get_one(Village, tree.village_id).currency,
        "status": AdoptionStatus.RESERVED,
        "gift": bool(details.get("gift")),
        "created_at": now,
    }


def await_payment(
    *, session: Session, adoption_id: int, offline: bool, hold_minutes: int = 0
) -> datetime:
    """The payment step was shown: an offline payment gets `hold_minutes` from the
    reservation to reach the post office (the hold the review screen stated).

    Returns until when the tree is held."""
    adoption = session.get_one(Adoption, adoption_id)
    if adoption.status not in UNPAID:
        return adoption.reserved_until
    adoption.status = AdoptionStatus.AWAITING_PAYMENT
    if offline:
        until = _aware(adoption.created_at) + timedelta(minutes=hold_minutes)
        adoption.reserved_until = max(_aware(adoption.reserved_until), until)
    session.add(adoption)
    return adoption.reserved_until


def expire_reservations(*, session: Session, tree_id: int | None = None) -> list[int]:
    """Frees trees whose reservation ran out unpaid and tells each adopter; returns their ids."""
    now = utcnow()
    statement = select(Adoption.id).where(
        col(Adoption.status).in_(UNPAID), Adoption.reserved_until < now
    )
    if tree_id is not None:
        statement = statement.where(Adoption.tree_id == tree_id)
    expired = []
    for adoption_id in session.exec(statement).all():
        assert adoption_id is not None
        result = session.exec(
            update(Adoption)
            .where(col(Adoption.id) == adoption_id, col(Adoption.status).in_(UNPAID))
            .where(col(Adoption.reserved_until) < now)
            .values(status=AdoptionStatus.EXPIRED, hold_key=None, expired_at=now)
        )
        if result.rowcount != 1:
            continue  # paid or expired by someone else a moment ago
        adoption = session.get_one(Adoption, adoption_id)
        session.refresh(adoption)
        cancel_payments_for(session=session, kind=KIND, target_id=adoption_id)
        notify(
            session=session,
            user_id=adoption.user_id,
            kind="adoption_expired",
            params={"adoption_id": adoption_id},
            dedupe_key=f"adoption-expired-{adoption_id}",
        )
        expired.append(adoption_id)
    return expired


# ---------------------------------------------------------------- payment


class AdoptionPayable:
    """Adoptions as the shared payment step sees them."""

    def amount_due(self, session: Session, target_id: int) -> int | None:
        """The price while the reservation holds, else None."""
        adoption = session.get(Adoption, target_id)
        if adoption is None or adoption.status not in UNPAID:
            return None
        if adoption.reserved_until < utcnow():
            return None
        return adoption.amount_fen

    def currency(self, session: Session, target_id: int) -> str:
        """What the adoption was priced in."""
        return session.get_one(Adoption, target_id).currency

    def mark_paid(self, session: Session, target_id: int, payment: Payment) -> bool:
        """Activates the adoption and queues the certificate; a lapsed one is flagged instead."""
        season = session.exec(select(Adoption.season).where(Adoption.id == target_id)).one()
        certificate_no = new_certificate_no(season)
        result = session.exec(
            update(Adoption)
            .where(col(Adoption.id) == target_id, col(Adoption.status).in_(UNPAID))
            .where(col(Adoption.hold_key).is_not(None))
            .values(status=AdoptionStatus.ACTIVE, paid_at=utcnow(), certificate_no=certificate_no)
        )
        adoption = session.get_one(Adoption, target_id)
        session.refresh(adoption)
        ok = result.rowcount == 1
        notify(
            session=session,
            user_id=adoption.user_id,
            kind="adoption_paid" if ok else "adoption_refund",
            params={"adoption_id": target_id, "reference": payment.reference},
            dedupe_key=f"adoption-{'paid' if ok else 'refund'}-{target_id}-{payment.reference}",
        )
        return ok

    def infos(self, session: Session, target_ids: list[int]) -> dict[int, PayableInfo]:
        """The trees' codes, their villages and until when each is held unpaid, by adoption."""
        rows = session.exec(
            select(Adoption, Tree)
            .join(Tree, col(Tree.id) == Adoption.tree_id)
            .where(col(Adoption.id).in_(target_ids))
        ).all()
        return {
            adoption.id: PayableInfo(
                tree.code,
                tree.village_id,
                adoption.reserved_until if adoption.status in UNPAID else None,
                adoption.status,
            )
            for adoption, tree in rows
            if adoption.id is not None
        }

    def hold_until(self, session: Session, target_id: int, until: datetime) -> datetime | None:
        """Holds the unpaid adoption's tree until `until` (never less than it had)."""
        adoption = session.get(Adoption, target_id)
        if adoption is None or adoption.status not in UNPAID:
            return None
        current = _aware(adoption.reserved_until)
        adoption.status = AdoptionStatus.AWAITING_PAYMENT
        if until > current:
            adoption.reserved_until = until
        session.add(adoption)
        session.flush()
        return max(until, current)

    def revive(self, session: Session, target_id: int) -> bool:
        """An expired adoption paid late: it takes its tree back if nobody else holds it."""
        adoption = session.get(Adoption, target_id)
        if adoption is None or adoption.status != AdoptionStatus.EXPIRED:
            return False
        if _live(session, adoption.tree_id, adoption.season) is not None:
            return False
        try:
            with session.begin_nested():  # someone reserving it at this moment wins
                result = session.exec(
                    update(Adoption)
                    .where(
                        col(Adoption.id) == target_id,
                        col(Adoption.status) == AdoptionStatus.EXPIRED,
                    )
                    .values(
                        status=AdoptionStatus.AWAITING_PAYMENT,
                        hold_key=hold_key(adoption.tree_id, adoption.season),
                        expired_at=None,
                    )
                )
        except IntegrityError:
            return False
        session.refresh(adoption)
        return result.rowcount == 1


def _aware(moment: datetime) -> datetime:
    """A stored moment as aware UTC (SQLite returns naive datetimes)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def tree_village(*, session: Session, tree_id: int) -> int | None:
    """The village a tree grows in."""
    tree = session.get(Tree, tree_id)
    return tree.village_id if tree else None


register_payable(KIND, AdoptionPayable())


# ---------------------------------------------------------------- my trees


def _view(session: Session, adoption: Adoption) -> AdoptionView:
    """Loads what an adoption's screens show."""
    tree = session.get_one(Tree, adoption.tree_id)
    return AdoptionView(
        adoption,
        tree,
        session.get_one(Species, tree.species_id),
        session.get_one(Village, tree.village_id),
        session.get_one(Farmer, tree.farmer_id),
    )


def adoption_view(
    *, session: Session, adoption_id: int, user_id: int | None = None
) -> AdoptionView | None:
    """One adoption with its tree; with user_id, only if that user owns it."""
    adoption = session.get(Adoption, adoption_id)
    if adoption is None or (user_id is not None and adoption.user_id != user_id):
        return None
    return _view(session, adoption)


def my_adoptions(*, session: Session, user_id: int) -> list[AdoptionView]:
    """The user's adoptions worth showing (not expired or cancelled), newest first."""
    statement = (
        select(Adoption)
        .where(Adoption.user_id == user_id, col(Adoption.hold_key).is_not(None))
        .order_by(col(Adoption.season).desc(), col(Adoption.id).desc())
    )
    return [_view(session, row) for row in session.exec(statement).all()]


# ---------------------------------------------------------------- renewal


def renewal_open(adoption: Adoption, now: datetime | None = None) -> bool:
    """Whether a paid adoption may be renewed now: in the last 30 days of its season."""
    now = now or utcnow()
    end = season_end(adoption.season)
    return adoption.status in PAID and end - RENEWAL_WINDOW <= now <= end


def queue_renewal_reminders(*, session: Session, now: datetime | None = None) -> int:
    """Reminds adopters whose season ends within 30 days (once per adoption); returns how many."""
    now = now or utcnow()
    season = current_season(now)
    if now < season_end(season) - RENEWAL_WINDOW:
        return 0
    statement = select(Adoption).where(Adoption.season == season, col(Adoption.status).in_(PAID))
    count = 0
    for adoption in session.exec(statement).all():
        if _live(session, adoption.tree_id, next_season(season)) is not None:
            continue  # already renewed
        notify(
            session=session,
            user_id=adoption.user_id,
            kind="adoption_renewal",
            params={"adoption_id": adoption.id},
            dedupe_key=f"adoption-renewal-{adoption.id}-{season}",
        )
        count += 1
    return count


def renew_adoption(
    *, session: Session, adoption_id: int, user_id: int, minutes: int, now: datetime | None = None
) -> Reservation:
    """Reserves the same tree for the next season, before it goes back to the public catalog."""
    previous = session.get(Adoption, adoption_id)
    if previous is None or previous.user_id != user_id:
        return Reservation(None, "unavailable")
    if not renewal_open(previous, now):
        return Reservation(None, "closed")
    tree = session.get_one(Tree, previous.tree_id)
    season = next_season(previous.season)
    expire_reservations(session=session, tree_id=tree.id)
    details = previous.model_dump(include=set(DRAFT_FIELDS))
    values = _adoption_values(session, details, tree, season, user_id)
    values["reserved_until"] = (now or utcnow()) + timedelta(minutes=minutes)
    values["renewed_from_id"] = adoption_id
    adoption = _claim(session, values)
    if adoption is None:
        held = _live(session, previous.tree_id, season)
        if held is None or held.user_id != user_id:
            return Reservation(None, "taken")
        adoption = held
    return Reservation(adoption)
