"""One term per concept: every catalog's translations use the terms of locales/glossary/<lang>.txt
and none of the variants it forbids (issue 15: 果树 for tea trees, 个字 / 个字符, ສັ່ງຊື້ / ອໍເດີ …)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "locales" / "glossary"
# A glossary whose catalog is not fixed yet goes here ({language: why}); strict xfail says when
# it passes so that the entry is removed.
PENDING: dict[str, str] = {}


@dataclass(frozen=True)
class Concept:
    """One glossary line: the term to use and the variants that must not appear."""

    name: str
    term: str | None
    forbidden: tuple[re.Pattern[str], ...]


def variant(text: str) -> re.Pattern[str]:
    """A forbidden variant: /regex/ or plain text."""
    if len(text) > 2 and text.startswith("/") and text.endswith("/"):
        return re.compile(text[1:-1])
    return re.compile(re.escape(text))


def read_glossary(path: Path) -> list[Concept]:
    """The concepts of one language's glossary file."""
    concepts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [field.strip() for field in line.split(" | ")]
        assert len(fields) == 3 and all(fields), f"{path.name}:{number}: concept | term | variants"
        name, term, variants = fields
        forbidden = tuple(variant(v) for v in re.split(r"\s+;\s+", variants) if v)
        concepts.append(Concept(name, None if term == "-" else term, forbidden))
    return concepts


def translations(language: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) of every translated entry, one pair per plural form."""
    path = ROOT / "locales" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(msgid, text) for text in strings if text]
    return pairs


def problems(language: str) -> list[str]:
    """Every forbidden variant found, and every term that no translation uses."""
    found = []
    pairs = translations(language)
    for concept in read_glossary(GLOSSARY / f"{language}.txt"):
        for msgid, text in pairs:
            for pattern in concept.forbidden:
                hit = pattern.search(text)
                if hit:
                    where = f"{text!r} (msgid {msgid[:40]!r})"
                    found.append(f"{language}: {concept.name}: {hit.group()!r} in {where}")
        if concept.term and not any(concept.term in text for _, text in pairs):
            found.append(f"{language}: {concept.name}: the term {concept.term!r} is used nowhere")
    return found


def languages() -> list[object]:
    """One test per glossary file; the pending ones are expected to fail."""
    params: list[object] = []
    for path in sorted(GLOSSARY.glob("*.txt")):
        reason = PENDING.get(path.stem)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(path.stem, marks=marks, id=path.stem))
    return params


def test_every_catalog_has_a_glossary() -> None:
    catalogs = {p.parent.parent.name for p in (ROOT / "locales").glob("*/LC_MESSAGES/messages.po")}
    assert catalogs <= {p.stem for p in GLOSSARY.glob("*.txt")}


@pytest.mark.parametrize("language", languages())
def test_one_term_per_concept(language: str) -> None:
    found = problems(language)
    assert not found, "\n".join(found)


def test_a_forbidden_variant_is_found() -> None:
    """The check itself: a catalog line with a variant is reported, a clean one is not."""
    concept = read_glossary(GLOSSARY / "lo.txt")[0]
    assert concept.term == "ອໍເດີ"
    assert any(p.search("ຢືນຢັນການສັ່ງຊື້") for p in concept.forbidden)
    assert not any(p.search("ຢືນຢັນອໍເດີ") for p in concept.forbidden)
    available = next(c for c in read_glossary(GLOSSARY / "lo.txt") if c.term == "ຫວ່າງ")
    assert any(p.search("ຍັງວ່າງຢູ່") for p in available.forbidden)
    assert not any(p.search("ຍັງຫວ່າງຢູ່ ລະຫວ່າງ") for p in available.forbidden)
