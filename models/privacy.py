"""Consent, and the personal data every table module holds: export, erasure and retention.

PIPL (China) Art. 39/45/47 and Lao e-data protection: a notice, separate consent before data
crosses the border, a copy on request, erasure when asked or when the purpose is done.

Each model module that stores personal data registers one provider, next to its table:

    class _OrderData:
        def export(self, session, user_id):        # -> JSON-ready dict or list, for /mydata
            return [row_dict(o) for o in orders_of(session, user_id)]

        def erase(self, session, user_id):         # -> problem codes, e.g. ["open_orders"]
            # open orders: keep them as they are and return ["open_orders"]; the erasure stays
            # pending and is run again by the daily retention job until nothing is open.
            # finished ones: recipient/phone/address/note -> ANONYMOUS, user link -> None
            # (or ANONYMOUS_ID when the column is not nullable); keep amounts, dates, items.

        def purge_finished(self, session, before): # -> rows changed
            # phone and address of orders finished (delivered/cancelled) before `before`
            # -> ANONYMOUS; return how many rows changed.

    register_provider("orders", _OrderData())

The providers live in each package's personal_data.py (models/core/, models/shop/,
models/adoption/) and the consents' below; importing `models.tables` registers them all.

Checkout and adoption call `handlers.account.privacy.ensure_consent` before asking for an
address; the consent itself is `record_consent` / `has_consent` below. Bumping
NOTICE_VERSION asks everyone again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import UniqueConstraint, delete, update
from sqlmodel import Field, Session, SQLModel, col, select

from models.catalog.places import Country
from models.core.base import insert_ignoring_conflicts, telegram_id_column, utcnow
from models.core.user import User
from models.reporting.export import safe_cell

NOTICE_VERSION = 1  # bump when the notice changes: every user is asked to agree again
ANONYMOUS = "[erased]"  # what replaces an erased name, phone number, address or message
ANONYMOUS_ID = 0  # what replaces an erased link to a Telegram user in a non-nullable column
PERSONAL_MARK = "[personal data]"


class Seen(StrEnum):
    """A piece of personal data one audience may see on its screens."""

    DISPLAY_NAME = "display_name"  # the Telegram first and last name
    TREE_NICKNAME = "tree_nickname"
    ORDER_NOTE = "order_note"  # the buyer's note at checkout: it is for the farmer
    CERTIFICATE_NAME = "certificate_name"  # also a gift's recipient
    ADDRESS = "address"
    PHONE = "phone"


# Who sees what: the farmer screens build their views from these fields only (models/adoption/
# farmers.py, models/shop/packing.py), and the privacy notice lists them, so the two agree.
FARMER_SEES = (Seen.DISPLAY_NAME, Seen.TREE_NICKNAME, Seen.ORDER_NOTE)
POST_OFFICE_SEES = (Seen.DISPLAY_NAME, Seen.CERTIFICATE_NAME, Seen.ADDRESS, Seen.PHONE)


def is_erased(value: str | None) -> bool:
    """Whether a stored name (or address, phone) has been erased or its person is gone."""
    return value is None or not value.strip() or value == ANONYMOUS


class ConsentKind(StrEnum):
    """What the user agreed to."""

    NOTICE = "notice"  # the privacy notice: collecting and using their data
    CROSS_BORDER = "cross_border"  # PIPL Art. 39: their data leaves the country it is kept in


class Consent(SQLModel, table=True):
    """One consent given by one user to one version of the notice."""

    __table_args__ = (UniqueConstraint("user_id", "kind", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=telegram_id_column(index=True, nullable=False))
    kind: str = Field(max_length=20)
    version: int
    given_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None


class ErasureRequest(SQLModel, table=True):
    """A deletion that had to keep something open; finished by the daily retention job."""

    user_id: int = Field(sa_column=telegram_id_column(primary_key=True, autoincrement=False))
    requested_at: datetime = Field(default_factory=utcnow)
    kept: str = Field(default="", max_length=300)


# --- consent ----------------------------------------------------------------------------------


def record_consent(
    *, session: Session, user_id: int, kind: ConsentKind, version: int | None = None
) -> Consent:
    """Stores the user's consent (with its time and the notice version); safe to repeat."""
    version = version or NOTICE_VERSION
    now = utcnow()
    key = {"user_id": user_id, "kind": str(kind), "version": version}
    # one row per (user, kind, version), so two taps at once store one consent
    if not insert_ignoring_conflicts(session, Consent, {**key, "given_at": now}):
        session.exec(
            update(Consent)
            .where(*(getattr(Consent, k) == v for k, v in key.items()))
            .where(col(Consent.withdrawn_at).is_not(None))
            .values(given_at=now, withdrawn_at=None)
        )
    statement = select(Consent).where(*(getattr(Consent, k) == v for k, v in key.items()))
    return session.exec(statement.execution_options(populate_existing=True)).one()


def has_consent(
    *, session: Session, user_id: int, kind: ConsentKind, version: int | None = None
) -> bool:
    """Tells whether the user has agreed to this version for this kind, and not withdrawn."""
    version = version or NOTICE_VERSION
    statement = (
        select(Consent.id)
        .where(Consent.user_id == user_id, Consent.kind == kind, Consent.version == version)
        .where(col(Consent.withdrawn_at).is_(None))
    )
    return session.exec(statement.limit(1)).first() is not None


def missing_consents(
    *, session: Session, user_id: int, cross_border: bool, version: int | None = None
) -> list[ConsentKind]:
    """The consents still needed before an address may be stored, notice first."""
    needed = [ConsentKind.NOTICE] + ([ConsentKind.CROSS_BORDER] if cross_border else [])
    return [
        kind
        for kind in needed
        if not has_consent(session=session, user_id=user_id, kind=kind, version=version)
    ]


def withdraw_consents(*, session: Session, user_id: int) -> int:
    """Withdraws every consent the user has given; returns how many."""
    result = session.exec(
        update(Consent)
        .where(col(Consent.user_id) == user_id)
        .where(col(Consent.withdrawn_at).is_(None))
        .values(withdrawn_at=utcnow())
    )
    return int(result.rowcount)


@dataclass(frozen=True)
class DataPath:
    """Where one delivery's personal data really goes.

    It is kept where the post office processes it (`kept_in`, the DATA_COUNTRY setting). What
    the farmers see (FARMER_SEES) goes to the countries of the villages that sell, and the
    parcel's recipient, phone number and address go to the post of the destination's country.
    The buyer's country is taken to be the destination's: the recipient's phone must be a
    number of that country (checkout and adoption check it), and the language someone reads
    says nothing about where their data goes. Crossing the border means any of these differs
    from `kept_in`.
    """

    kept_in: str
    destination: str | None = None
    villages: frozenset[str] = frozenset()

    @property
    def abroad_destination(self) -> str | None:
        """The destination's country, when the parcel's details leave `kept_in` for it."""
        return self.destination if self.destination and self.destination != self.kept_in else None

    @property
    def abroad_villages(self) -> tuple[str, ...]:
        """The selling villages' countries the farmers' view goes to, other than `kept_in`."""
        return tuple(sorted(country for country in self.villages if country != self.kept_in))

    @property
    def crosses_border(self) -> bool:
        """Whether any of the data leaves the country it is kept in."""
        return bool(self.abroad_destination or self.abroad_villages)

    @property
    def code(self) -> str:
        """One letter for a button: "0" stays, "d" the parcel's details go abroad, "v" the
        farmers' view goes abroad, "b" both."""
        abroad = (bool(self.abroad_destination), bool(self.abroad_villages))
        return {(False, False): "0", (True, False): "d", (False, True): "v"}.get(abroad, "b")

    @classmethod
    def from_code(cls, code: str, kept_in: str) -> DataPath | None:
        """The path a button's letter stands for (between the two countries the post office
        serves); None for "1", the letter of screens made before paths were known."""
        if code not in ("0", "d", "v", "b"):
            return None
        other = next((c for c in Country if c != kept_in), kept_in)
        destination = other if code in ("d", "b") else kept_in
        villages = frozenset({other if code in ("v", "b") else kept_in})
        return cls(kept_in, destination, villages)


def is_cross_border(*, kept_in: str, destination: str | None, villages: Iterable[str] = ()) -> bool:
    """Whether a delivery's personal data leaves the country the post office keeps it in:
    shipped to another country, or sold by a village in another country (see DataPath)."""
    return DataPath(kept_in, destination, frozenset(villages)).crosses_border


# --- the providers ----------------------------------------------------------------------------


class PersonalData(Protocol):
    """What a table module tells the privacy machinery about the personal data it holds."""

    def export(self, session: Session, user_id: int) -> Any:
        """Everything stored about the user, JSON-ready (dicts, lists, str, numbers)."""

    def erase(self, session: Session, user_id: int) -> list[str]:
        """Erases the user's data; returns problem codes for what must be kept for now."""

    def purge_finished(self, session: Session, before: datetime) -> int:
        """Erases addresses and phone numbers of things finished before `before`."""


PROVIDERS: dict[str, PersonalData] = {}
# The order providers run in, whichever module is imported first: /mydata lists their data in
# it, and the erasure reports what it kept in it. Providers not named here come after, as added.
ORDER = (
    "profile",
    "orders",
    "roles",
    "consents",
    "dialogues",
    "notifications",
    "payments",
    "adoptions",
)


def register_provider(name: str, provider: PersonalData) -> None:
    """Adds a table module's provider (called once, at import, by that module)."""
    PROVIDERS[name] = provider
    rank = {key: ORDER.index(key) if key in ORDER else len(ORDER) for key in PROVIDERS}
    ordered = sorted(PROVIDERS.items(), key=lambda item: rank[item[0]])
    PROVIDERS.clear()
    PROVIDERS.update(ordered)


def providers() -> dict[str, PersonalData]:
    """Every provider, once every table module (each registering its own) is imported."""
    import models.tables  # noqa: F401

    return PROVIDERS


def row_dict(row: SQLModel, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """A row as a JSON-ready dict (datetimes as ISO text)."""
    data = row.model_dump(exclude=set(exclude))
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


def _blank_profile(session: Session, user_id: int) -> None:
    """Erases the names but keeps the row, so open orders' messages still reach the user."""
    session.exec(
        update(User)
        .where(col(User.id) == user_id)
        .values(first_name=ANONYMOUS, last_name=None, username=None, language_code=None)
    )


class _Consents:
    """The consents the user gave."""

    def export(self, session: Session, user_id: int) -> Any:
        rows = session.exec(
            select(Consent).where(Consent.user_id == user_id).order_by(col(Consent.id))
        )
        return [row_dict(row, exclude={"user_id"}) for row in rows]

    def erase(self, session: Session, user_id: int) -> list[str]:
        session.exec(delete(Consent).where(col(Consent.user_id) == user_id))
        return []

    def purge_finished(self, session: Session, before: datetime) -> int:
        return 0


register_provider("consents", _Consents())


# --- what the handlers and the retention job call ----------------------------------------------


def export_user_data(*, session: Session, user_id: int) -> dict[str, Any]:
    """Everything stored about the user, from every provider, for /mydata."""
    return {
        "user_id": user_id,
        "exported_at": utcnow().isoformat(),
        "notice_version": NOTICE_VERSION,
        **{name: provider.export(session, user_id) for name, provider in providers().items()},
    }


def erase_user_data(*, session: Session, user_id: int) -> list[str]:
    """Erases the user's personal data everywhere; returns what had to be kept for now."""
    problems: list[str] = []
    for name, provider in providers().items():
        if name != "profile":
            problems += [p for p in provider.erase(session, user_id) if p not in problems]
    if problems:
        _blank_profile(session, user_id)
        kept = ",".join(problems)[:300]
        values = {"user_id": user_id, "requested_at": utcnow(), "kept": kept}
        if not insert_ignoring_conflicts(session, ErasureRequest, values):
            session.exec(
                update(ErasureRequest)
                .where(col(ErasureRequest.user_id) == user_id)
                .values(kept=kept)
            )
    else:
        PROVIDERS["profile"].erase(session, user_id)
        session.exec(delete(ErasureRequest).where(col(ErasureRequest.user_id) == user_id))
    return problems


def pending_erasures(*, session: Session) -> list[int]:
    """Users whose erasure is waiting for open things to finish."""
    return list(session.exec(select(ErasureRequest.user_id)))


def purge_expired(*, session: Session, before: datetime) -> dict[str, int]:
    """Retention: erases what finished before `before`, and retries pending erasures."""
    counts = {name: p.purge_finished(session, before) for name, p in providers().items()}
    done = 0
    for user_id in pending_erasures(session=session):
        done += not erase_user_data(session=session, user_id=user_id)
    counts["erasures_completed"] = done
    return counts


def personal_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV export whose header row says that it holds personal data (UTF-8 with BOM).

    Cells are kept from running as formulas, as in every other export.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{PERSONAL_MARK} {header[0]}", *header[1:]])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
