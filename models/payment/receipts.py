"""What a receipt says: issuer, number, items, shipping, total, method, reference, paid time and
the village collective's share, read from a settled payment (the renderer translates it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from models.adoption.adoptions import Adoption
from models.catalog.places import Village
from models.catalog.trees import Species, Tree
from models.core.payments import Payment, PaymentStatus, get_payment
from models.payment.methods import VillagePaymentMethod
from models.shop.orders import Order, OrderItem


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a receipt: names in each language, how many, the line's amount."""

    names: dict[str, str]
    quantity: int
    amount_fen: int


@dataclass(frozen=True)
class ReceiptFacts:
    """A paid order or adoption, as its receipt shows it."""

    kind: str  # "order" or "adoption"
    number: str  # the order number or the certificate number
    village: Village | None
    payment: Payment
    method: VillagePaymentMethod | None
    lines: list[ReceiptLine] = field(default_factory=list)
    shipping_fen: int = 0
    total_fen: int = 0
    paid_at: datetime | None = None

    @property
    def collective_fen(self) -> int:
        """The village collective's share of the goods (not of the shipping)."""
        share = self.village.collective_share_pct if self.village else 0
        return (self.total_fen - self.shipping_fen) * share // 100


def _names(row: object, attribute: str) -> dict[str, str]:
    """`row.<attribute>_<lang>` for zh, lo and en."""
    return {lang: str(getattr(row, f"{attribute}_{lang}", "") or "") for lang in ("zh", "lo", "en")}


def receipt_facts(
    *, session: Session, reference: str, user_id: int | None = None
) -> ReceiptFacts | None:
    """The receipt of a paid payment (the buyer's own when `user_id` is given), else None."""
    payment = get_payment(session=session, reference=reference)
    if payment is None or payment.status != PaymentStatus.PAID:
        return None
    if user_id is not None and payment.user_id != user_id:
        return None
    method = session.get(VillagePaymentMethod, payment.method_id) if payment.method_id else None
    if payment.kind == "order":
        order = session.get(Order, payment.target_id)
        if order is None:
            return None
        items = session.exec(
            select(OrderItem).where(OrderItem.order_id == order.id).order_by(col(OrderItem.id))
        ).all()
        lines = [ReceiptLine(_names(i, "name"), i.quantity, i.total_fen) for i in items]
        village = session.get(Village, order.village_id) if order.village_id else None
        return ReceiptFacts(
            "order",
            order.number,
            village,
            payment,
            method,
            lines,
            order.shipping_fen,
            payment.amount_fen,
            payment.paid_at,
        )
    if payment.kind == "adoption":
        adoption = session.get(Adoption, payment.target_id)
        if adoption is None:
            return None
        tree = session.get_one(Tree, adoption.tree_id)
        species = session.get_one(Species, tree.species_id)
        names = {
            lang: f"{name} {tree.code} · {adoption.season}"
            for lang, name in _names(species, "name").items()
        }
        return ReceiptFacts(
            "adoption",
            adoption.certificate_no or tree.code,
            session.get(Village, tree.village_id),
            payment,
            method,
            [ReceiptLine(names, 1, payment.amount_fen)],
            0,
            payment.amount_fen,
            payment.paid_at,
        )
    return None


def receipt_reference(*, session: Session, kind: str, target_id: int, user_id: int) -> str | None:
    """The reference of the paid payment of the buyer's own order or adoption, for resending
    its receipt; None if it is someone else's or not paid."""
    return session.exec(
        select(Payment.reference)
        .where(Payment.kind == kind, Payment.target_id == target_id)
        .where(Payment.user_id == user_id, Payment.status == PaymentStatus.PAID)
        .order_by(col(Payment.id).desc())
    ).first()
