"""The orchard page's data: each village's trees on its map (the trees' rows and columns), free
or taken, with their cards and this season's counters.

"Adopt" on the page only opens the tree's card in the chat (the `/start tree_<CODE>` deep link),
so consent, address and payment stay in the chat's one well-tested dialogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session
from telegram.helpers import create_deep_linked_url

from bot.i18n import Translator
from bot.webapp.photos import photo_url
from bot.webapp.shop import unbroken
from models.adoption.browse import OrchardTree, orchard_map
from models.catalog.places import localized
from models.catalog.trees import Species, Tree, current_season
from models.reporting.stats import boxes_sold

UNPLACED_PER_ROW = 6  # trees without a cell are drawn after the placed ones, six to a row


def cells(trees: Sequence[OrchardTree]) -> list[tuple[int, int]]:
    """Each tree's (row, column) on its village's map: its own cell, or a free one after them."""
    placed = {
        (item.tree.grid_row, item.tree.grid_col)
        for item in trees
        if item.tree.grid_row is not None and item.tree.grid_col is not None
    }
    row = max((r for r, _ in placed), default=0) + 1
    column = 0
    result = []
    for item in trees:
        tree = item.tree
        if tree.grid_row is not None and tree.grid_col is not None:
            result.append((tree.grid_row, tree.grid_col))
            continue
        column += 1
        if column > UNPLACED_PER_ROW:
            row, column = row + 1, 1
        result.append((row, column))
    return result


def variety(tr: Translator, tree: Tree) -> str | None:
    """The card's variety line, or None for a tree without one (the page then hides it)."""
    name = localized(tree, "variety", tr.language)
    return tr._("Variety: {variety}").format(variety=name) if name else None


def tree_json(
    tr: Translator, item: OrchardTree, lak_per_cny: float, username: str
) -> dict[str, Any]:
    """One tile and its card."""
    tree, lang = item.tree, tr.language
    return {
        "code": tree.code,
        "label": tree.code.rsplit("-", 1)[-1].lstrip("0") or "0",
        "kind": item.species.slug,
        "free": item.free,
        "title": tr.then(localized(item.species, "name", lang), tree.code),
        "variety": variety(tr, tree),
        "planted": tr._("Planted in {year}").format(year=tree.year_planted),
        "share": tr._("Your share: at least {kg} kg of its harvest").format(
            kg=tr.number(tree.harvest_kg)
        ),
        "price": unbroken(tr.price(tree.price_fen, lak_per_cny, item.village.currency)),
        "photo": photo_url("tree", tree.code, tree.photo),
        "link": create_deep_linked_url(username, f"tree_{tree.code}") if item.free else None,
    }


def counters(tr: Translator, trees: Sequence[OrchardTree], boxes: int) -> list[str]:
    """This season's lines under a village's name: trees adopted of all, boxes sold."""
    total = len(trees)
    adopted = sum(1 for item in trees if not item.free)
    return [
        tr.ngettext(
            "{adopted} of {total} tree adopted this season",
            "{adopted} of {total} trees adopted this season",
            total,
        ).format(adopted=adopted, total=total),
        tr.ngettext(
            "{count} box of produce sold this season",
            "{count} boxes of produce sold this season",
            boxes,
        ).format(count=tr.number(boxes)),
    ]


def village_json(
    tr: Translator, trees: list[OrchardTree], boxes: int, lak_per_cny: float, username: str
) -> dict[str, Any]:
    """One village's map: its trees with their cells, its size, its counters."""
    tiles = []
    for item, (row, column) in zip(trees, cells(trees), strict=True):
        tiles.append({**tree_json(tr, item, lak_per_cny, username), "row": row, "col": column})
    tiles.sort(key=lambda t: (t["row"], t["col"]))  # reading order: row by row
    return {
        "heading": localized(trees[0].village, "name", tr.language),
        "counters": counters(tr, trees, boxes),
        "rows": max(t["row"] for t in tiles),
        "cols": max(t["col"] for t in tiles),
        "trees": tiles,
    }


def orchard_state(
    *, session: Session, tr: Translator, lak_per_cny: float, username: str
) -> dict[str, Any]:
    """The villages' maps with this season's counters, and the kinds to filter by."""
    by_village: dict[int, list[OrchardTree]] = {}
    species: dict[int, Species] = {}
    for item in orchard_map(session=session):
        by_village.setdefault(item.tree.village_id, []).append(item)
        species.setdefault(item.tree.species_id, item.species)
    kinds = {s.slug: localized(s, "name", tr.language) for _, s in sorted(species.items())}
    sold = boxes_sold(session=session, season=current_season())
    return {
        "villages": [
            village_json(tr, trees, sold.get(village, 0), lak_per_cny, username)
            for village, trees in by_village.items()
        ],
        "kinds": [{"slug": slug, "name": name} for slug, name in kinds.items()],
    }
