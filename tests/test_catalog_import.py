"""Operators' catalog import: all rows or none, bad rows reported with their line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from bot.db import Database
from models.catalog.importer import CatalogImportError, import_catalog, read_catalog_file
from models.catalog.trees import Tree

DOCS = Path(__file__).resolve().parent.parent / "docs"


def codes(db: Database) -> set[str]:
    """Every tree code in the catalog."""
    with db.session() as session:
        return set(session.exec(select(Tree.code)).all())


def test_yaml_and_csv_examples_import_and_reimport(db: Database) -> None:
    counts = db.call(import_catalog, sections=read_catalog_file(DOCS / "catalog-example.yaml"))
    assert counts == {"villages": 1, "species": 1, "farmers": 1, "trees": 1}
    db.call(import_catalog, sections=read_catalog_file(DOCS / "trees-example.csv"))
    db.call(import_catalog, sections=read_catalog_file(DOCS / "trees-example.csv"))
    with db.session() as session:
        tree = session.exec(select(Tree).where(Tree.code == "PEACH-0101")).one()
    assert tree.price_fen == 42000 and tree.description_lo.startswith("ຕົ້ນ")
    assert {"TEA-0101", "PEACH-0101"} <= codes(db)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "trees.csv"
    path.write_text(
        "code,species,village,farmer,year_planted,price,harvest_kg\n"
        "PEACH-0201,peach,shibadong,SBD-LONG,2014,420,20\n"
        "PEACH-0202,peach,shibadong,SBD-LONG,2014,abc,20\n"
        "PEACH-0203,mango,shibadong,SBD-LONG,2014,400,20\n",
        encoding="utf-8",
    )
    before = codes(db)
    with pytest.raises(CatalogImportError) as caught:
        db.call(import_catalog, sections=read_catalog_file(path))
    assert caught.value.errors[0].startswith("line 3: trees: price")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["import-catalog", str(path)]) == 1
    assert codes(db) == before
    path.write_text(path.read_text().replace("abc", "410"), encoding="utf-8")
    with pytest.raises(CatalogImportError) as caught:
        db.call(import_catalog, sections=read_catalog_file(path))
    assert caught.value.errors == ["line 4: trees: unknown species"]
    assert codes(db) == before
