"""The readable side of /mydata: what the JSON file holds, said in the user's language."""

from __future__ import annotations

from typing import Any

from bot.i18n import Translator
from handlers.kit.common import esc
from models.privacy import ANONYMOUS as ERASED


def _values(rows: list[dict[str, Any]], key: str) -> list[str]:
    """The distinct, non-empty, not erased values of `key` in `rows`, oldest first."""
    found: list[str] = []
    for row in rows:
        value = str(row.get(key) or "").strip()
        if value and value != ERASED and value not in found:
            found.append(value)
    return found


def _consent_names(tr: Translator) -> dict[str, str]:
    """The consent kinds as the user reads them."""
    return {
        "notice": tr._("Privacy notice"),
        "cross_border": tr._("sending data between China and Laos"),
    }


def summary(tr: Translator, data: dict[str, Any]) -> str:
    """A short, readable list of what is stored about the user."""
    profile = data.get("profile") or {}
    orders = (data.get("orders") or {}).get("orders") or []
    adoptions = (data.get("adoptions") or {}).get("adoptions") or []
    deliveries = [*orders, *adoptions]
    names = " ".join(
        n for n in (profile.get("first_name"), profile.get("last_name")) if n and n != ERASED
    )
    given = [c for c in data.get("consents") or [] if not c.get("withdrawn_at")]
    consent_names = _consent_names(tr)
    lines = [
        "<b>" + tr._("What we store about you") + "</b>",
        "• " + tr._("Name from Telegram: {name}").format(name=esc(names or "—")),
        "• "
        + tr.ngettext("{count} order", "{count} orders", len(orders)).format(count=len(orders)),
        "• "
        + tr.ngettext("{count} tree adoption", "{count} tree adoptions", len(adoptions)).format(
            count=len(adoptions)
        ),
    ]
    for phone in _values(deliveries, "phone"):
        lines.append("• " + tr._("Phone: {value}").format(value=esc(phone)))
    for address in _values(deliveries, "address"):
        lines.append("• " + tr._("Address: {value}").format(value=esc(address)))
    agreed = ", ".join(consent_names.get(str(c.get("kind")), str(c.get("kind"))) for c in given)
    lines.append("• " + tr._("You agreed to: {what}").format(what=esc(agreed or "—")))
    lines.append("")
    lines.append(tr._("The file below holds all of it. /deletemydata deletes it."))
    return "\n".join(lines)
