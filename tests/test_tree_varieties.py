"""A tree's variety (cultivar) in the tree lists and on its card, in zh / lo / en; a tree without
one reads as before; varieties imported from YAML and CSV, bad ones refused by line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from models.catalog.importer import CatalogImportError, import_catalog, read_catalog_file
from models.catalog.places import Village
from models.catalog.trees import Species, Tree
from models.core.base import utcnow
from tests.factories import TgUser
from tests.harness import Harness, last_text

DOCS = Path(__file__).resolve().parent.parent / "docs"


def group_id(bot: Harness, model: type[Species] | type[Village], slug: str) -> int:
    """The id of a sample species or village."""
    with bot.db.session() as session:
        found = session.exec(select(model.id).where(model.slug == slug)).one()  # type: ignore[attr-defined]
    assert found is not None
    return int(found)


async def list_line(bot: Harness, user: TgUser, by: str, slug: str, code: str) -> str:
    """The line of one tree in a kind's or a village's list, turning its pages."""
    model = Species if by == "species" else Village
    await bot.command(user, "/start")
    for page in range(10):
        text = last_text(
            await bot.press(user, f"TREE list {by} {group_id(bot, model, slug)} {page}")
        )
        found = [line for line in text.splitlines() if f"<b>{code}</b>" in line]
        if found:
            return found[0]
    raise AssertionError(f"{code} is in no page of the list")


def tree_id(bot: Harness, code: str) -> int:
    """The id of a tree."""
    with bot.db.session() as session:
        found = session.exec(select(Tree.id).where(Tree.code == code)).one()
    assert found is not None
    return found


def clear_variety(bot: Harness, code: str) -> None:
    """Takes a tree's variety away, as a tree made before varieties has none."""
    with bot.db.session() as session:
        statement = update(Tree).where(col(Tree.code) == code)
        session.exec(statement.values(variety_zh="", variety_lo="", variety_en=""))  # type: ignore[call-overload]
        session.commit()


@pytest.mark.parametrize(
    ("user", "first", "second"),
    [("li", "锦绣黄桃", "金童5号"), ("noy", "ຈິນຊິ່ວ", "ຈິນທົງ 5"), ("ann", "Jinxiu", "Jintong No. 5")],
)
async def test_a_kinds_list_shows_each_trees_variety_age_share_and_price(
    bot: Harness, user: str, first: str, second: str, request: pytest.FixtureRequest
) -> None:
    person: TgUser = request.getfixturevalue(user)
    line = await list_line(bot, person, "species", "peach", "PEACH-0001")
    parts = line.split(" · ")
    assert parts[0] == "🍑 <b>PEACH-0001</b>" and parts[1] == first  # then age, share, price
    assert len(parts) == 5 and "20" in parts[3]
    assert second in await list_line(bot, person, "species", "peach", "PEACH-0002")


async def test_a_villages_list_shows_the_variety_in_place_of_the_kind(
    bot: Harness, li: TgUser
) -> None:
    line = await list_line(bot, li, "village", "phonsavang", "TEA-0001")
    assert line.startswith("🍵 <b>TEA-0001</b> · 古树普洱 · 树龄") and "古茶树" not in line


async def test_a_tree_without_a_variety_reads_as_before(bot: Harness, li: TgUser) -> None:
    clear_variety(bot, "PEACH-0003")
    age = utcnow().year - 2015  # the third sample peach was planted in 2012 + 3
    line = await list_line(bot, li, "species", "peach", "PEACH-0003")
    assert line == f"🍑 <b>PEACH-0003</b> · 树龄{age}年 · 至少 20 公斤 · ¥420.00"
    line = await list_line(bot, li, "village", "shibadong", "PEACH-0003")
    assert line.split(" · ")[1] == "黄桃"  # a village's list names the kind, as before
    card = last_text(await bot.press(li, f"TREE card {tree_id(bot, 'PEACH-0003')} species 1 0"))
    assert "PEACH-0003" in card and "品种" not in card


@pytest.mark.parametrize(
    ("user", "expected"),
    [("li", "品种：锦绣黄桃"), ("noy", "ສາຍພັນ: ຈິນຊິ່ວ"), ("ann", "Variety: Jinxiu")],
)
async def test_the_card_shows_the_variety(
    bot: Harness, user: str, expected: str, request: pytest.FixtureRequest
) -> None:
    person: TgUser = request.getfixturevalue(user)
    card = last_text(await bot.command(person, "/start tree_PEACH-0001"))
    assert expected in card.splitlines()


async def test_varieties_imported_from_csv_and_yaml_show_in_the_list(
    bot: Harness, noy: TgUser, ann: TgUser
) -> None:
    bot.db.call(import_catalog, sections=read_catalog_file(DOCS / "trees-example.csv"))
    bot.db.call(import_catalog, sections=read_catalog_file(DOCS / "catalog-example.yaml"))
    line = await list_line(bot, noy, "species", "peach", "PEACH-0101")
    assert line.split(" · ")[1] == "ຈິນຊິ່ວ"
    line = await list_line(bot, ann, "species", "tea", "TEA-0101")
    assert line.split(" · ")[1] == "Ancient Pu'er"
    card = last_text(await bot.command(ann, "/start tree_TEA-0101"))
    assert "Variety: Ancient Pu'er" in card


async def test_a_bad_variety_is_refused_by_line_and_nothing_is_imported(
    bot: Harness, tmp_path: Path, li: TgUser
) -> None:
    path = tmp_path / "trees.csv"
    header = "code,species,village,farmer,year_planted,price,harvest_kg,variety_zh,variety_en\n"
    path.write_text(
        header + "PEACH-0201,peach,shibadong,SBD-LONG,2014,420,20,锦绣黄桃,Jinxiu\n"
        "PEACH-0202,peach,shibadong,SBD-LONG,2014,420,20," + "桃" * 41 + ",\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogImportError) as caught:
        bot.db.call(import_catalog, sections=read_catalog_file(path))
    assert caught.value.errors == [
        "line 3: trees: variety_zh: String should have at most 40 characters"
    ]
    with bot.db.session() as session:
        assert session.exec(select(Tree).where(Tree.code == "PEACH-0201")).first() is None
    path.write_text(
        header + "PEACH-0201,peach,shibadong,SBD-LONG,2014,420,20,,Jin & Xiu <2>\n"
        "PEACH-0202,peach,shibadong,SBD-LONG,2014,420,20,,\n",  # the columns may stay empty
        "utf-8",
    )
    bot.db.call(import_catalog, sections=read_catalog_file(path))
    line = await list_line(bot, li, "village", "shibadong", "PEACH-0201")
    assert line.split(" · ")[1] == "Jin &amp; Xiu &lt;2&gt;"  # no Chinese name: the English one
    line = await list_line(bot, li, "village", "shibadong", "PEACH-0202")
    assert line.split(" · ")[1] == "黄桃"
