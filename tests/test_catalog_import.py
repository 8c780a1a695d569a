"""Operators' catalog import: all rows or none, bad rows reported with their line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from bot.db import Database
from models.catalog.importer import CatalogImportError, import_catalog, read_catalog_file
from models.catalog.places import Village
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
    assert (tea.price_fen, tea.weight_g, tea.stock, tea.category) == (150000, 150, 25, "tea")  # kip
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


def cells(db: Database) -> dict[str, tuple[int | None, int | None]]:
    """Every tree's cell on its village's map."""
    with db.session() as session:
        return {t.code: (t.grid_row, t.grid_col) for t in session.exec(select(Tree))}


TREE_HEADER = "code,species,village,farmer,year_planted,price,harvest_kg,row,col\n"


def test_trees_are_placed_on_the_map_from_csv_and_yaml(db: Database, tmp_path: Path) -> None:
    db.call(import_catalog, sections=read_catalog_file(DOCS / "trees-example.csv"))
    db.call(import_catalog, sections=read_catalog_file(DOCS / "catalog-example.yaml"))
    assert cells(db)["PEACH-0101"] == (8, 1) and cells(db)["TEA-0101"] == (4, 2)
    swap = tmp_path / "swap.csv"  # two trees trade cells in one file; a third keeps its own
    swap.write_text(
        TREE_HEADER + "PEACH-0001,peach,shibadong,SBD-SHI,2013,439,20,1,2\n"
        "PEACH-0002,peach,shibadong,SBD-YANG,2014,458,20,1,1\n"
        "PEACH-0003,peach,shibadong,SBD-WU,2015,420,20,,\n",
        encoding="utf-8",
    )
    db.call(import_catalog, sections=read_catalog_file(swap))
    placed = cells(db)
    assert (placed["PEACH-0001"], placed["PEACH-0002"], placed["PEACH-0003"]) == (
        (1, 2),
        (1, 1),
        (1, 3),
    )


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        (
            "PEACH-0301,peach,shibadong,SBD-LONG,2014,420,20,8,2\n"
            "PEACH-0302,peach,shibadong,SBD-LONG,2014,420,20,8,2\n",
            "line 3: trees: PEACH-0302: row 8, col 2 of shibadong already holds"
            " PEACH-0301 (line 2)",
        ),
        (
            "PEACH-0301,peach,shibadong,SBD-LONG,2014,420,20,1,1\n",
            "line 2: trees: PEACH-0301: row 1, col 1 of shibadong already holds PEACH-0001",
        ),
        ("PEACH-0301,peach,shibadong,SBD-LONG,2014,420,20,8,\n", "line 2: trees: row: Value"),
        ("PEACH-0301,peach,shibadong,SBD-LONG,2014,420,20,8,13\n", "line 2: trees: col: Input"),
    ],
    ids=["two in the file", "on a tree already there", "row without col", "off the map"],
)
def test_a_cell_taken_or_off_the_map_is_refused_by_line(
    db: Database, tmp_path: Path, rows: str, error: str
) -> None:
    path = tmp_path / "trees.csv"
    path.write_text(TREE_HEADER + rows, encoding="utf-8")
    before = cells(db)
    with pytest.raises(CatalogImportError) as caught:
        db.call(import_catalog, sections=read_catalog_file(path))
    assert caught.value.errors[0].startswith(error), caught.value.errors
    assert cells(db) == before


def test_the_same_village_cell_in_another_village_is_free(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "trees:\n"
        "  - {code: TEA-0301, species: tea, village: phonsavang, farmer: PSV-KHAM,"
        " year_planted: 1961, price: 850000, harvest_kg: 2, row: 1, col: 1}\n",
        encoding="utf-8",
    )
    db.call(import_catalog, sections=read_catalog_file(path))
    assert cells(db)["TEA-0301"] == (1, 1) == cells(db)["PEACH-0001"]


def test_a_villages_currency_follows_its_country_and_prices_are_read_in_it(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "catalog.yaml"
    village = (
        "villages:\n  - {slug: nongkhiaw, country: LA, name_zh: 农齐奥, name_lo: ໜອງຂຽວ,"
        " name_en: Nong Khiaw%s}\n"
    )
    product = (
        "products:\n  - {sku: HONEY-NK, category: honey, village: nongkhiaw, name_zh: 蜂蜜,"
        " name_lo: ນ້ຳເຜິ້ງ, name_en: Honey, unit_zh: 瓶, unit_lo: ກະປ໋ອງ, unit_en: jar,"
        " price: %s, weight_g: 500}\n"
    )
    path.write_text(village % "" + product % "120000", encoding="utf-8")
    db.call(import_catalog, sections=read_catalog_file(path))
    with db.session() as session:
        row = session.exec(select(Village).where(Village.slug == "nongkhiaw")).one()
    assert row.currency == "LAK" and products(db)["HONEY-NK"].price_fen == 120000  # whole kip
    path.write_text(village % "" + product % "68", encoding="utf-8")  # yuan, mistaken for kip
    with pytest.raises(CatalogImportError) as caught:
        db.call(import_catalog, sections=read_catalog_file(path))
    assert "prices in kip" in caught.value.errors[0]
    path.write_text(village % ", currency: CNY" + product % "68.50", encoding="utf-8")
    db.call(import_catalog, sections=read_catalog_file(path))  # a Lao village kept in yuan
    assert products(db)["HONEY-NK"].price_fen == 6850
    path.write_text(village.replace("LA", "CN") % ", currency: LAK", encoding="utf-8")
    with pytest.raises(CatalogImportError) as caught:
        db.call(import_catalog, sections=read_catalog_file(path))
    assert "prices in CNY, not LAK" in caught.value.errors[0]


def test_a_village_made_without_a_currency_gets_its_countrys(db: Database) -> None:
    with db.session() as session:
        for slug, country in (("a-cn", "CN"), ("a-la", "LA")):
            session.add(
                Village(slug=slug, country=country, name_zh=slug, name_lo=slug, name_en=slug)
            )
        session.commit()
        rows = session.exec(select(Village.slug, Village.currency)).all()
    assert {"a-cn": "CNY", "a-la": "LAK"}.items() <= dict(rows).items()
