"""Shortcuts for adoption back-office tests: paid adoptions of sample trees."""

from __future__ import annotations

from sqlmodel import select

from bot.db import Database
from models.adoption.adoptions import Adoption, reserve_tree, start_draft, update_draft
from models.catalog.trees import Tree
from models.core.payments import PaymentMethod, confirm_offline_payment, open_payment
from tests.conftest import ADMIN_ID

LAO_ADDRESS = ("ບ້ານໂພນໄຊ, ເມືອງໄຊເສດຖາ, ນະຄອນຫຼວງວຽງຈັນ", "+8562055551234")


def tree_id(db: Database, code: str) -> int:
    """The id of a sample tree."""
    with db.session() as session:
        found = session.exec(select(Tree.id).where(Tree.code == code)).one()
    assert found is not None
    return found


def paid_adoption(
    db: Database, user_id: int, code: str, nickname: str = "", gift_to: str = ""
) -> Adoption:
    """Adopts a tree for `user_id` (who must have an account) and confirms the payment."""
    assert db.call(
        start_draft, user_id=user_id, tree_id=tree_id(db, code), certificate_name=f"Cert {user_id}"
    )
    address, phone = LAO_ADDRESS
    db.call(
        update_draft,
        user_id=user_id,
        nickname=nickname,
        gift=bool(gift_to),
        gift_recipient=gift_to,
        country="LA",
        address=address,
        phone=phone,
    )
    adoption = db.call(reserve_tree, user_id=user_id, minutes=15).adoption
    assert adoption is not None
    payment = db.call(
        open_payment,
        kind="adoption",
        target_id=adoption.id,
        user_id=user_id,
        method=PaymentMethod.OFFLINE,
    )
    db.call(confirm_offline_payment, reference=payment.reference, operator_id=ADMIN_ID)
    return adoption_row(db, adoption.id)


def adoption_row(db: Database, adoption_id: int | None) -> Adoption:
    """The adoption as stored now."""
    with db.session() as session:
        return session.get_one(Adoption, adoption_id)
