"""The translation check: every msgid translated in zh, lo and en, placeholders intact, no fuzzy
entries, Lao in Lao script (not Thai), Chinese in Chinese characters, catalogs up to date."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh", "lo", "en")
THAI = re.compile("[\u0e00-\u0e7f]")
LAO = re.compile("[\u0e80-\u0eff]")
CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def catalog(language: str) -> Catalog:
    """Reads one language's messages.po."""
    with (ROOT / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def placeholders(text: str) -> set[str]:
    """The {named} placeholders of a format string."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def source_msgids() -> set[tuple[str | None, str]]:
    """(context, msgid) of every translatable string in the code."""
    found = set()
    for folder in ("bot", "handlers", "models"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=()
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            found.add((context, msgid))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_well_formed(language: str) -> None:
    problems = []
    messages = catalog(language)
    assert not messages.fuzzy, f"{language}: the catalog header is fuzzy (compile skips it)"
    for message in messages:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        where = f"{language}: {ids[0][:50]!r}"
        if message.fuzzy:
            problems.append(f"{where} is fuzzy")
        if not all(strings):
            problems.append(f"{where} is untranslated")
            continue
        wanted = set().union(*(placeholders(i) for i in ids))
        for text in strings:
            if placeholders(text) != wanted and not (len(ids) > 1 and placeholders(text) < wanted):
                problems.append(f"{where} has placeholders {placeholders(text)} not {wanted}")
        text = "".join(strings)
        # a pattern of punctuation only (brackets, quotes), marked so by its translator
        exempt = any("no-script-check" in comment for comment in message.user_comments)
        if language == "lo" and THAI.search(text):
            problems.append(f"{where} has Thai letters")
        if language == "lo" and not exempt and not LAO.search(text):
            problems.append(f"{where} has no Lao letters")
        if language == "zh" and not exempt and not CJK.search(text):
            problems.append(f"{where} has no Chinese characters")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_in_the_code_is_in_the_catalog(language: str) -> None:
    known = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog(language)}
    missing = sorted(str(key) for key in source_msgids() - known)
    assert not missing, "run `make update` and translate:\n" + "\n".join(missing[:30])
