"""Alembic migrations: they build exactly the models' schema, keep data when upgrading, and the
bot refuses an out-of-date database when AUTO_MIGRATE is off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from bot.cli import main
from bot.config import Settings
from bot.db import Database
from bot.migrate import (
    INITIAL_REVISION,
    INITIAL_TABLES,
    SchemaError,
    current_revision,
    head_revision,
    prepare,
    schema_diff,
    upgrade,
)
from bot.runtime import open_database


@pytest.fixture
def empty(database_url: tuple[str, str | None]) -> Iterator[Database]:
    """An empty database (SQLite file or fresh PostgreSQL schema), without create_all."""
    database = Database(*database_url)
    yield database
    database.dispose()


def revision(db: Database) -> str | None:
    """The revision the database is at."""
    with db.engine.connect() as connection:
        return current_revision(connection)


def tables(db: Database) -> set[str]:
    """The tables in the database."""
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def models_tables() -> frozenset[str]:
    """The tables of the bot's models (test-only tables are named test_*)."""
    return frozenset(name for name in SQLModel.metadata.tables if not name.startswith("test_"))


def test_every_migration_builds_exactly_the_models_schema(empty: Database) -> None:
    upgrade(empty)
    with empty.engine.connect() as connection:
        assert schema_diff(connection, only=models_tables()) == []
    assert revision(empty) == head_revision()


def test_upgrading_a_database_made_by_the_first_migration_keeps_its_rows(empty: Database) -> None:
    upgrade(empty, INITIAL_REVISION)
    assert tables(empty) == INITIAL_TABLES | {"alembic_version"}
    with empty.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO village (id, slug, country, name_zh, name_lo, name_en, region_zh,"
                " region_lo, region_en, collective_share_pct) VALUES (1, 'shibadong', 'CN',"
                " '十八洞村', 'ບ້ານຊືປາຕົງ', 'Shibadong', '', '', '', 18)"
            )
        )
        connection.execute(
            text(
                'INSERT INTO "user" (id, first_name, language, language_chosen, role,'
                " blocked_bot, created_at, last_seen_at) VALUES (5000000001, 'ນ້ອຍ', 'lo', true,"
                " 'buyer', false, '2025-05-01 08:00:00+00:00', '2025-05-01 08:00:00+00:00')"
            )
        )
    assert prepare(empty, auto_migrate=True) == INITIAL_REVISION
    assert revision(empty) == head_revision()
    with empty.engine.connect() as connection:
        village = connection.execute(text("SELECT slug, name_lo FROM village")).one()
        user = connection.execute(text('SELECT id, first_name, language FROM "user"')).one()
        assert schema_diff(connection, only=models_tables()) == []
    assert tuple(village) == ("shibadong", "ບ້ານຊືປາຕົງ")
    assert tuple(user) == (5000000001, "ນ້ອຍ", "lo")


def test_out_of_date_database_without_auto_migrate_stops_with_how_to(empty: Database) -> None:
    upgrade(empty, INITIAL_REVISION)
    with pytest.raises(SchemaError) as error:
        prepare(empty, auto_migrate=False)
    assert "python -m bot migrate" in str(error.value)
    assert f"at {INITIAL_REVISION}" in str(error.value)
    assert revision(empty) == INITIAL_REVISION  # nothing was changed


def test_database_made_before_migrations_is_stamped_when_it_matches(db: Database) -> None:
    # the `db` fixture makes its schema with create_all, as the bot did before migrations
    assert prepare(db, auto_migrate=False) == head_revision()  # stamped, nothing to run
    assert revision(db) == head_revision()


def test_database_before_migrations_at_the_first_schema_is_stamped_then_upgraded(
    empty: Database,
) -> None:
    upgrade(empty, INITIAL_REVISION)
    with empty.engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    prepare(empty, auto_migrate=True)
    assert revision(empty) == head_revision()
    assert "telegramupdate" in tables(empty)


def test_unknown_tables_without_history_are_refused(empty: Database) -> None:
    with empty.engine.begin() as connection:
        connection.execute(text("CREATE TABLE village (id INTEGER PRIMARY KEY, name TEXT)"))
    with pytest.raises(SchemaError, match=r"no migration history.*difference: add_table"):
        prepare(empty, auto_migrate=True)
    assert revision(empty) is None


def sqlite_env(monkeypatch: pytest.MonkeyPatch, path: Path, **extra: str) -> None:
    """Points the bot's settings at a SQLite file."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


def test_cli_says_how_to_migrate_then_migrate_upgrades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.db"
    old = Database(f"sqlite:///{path}")
    upgrade(old, INITIAL_REVISION)
    old.dispose()
    sqlite_env(monkeypatch, path, AUTO_MIGRATE="false")
    assert main(["console"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "run `python -m bot migrate`" in error
    assert main(["migrate"]) == 0
    assert f"from {INITIAL_REVISION} to migration {head_revision()}" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_open_database_builds_a_fresh_database_by_migrations(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    db = open_database(settings)
    try:
        assert revision(db) == head_revision()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM village")).scalar() == 2
    finally:
        db.dispose()


def test_payment_methods_migration_keeps_prices_orders_and_payments(empty: Database) -> None:
    """0014 adds the villages' ways to pay: existing products, orders and payments keep their
    amounts, and an order learns its village from its first item."""
    upgrade(empty, "0013")
    now = "'2026-05-01 08:00:00+00:00'"
    statements = [
        "INSERT INTO village (id, slug, country, name_zh, name_lo, name_en, region_zh, region_lo,"
        " region_en, collective_share_pct) VALUES (7, 'phonsavang', 'LA', '蓬萨旺村',"
        " 'ບ້ານໂພນສະຫວ່າງ', 'Ban Phonsavang', '', '', '', 15)",
        "INSERT INTO product (id, sku, category, village_id, name_zh, name_lo, name_en,"
        " description_zh, description_lo, description_en, unit_zh, unit_lo, unit_en, price_fen,"
        " weight_g, stock, active) VALUES (3, 'RICE-5KG', 'grain', 7, '糯米', 'ເຂົ້າໜຽວ', 'Rice',"
        " '', '', '', '', '', '', 6800, 5200, 30, true)",
        "INSERT INTO shop_order (id, number, buyer_id, source_key, status, country, address, phone,"
        " weight_g, subtotal_fen, shipping_fen, total_fen, created_at, updated_at, expires_at)"
        " VALUES (11, 'SBD-AAAA-BBBB', 5000000001, '1:1', 'paid', 'LA', 'ບ້ານໂພນໄຊ',"
        f" '+8562055551234', 5200, 6800, 10000, 16800, {now}, {now}, {now})",
        "INSERT INTO orderitem (id, order_id, product_id, sku, name_zh, name_lo, name_en, unit_zh,"
        " unit_lo, unit_en, price_fen, quantity) VALUES (1, 11, 3, 'RICE-5KG', '糯米', 'ເຂົ້າໜຽວ',"
        " 'Rice', '', '', '', 6800, 1)",
        "INSERT INTO payment (id, reference, kind, target_id, user_id, amount_fen, currency,"
        " method, status, created_at) VALUES (1, 'P23456789', 'order', 11, 5000000001, 16800,"
        f" 'CNY', 'offline', 'paid', {now})",
    ]
    with empty.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    upgrade(empty)
    with empty.engine.connect() as connection:
        order = connection.execute(
            text("SELECT village_id, subtotal_fen, shipping_fen, total_fen, status FROM shop_order")
        ).one()
        price = connection.execute(text("SELECT price_fen FROM product")).scalar_one()
        payment = connection.execute(
            text("SELECT amount_fen, status, method_id, proof_at FROM payment")
        ).one()
        methods = connection.execute(text("SELECT count(*) FROM village_payment_method")).scalar()
        assert schema_diff(connection, only=models_tables()) == []
    assert tuple(order) == (7, 6800, 10000, 16800, "paid")
    assert price == 6800
    assert tuple(payment) == (16800, "paid", None, None)
    assert methods == 0  # operators add their villages' ways to pay; no guessed accounts


def test_tree_positions_migration_places_trees_as_the_page_drew_them(empty: Database) -> None:
    """0019 gives every tree a cell: per village in code order, a new row per kind, six to a row,
    retired trees after the others; the rest of each row is kept."""
    upgrade(empty, "0017")
    statements = [
        "INSERT INTO village (id, slug, country, name_zh, name_lo, name_en, region_zh, region_lo,"
        " region_en, collective_share_pct) VALUES (1, 'shibadong', 'CN', '十八洞村', 'ຊືປາຕົງ',"
        " 'Shibadong', '', '', '', 18), (2, 'phonsavang', 'LA', '蓬萨旺村', 'ໂພນສະຫວ່າງ',"
        " 'Phonsavang', '', '', '', 15)",
        "INSERT INTO species (id, slug, emoji, name_zh, name_lo, name_en) VALUES"
        " (1, 'peach', 'p', '黄桃', 'ພີດ', 'Peach'), (2, 'kiwi', 'k', '猕猴桃', 'ກີວີ', 'Kiwi')",
        "INSERT INTO farmer (id, code, village_id, name_zh, name_lo, name_en) VALUES"
        " (1, 'SBD-LONG', 1, '龙', '', ''), (2, 'PSV-KHAM', 2, '坎', '', '')",
    ]
    trees = [("KIWI-0001", 2, 1, "available"), ("PEACH-0008", 1, 1, "retired")]
    trees += [(f"PEACH-000{n}", 1, 1, "available") for n in range(1, 8)]
    trees += [("PEACH-0100", 1, 2, "available")]
    values = ", ".join(
        f"({n}, '{code}', {species}, {village}, {village}, 2015, '', '', '', 42000, 20, '{status}')"
        for n, (code, species, village, status) in enumerate(trees, start=1)
    )
    statements.append(
        "INSERT INTO tree (id, code, species_id, village_id, farmer_id, year_planted,"
        " description_zh, description_lo, description_en, price_fen, harvest_kg, status)"
        f" VALUES {values}"
    )
    with empty.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    upgrade(empty)
    with empty.engine.connect() as connection:
        rows = connection.execute(text("SELECT code, grid_row, grid_col, price_fen FROM tree"))
        placed = {code: (row, column) for code, row, column, _price in rows}
        assert schema_diff(connection, only=models_tables()) == []
    assert placed == {
        "KIWI-0001": (1, 1),  # the kiwi comes first in code order: its own row
        **{f"PEACH-000{n}": (2, n) for n in range(1, 7)},
        "PEACH-0007": (3, 1),  # the seventh peach starts the next row
        "PEACH-0008": (4, 1),  # retired, after the drawn trees
        "PEACH-0100": (1, 1),  # another village's map
    }


def test_currency_migration_keeps_existing_orders_and_prices_in_yuan(empty: Database) -> None:
    """0018 adds the currency columns: an existing Lao village, its product, order, order line
    and adoption stay in yuan with the same amounts (nothing is converted to kip)."""
    upgrade(empty, "0017")
    now = "'2026-05-01 08:00:00+00:00'"
    statements = [
        "INSERT INTO village (id, slug, country, name_zh, name_lo, name_en, region_zh, region_lo,"
        " region_en, collective_share_pct, order_prefix) VALUES (7, 'phonsavang', 'LA',"
        " '蓬萨旺村', 'ບ້ານໂພນສະຫວ່າງ', 'Ban Phonsavang', '', '', '', 15, 'PSV')",
        "INSERT INTO product (id, sku, category, village_id, name_zh, name_lo, name_en,"
        " description_zh, description_lo, description_en, unit_zh, unit_lo, unit_en, price_fen,"
        " weight_g, stock, active) VALUES (3, 'RICE-5KG', 'grain', 7, '糯米', 'ເຂົ້າໜຽວ', 'Rice',"
        " '', '', '', '', '', '', 6800, 5200, 30, true)",
        "INSERT INTO shop_order (id, number, buyer_id, village_id, source_key, status, country,"
        " address, phone, weight_g, subtotal_fen, shipping_fen, total_fen, created_at,"
        " updated_at, expires_at) VALUES (11, 'PSV-AAAA-BBBB', 5000000001, 7, '1:1', 'paid',"
        f" 'LA', 'x', 'y', 5200, 6800, 2300, 9100, {now}, {now}, {now})",
        "INSERT INTO orderitem (id, order_id, product_id, sku, name_zh, name_lo, name_en, unit_zh,"
        " unit_lo, unit_en, price_fen, quantity) VALUES (1, 11, 3, 'RICE-5KG', '糯米', 'ເຂົ້າໜຽວ',"
        " 'Rice', '', '', '', 6800, 1)",
    ]
    with empty.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    upgrade(empty)
    with empty.engine.connect() as connection:
        village = connection.execute(text("SELECT country, currency FROM village")).one()
        order = connection.execute(
            text("SELECT subtotal_fen, shipping_fen, total_fen, currency FROM shop_order")
        ).one()
        item = connection.execute(text("SELECT price_fen, currency FROM orderitem")).one()
        price = connection.execute(text("SELECT price_fen FROM product")).scalar_one()
        assert schema_diff(connection, only=models_tables()) == []
    assert tuple(village) == ("LA", "CNY")  # its prices were fen: still yuan
    assert tuple(order) == (6800, 2300, 9100, "CNY")
    assert tuple(item) == (6800, "CNY") and price == 6800


def test_tree_varieties_migration_keeps_trees_with_no_variety(empty: Database) -> None:
    """0021 adds the variety columns: an existing tree keeps its row, with empty varieties."""
    upgrade(empty, "0020")
    statements = [
        "INSERT INTO village (id, slug, country, name_zh, name_lo, name_en, region_zh, region_lo,"
        " region_en, collective_share_pct, currency) VALUES (1, 'shibadong', 'CN', '十八洞村',"
        " 'ຊືປາຕົງ', 'Shibadong', '', '', '', 18, 'CNY')",
        "INSERT INTO species (id, slug, emoji, name_zh, name_lo, name_en) VALUES"
        " (1, 'peach', 'p', '黄桃', 'ພີດ', 'Peach')",
        "INSERT INTO farmer (id, code, village_id, name_zh, name_lo, name_en) VALUES"
        " (1, 'SBD-LONG', 1, '龙', '', '')",
        "INSERT INTO tree (id, code, species_id, village_id, farmer_id, year_planted,"
        " description_zh, description_lo, description_en, price_fen, harvest_kg, status,"
        " grid_row, grid_col) VALUES (5, 'PEACH-0001', 1, 1, 1, 2015, '桃', '', '', 42000, 20,"
        " 'available', 2, 3)",
    ]
    with empty.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    upgrade(empty)
    with empty.engine.connect() as connection:
        tree = connection.execute(
            text(
                "SELECT id, code, description_zh, price_fen, grid_row, grid_col, variety_zh,"
                " variety_lo, variety_en FROM tree"
            )
        ).one()
        assert schema_diff(connection, only=models_tables()) == []
    assert tuple(tree) == (5, "PEACH-0001", "桃", 42000, 2, 3, "", "", "")
