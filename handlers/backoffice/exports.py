"""What the CSV exports call their columns and values, in the operator's language."""

from __future__ import annotations

from bot.i18n import Translator
from handlers.adoption.my_trees import status_label as adoption_status
from handlers.shop.orders import STATUS as ORDER_STATUS
from models.reporting.export import Labels
from models.shop.carriers import carrier_name


def column_names(tr: Translator) -> dict[str, str]:
    """Every export column's header, by its code."""
    return {
        "number": tr.pgettext("csv column", "Order number"),
        "status": tr.pgettext("csv column", "Status"),
        "created_utc": tr.pgettext("csv column", "Created (UTC)"),
        "country": tr.pgettext("csv column", "Country"),
        "buyer_id": tr.pgettext("csv column", "Buyer ID"),
        "buyer_name": tr.pgettext("csv column", "Buyer name"),
        "phone": tr.pgettext("csv column", "Phone"),
        "address": tr.pgettext("csv column", "Address"),
        "note": tr.pgettext("csv column", "Note"),
        "items": tr.pgettext("csv column", "Items"),
        "currency": tr.pgettext("csv column", "Currency"),
        "subtotal": tr.pgettext("csv column", "Subtotal"),
        "shipping": tr.pgettext("csv column", "Shipping"),
        "total": tr.pgettext("csv column", "Total"),
        "carrier": tr.pgettext("csv column", "Carrier"),
        "tracking_number": tr.pgettext("csv column", "Tracking number"),
        "certificate_no": tr.pgettext("csv column", "Certificate no."),
        "season": tr.pgettext("csv column", "Season"),
        "tree": tr.pgettext("csv column", "Tree"),
        "paid_utc": tr.pgettext("csv column", "Paid (UTC)"),
        "adopter_id": tr.pgettext("csv column", "Adopter ID"),
        "adopter_name": tr.pgettext("csv column", "Adopter name"),
        "certificate_name": tr.pgettext("csv column", "Name on the certificate"),
        "nickname": tr.pgettext("csv column", "Nickname"),
        "gift_recipient": tr.pgettext("csv column", "Gift recipient"),
        "gift_message": tr.pgettext("csv column", "Gift message"),
        "amount": tr.pgettext("csv column", "Amount"),
    }


def order_status(tr: Translator, status: str) -> str:
    """An order's status in words, without its icon."""
    known = {s.value: name for s, (_, name) in ORDER_STATUS.items()}
    return tr._(known[status]) if status in known else status


def export_labels(tr: Translator, kind: str) -> Labels:
    """The labels of one export ("orders", "adoptions") in this language."""
    names = column_names(tr)

    def personal(name: str) -> str:
        return tr._("{column} (personal data)").format(column=name)

    def status(value: str) -> str:
        if kind == "orders":
            return order_status(tr, value)
        return adoption_status(tr, value)

    return Labels(
        column=lambda code: names.get(code, code),
        personal=personal,
        status=status,
        carrier=lambda stored: carrier_name(stored, tr.language),
    )
