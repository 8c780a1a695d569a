#!/usr/bin/env python3
"""Fills the zh / lo / en catalogs from a JSON file of translations, and merges catalogs.

  python scripts/translations.py fill FILE.json   # {"msgid": {"zh": "...", "lo": "..."}, ...}
  python scripts/translations.py merge OURS.po THEIRS.po OUT.po   # union of two versions

Keys may carry a context as "context|msgid"; plural entries take lists. English entries default
to the msgid. Run `make update` first so the msgids exist in every catalog.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def _write(catalog: object, path: Path) -> None:
    """Writes a catalog the way `make update` does (no wrapping), so diffs stay small."""
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_by_file=True, ignore_obsolete=True)  # type: ignore[arg-type]


def fill(source: Path) -> None:
    """Copies the translations in `source` into each language's catalog."""
    wanted = json.loads(source.read_text(encoding="utf-8"))
    for language in ("zh", "lo", "en"):
        path = LOCALES / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            key = f"{message.context}|{msgid}" if message.context else msgid
            entry = wanted.get(key)
            text = entry.get(language) if entry else None
            if text is None and language == "en":
                text = list(message.id) if isinstance(message.id, tuple) else message.id
            if text is None:
                continue
            message.string = tuple(text) if isinstance(text, list) else text
            message.flags.discard("fuzzy")
        catalog.fuzzy = False
        _write(catalog, path)


def merge(ours: Path, theirs: Path, out: Path) -> None:
    """Writes the union of two versions of one catalog; ours wins where both translate."""
    with ours.open("rb") as handle:
        merged = read_po(handle)
    with theirs.open("rb") as handle:
        other = read_po(handle)
    for message in other:
        if message.id and (message.id, message.context) not in {
            (m.id, m.context) for m in merged if m.string
        }:
            merged[message.id] = message
    _write(merged, out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["fill"]:
        fill(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["merge"]:
        merge(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        sys.exit(__doc__)
