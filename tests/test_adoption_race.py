"""One tree, one adopter per season: the reservation race, expiry and renewal in the domain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from bot.db import Database
from models.adoption.adoptions import (
    Adoption,
    AdoptionDraft,
    AdoptionStatus,
    expire_reservations,
    renew_adoption,
    reserve_tree,
    start_draft,
    update_draft,
)
from models.adoption.browse import list_free_trees, tree_card
from models.catalog.trees import Tree, season_end
from models.core.base import utcnow
from models.core.contact import clean_address, normalize_phone
from models.core.outbox import Notification


def tree_id(db: Database, code: str = "PEACH-0007") -> int:
    """The id of a sample tree."""
    with db.session() as session:
        found = session.exec(select(Tree.id).where(Tree.code == code)).one()
    assert found is not None
    return found


def draft(db: Database, user_id: int, tree: int) -> None:
    """A complete draft, as the dialogue leaves it before Confirm."""
    assert db.call(start_draft, user_id=user_id, tree_id=tree, certificate_name=f"u{user_id}")
    db.call(
        update_draft,
        user_id=user_id,
        country="CN",
        address="湖南省长沙市岳麓区 1 号",
        phone="+8613812345678",
    )


def test_fifty_simultaneous_confirmations_one_adopter(db: Database) -> None:
    tree = tree_id(db)
    users = range(2000, 2050)
    for user_id in users:
        draft(db, user_id, tree)
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda u: db.call(reserve_tree, user_id=u, minutes=15), users))
    winners = [r for r in results if r.adoption is not None]
    assert len(winners) == 1
    assert sorted({r.reason for r in results}) == ["ok", "taken"]
    with db.session() as session:
        rows = session.exec(select(Adoption).where(Adoption.tree_id == tree)).all()
        drafts_left = len(session.exec(select(AdoptionDraft)).all())
    assert [(r.user_id, r.status) for r in rows] == [
        (winners[0].adoption.user_id, AdoptionStatus.RESERVED)  # type: ignore[union-attr]
    ]
    assert drafts_left == 49  # the losers keep their answers for a similar tree
    assert db.call(tree_card, tree_id=tree).available is False  # type: ignore[union-attr]


def test_unpaid_reservation_expires_and_tree_returns(db: Database) -> None:
    tree = tree_id(db)
    draft(db, 3001, tree)
    reservation = db.call(reserve_tree, user_id=3001, minutes=15)
    assert reservation.adoption is not None
    peaches, _ = db.call(list_free_trees, species_id=1, limit=100)
    assert tree not in [t.id for t in peaches]
    with db.session() as session:
        session.exec(  # type: ignore[call-overload]
            update(Adoption).values(reserved_until=utcnow() - timedelta(minutes=1))
        )
        session.commit()
    assert db.call(tree_card, tree_id=tree).available is True  # type: ignore[union-attr]
    assert db.call(expire_reservations) == [reservation.adoption.id]
    assert db.call(expire_reservations) == []
    with db.session() as session:
        row = session.get_one(Adoption, reservation.adoption.id)
        kinds = [n.kind for n in session.exec(select(Notification)).all()]
    assert (row.status, row.hold_key) == (AdoptionStatus.EXPIRED, None)
    assert kinds == ["adoption_expired"]
    draft(db, 3002, tree)
    assert db.call(reserve_tree, user_id=3002, minutes=15).adoption is not None


def test_renewal_only_in_window_and_holds_next_season(db: Database) -> None:
    tree = tree_id(db)
    draft(db, 3001, tree)
    adoption = db.call(reserve_tree, user_id=3001, minutes=15).adoption
    assert adoption is not None and adoption.id is not None
    with db.session() as session:
        session.exec(  # type: ignore[call-overload]
            update(Adoption).values(status=AdoptionStatus.ACTIVE)
        )
        session.commit()
    end = season_end(adoption.season)
    early = end - timedelta(days=60)
    inside = end - timedelta(days=10)
    kwargs = {"adoption_id": adoption.id, "minutes": 15}
    assert db.call(renew_adoption, user_id=3001, now=early, **kwargs).reason == "closed"
    assert db.call(renew_adoption, user_id=9999, now=inside, **kwargs).reason == "unavailable"
    renewed = db.call(renew_adoption, user_id=3001, now=inside, **kwargs).adoption
    assert renewed is not None and renewed.season == str(int(adoption.season) + 1)
    assert renewed.certificate_name == "u3001" and renewed.renewed_from_id == adoption.id
    again = db.call(renew_adoption, user_id=3001, now=inside, **kwargs).adoption
    assert again is not None and again.id == renewed.id


def test_phone_and_address_rules() -> None:
    assert normalize_phone("CN", "+86 138-1234-5678") == "+8613812345678"
    assert normalize_phone("CN", "13812345678") == "+8613812345678"
    assert normalize_phone("CN", "1381234567") is None
    assert normalize_phone("CN", "+856 20 5555 1234") is None
    assert normalize_phone("LA", "+856 20 5555 1234") == "+8562055551234"
    assert normalize_phone("LA", "020 5555 1234") == "+8562055551234"
    assert normalize_phone("LA", "030 555 1234") == "+856305551234"
    assert normalize_phone("LA", "13812345678") is None
    assert normalize_phone("LA", "020 5555 12x4") is None
    assert clean_address("  Ban Phonsavang\n Oudomxai ") == "Ban Phonsavang, Oudomxai"
    assert clean_address("abc") is None
    assert clean_address("Street 1\x00") is None
