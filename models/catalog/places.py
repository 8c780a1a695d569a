"""Villages and their farmers: the places and people the catalog's trees and produce come from."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import event
from sqlmodel import Field, Session, SQLModel, col, select

from models.core.base import telegram_id_column
from models.core.money import check_currency

CATALOG_LANGUAGES = ("zh", "lo", "en")


class Country(StrEnum):
    """Countries the village post office delivers to (ISO 3166 codes)."""

    CN = "CN"
    LA = "LA"


def localized(row: Any, attribute: str, language: str) -> str:
    """Returns `row.<attribute>_<language>`, falling back to English, then Chinese."""
    for lang in (language, "en", "zh", "lo"):
        value = getattr(row, f"{attribute}_{lang}", None)
        if value:
            return str(value)
    return ""


class Village(SQLModel, table=True):
    """A village whose trees and produce are sold; its collective gets a share of the profit.

    Its products' and trees' prices are in minor units of `currency` (models.core.money)."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=40)
    country: str = Field(max_length=2)
    name_zh: str = Field(max_length=80)
    name_lo: str = Field(max_length=80)
    name_en: str = Field(max_length=80)
    region_zh: str = Field(default="", max_length=160)
    region_lo: str = Field(default="", max_length=160)
    region_en: str = Field(default="", max_length=160)
    collective_share_pct: int = Field(default=0, ge=0, le=100)
    # SBD-7KQ3-XM9A; None: derived from the slug by the first order or import (village_prefix)
    order_prefix: str | None = Field(default=None, max_length=6)
    # CN: CNY; LA: LAK (or CNY, as villages loaded before kip prices were kept); left empty,
    # the country's own is filled in when the row is inserted
    currency: str = Field(default="", max_length=3)


def derive_prefix(slug: str, taken: Iterable[str]) -> str:
    """An order-number prefix from a village's slug: its first three letters, capitalised
    (`phonsavang` → PHO), else the first two with a later letter of the slug, else with any
    letter, so that no two villages share one."""
    used = set(taken)
    letters = [ch for ch in slug.upper() if "A" <= ch <= "Z"] or list("VIL")
    letters += list("VIL")[: max(0, 3 - len(letters))]
    alphabet = [chr(code) for code in range(ord("A"), ord("Z") + 1)]
    candidates = [
        "".join(letters[:3]),
        *("".join(letters[:2]) + ch for ch in letters[3:]),
        *("".join(letters[:3]) + ch for ch in alphabet),
        *("".join(letters[:3]) + a + b for a in alphabet for b in alphabet),
    ]
    return next(prefix for prefix in candidates if prefix not in used)


def village_prefix(*, session: Session, village: Village) -> str:
    """The village's order-number prefix; a village without one gets one derived from its
    slug, kept from then on."""
    if village.order_prefix:
        return village.order_prefix
    taken = session.exec(
        select(Village.order_prefix).where(
            col(Village.order_prefix).is_not(None), col(Village.id) != village.id
        )
    ).all()
    village.order_prefix = derive_prefix(village.slug, (p for p in taken if p))
    session.add(village)
    return village.order_prefix


@event.listens_for(Village, "before_insert")
def _currency_from_country(_mapper: Any, _connection: Any, village: Village) -> None:
    """A village's currency is its country's unless it says otherwise (and may say so)."""
    village.currency = check_currency(village.country, village.currency or None)


class Farmer(SQLModel, table=True):
    """A villager who grows trees or produce; may be bound to a Telegram account."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    village_id: int = Field(foreign_key="village.id", index=True)
    name_zh: str = Field(max_length=80)
    name_lo: str = Field(default="", max_length=80)
    name_en: str = Field(default="", max_length=80)
    telegram_id: int | None = Field(
        default=None, sa_column=telegram_id_column(nullable=True, unique=True)
    )


def village_countries(*, session: Session, village_ids: Iterable[int]) -> frozenset[str]:
    """The countries these villages are in."""
    ids = list(village_ids)
    if not ids:
        return frozenset()
    return frozenset(session.exec(select(Village.country).where(col(Village.id).in_(ids))))


def list_villages(*, session: Session) -> list[Village]:
    """Every village, in a stable order."""
    return list(session.exec(select(Village).order_by(col(Village.id))))


def village_currencies(*, session: Session) -> dict[int, str]:
    """Each village's currency, by village id (what its products' and trees' prices are in)."""
    rows = session.exec(select(Village.id, Village.currency)).all()
    return {village_id: currency for village_id, currency in rows if village_id is not None}


def has_catalog(*, session: Session) -> bool:
    """Tells whether any village has been loaded yet."""
    return session.exec(select(Village.id).limit(1)).first() is not None
