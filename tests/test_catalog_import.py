"""Operators' catalog import: all rows or none, bad rows reported with their line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from bot.db import Database
from models.catalog.importer import CatalogImportError, import_catalog, read_catalog_file
from models.catalog.trees import Tree
from models.shop.products import Product

DOCS = Path(__file__).resolve().parent.parent / "docs"


def codes(db: Database) -> set[str]:
    """Every tree code in the catalog."""
    with db.session() as session:
        return set(session.exec(select(Tree.code)).all())


def test_yaml_and_csv_examples_import_and_reimport(db: Database) -> None:
    counts = db.call(import_catalog, sections=read_catalog_file(DOCS / "catalog-example.yaml"))
    assert counts == {
        "villages": 1,
        "species": 1,
        "farmers": 1,
        "trees": 1,
        "products": 1,
        "payment_methods": 2,
    }
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


def products(db: Database) -> dict[str, Product]:
    """Every product, by SKU."""
    with db.session() as session:
        return {p.sku: p for p in session.exec(select(Product)).all()}


def test_products_import_from_yaml_and_csv(db: Database) -> None:
    db.call(import_catalog, sections=read_catalog_file(DOCS / "catalog-example.yaml"))
    tea = products(db)["TEA-PSV-100G"]
    assert (tea.price_fen, tea.weight_g, tea.stock, tea.category) == (6800, 150, 25, "tea")
    assert tea.name_lo == "ຊາແດງຕົ້ນບູຮານ ບ້ານໂພນສະຫວ່າງ" and tea.farmer_id is not None
    counts = db.call(import_catalog, sections=read_catalog_file(DOCS / "products-example.csv"))
    assert counts["products"] == 1 and counts["trees"] == 0
    db.call(import_catalog, sections=read_catalog_file(DOCS / "products-example.csv"))
    honey = products(db)["HONEY-1KG"]
    assert (honey.price_fen, honey.farmer_id, honey.unit_en) == (11800, None, "1 kg jar")
    assert list(products(db)).count("HONEY-1KG") == 1  # re-importing updates


def test_bad_product_rows_are_reported_by_line(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    header = (
        "sku,category,village,farmer,name_zh,name_lo,name_en,unit_zh,unit_lo,unit_en,"
        "price,weight_g\n"
    )
    good = "JAM-1,fruit,shibadong,,果酱,ແຢມ,Jam,瓶,ກະປ໋ອງ,jar,20,300\n"
    path.write_text(
        header + good + "JAM-2,toys,shibadong,,果酱,ແຢມ,Jam,瓶,ກະປ໋ອງ,jar,-1,300\n",
        encoding="utf-8",
    )
    before = set(products(db))
    with pytest.raises(CatalogImportError) as caught:
        db.call(import_catalog, sections=read_catalog_file(path))
    [error] = caught.value.errors
    assert error.startswith("line 3: products: category") and "price" in error
    path.write_text(
        header + good + "JAM-3,fruit,nowhere,SBD-NOBODY,果酱,ແຢມ,Jam,瓶,ກະປ໋ອງ,jar,20,300\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogImportError) as caught:
        db.call(import_catalog, sections=read_catalog_file(path))
    assert caught.value.errors == ["line 3: products: unknown village, farmer"]
    assert set(products(db)) == before  # nothing imported, not even the good row
