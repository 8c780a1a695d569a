"""The orchard page's data: each village's trees on a grid, free or taken, with their cards.

"Adopt" on the page only opens the tree's card in the chat (the `/start tree_<CODE>` deep link),
so consent, address and payment stay in the chat's one well-tested dialogue.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from telegram.helpers import create_deep_linked_url

from bot.i18n import Translator
from models.adoption.browse import OrchardTree, orchard_map
from models.catalog.pictures import sample_picture_path
from models.catalog.places import localized


def tree_json(
    tr: Translator, item: OrchardTree, lak_per_cny: float, username: str
) -> dict[str, Any]:
    """One tile and its card."""
    tree, lang = item.tree, tr.language
    path = sample_picture_path(tree.photo or "")
    return {
        "code": tree.code,
        "label": tree.code.rsplit("-", 1)[-1].lstrip("0") or "0",
        "kind": item.species.slug,
        "free": item.free,
        "title": tr.then(localized(item.species, "name", lang), tree.code),
        "planted": tr._("Planted in {year}").format(year=tree.year_planted),
        "share": tr._("Your share: at least {kg} kg of its harvest").format(
            kg=tr.number(tree.harvest_kg)
        ),
        "price": tr.price(tree.price_fen, lak_per_cny, item.village.currency),
        "photo": f"pictures/{path.name}" if path is not None else None,
        "link": create_deep_linked_url(username, f"tree_{tree.code}") if item.free else None,
    }


def orchard_state(
    *, session: Session, tr: Translator, lak_per_cny: float, username: str
) -> dict[str, Any]:
    """The villages' trees with this season's counters, and the kinds to filter by."""
    villages: list[dict[str, Any]] = []
    kinds: dict[str, str] = {}
    for item in orchard_map(session=session):
        name = localized(item.village, "name", tr.language)
        if not villages or villages[-1]["heading"] != name:
            villages.append({"heading": name, "trees": []})
        villages[-1]["trees"].append(tree_json(tr, item, lak_per_cny, username))
        kinds.setdefault(item.species.slug, localized(item.species, "name", tr.language))
    for village in villages:
        total = len(village["trees"])
        adopted = sum(1 for t in village["trees"] if not t["free"])
        village["counter"] = tr.ngettext(
            "{adopted} of {total} tree adopted this season",
            "{adopted} of {total} trees adopted this season",
            total,
        ).format(adopted=adopted, total=total)
    return {
        "villages": villages,
        "kinds": [{"slug": slug, "name": name} for slug, name in kinds.items()],
    }
