"""Encryption at rest: phone numbers, addresses, gift messages and certificate names are Fernet
tokens in the database and plain text to the bot; the key lives outside the database; rotation
re-encrypts every row; a missing or wrong key stops the bot with one line."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text
from sqlmodel import select

from bot.cli import main
from bot.config import Settings
from bot.datakey import encrypt_existing, key_file, rotate_key, setup_data_key
from bot.db import Database
from bot.runtime import open_database
from models.adoption.adoptions import Adoption
from models.core import crypto
from models.core.crypto import DataKeyError
from models.shop.orders import Order
from models.shop.products import Cart
from tests.conftest import TEST_DATA_KEY
from tests.harness import Harness
from tests.shop_helpers import ADDRESSES, buyer, order_now
from tests.test_adopt import fill_dialogue

PLAINTEXT = {
    "certificate_name": "李娜",
    "gift_recipient": "Bo Chen",
    "gift_message": "生日快乐",
    "address": "湖南省长沙市岳麓路 12 号",
    "phone": "+8613812345678",
}


@pytest.fixture(autouse=True)
def keep_key() -> Iterator[None]:
    """The test key in use before and after each test (the command line sets its own)."""
    crypto.configure([TEST_DATA_KEY])
    yield
    crypto.configure([TEST_DATA_KEY])


def raw(db: Database, sql: str) -> list[tuple[str, ...]]:
    """Rows of a plain SQL query, as stored (no type decoding)."""
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


async def adopted(bot: Harness, li: object) -> None:
    """An adoption as a gift, through the dialogue, confirmed."""
    await fill_dialogue(bot, li, "PEACH-0005", gift=True, country="CN")  # type: ignore[arg-type]
    await bot.press(li, "ADOPT ok")  # type: ignore[arg-type]


async def test_the_database_holds_tokens_and_the_bot_reads_text(bot: Harness, li: object) -> None:
    await adopted(bot, li)
    columns = ", ".join(PLAINTEXT)
    [stored] = raw(bot.db, f"SELECT {columns} FROM adoption")
    for (name, plain), value in zip(PLAINTEXT.items(), stored, strict=True):
        assert value.startswith("gAAAAA") and plain not in value, name
    with bot.db.session() as session:
        adoption = session.exec(select(Adoption)).one()
    assert {name: getattr(adoption, name) for name in PLAINTEXT} == PLAINTEXT
    buyer(bot.db, 4242, "zh")
    order = order_now(bot.db, 4242, "HONEY-500G")
    for table in ("shop_order", "cart"):
        for address, phone in raw(bot.db, f"SELECT address, phone FROM {table}"):
            assert address.startswith("gAAAAA") and phone.startswith("gAAAAA")
            assert "岳麓" not in address and "8000" not in phone
    with bot.db.session() as session:
        assert session.get_one(Order, order.id).address == ADDRESSES["CN"][0]


async def test_mydata_and_the_export_show_the_text(bot: Harness, li: object, admin: object) -> None:
    await adopted(bot, li)
    calls = await bot.command(li, "/mydata")  # type: ignore[arg-type]
    document = next(c for c in calls if c.method == "sendDocument")
    [adoption] = json.loads(document.files["document"][1])["adoptions"]["adoptions"]
    assert (adoption["phone"], adoption["gift_message"]) == ("+8613812345678", "生日快乐")
    calls = await bot.command(admin, "/export adoptions")  # type: ignore[arg-type]
    csv = next(c for c in calls if c.method == "sendDocument").files["document"][1].decode()
    assert "'+8613812345678" in csv and "生日快乐" in csv


async def test_erased_rows_are_still_found_by_retention(bot: Harness, li: object) -> None:
    await adopted(bot, li)
    with bot.db.session() as session:
        adoption = session.exec(select(Adoption)).one()
        adoption.phone = "[erased]"
        session.add(adoption)
        session.commit()
        # the marker is stored as it is, so `phone != ANONYMOUS` still finds only unerased rows
        found = session.exec(select(Adoption).where(Adoption.phone != "[erased]")).all()
    assert found == []
    assert raw(bot.db, "SELECT phone FROM adoption") == [("[erased]",)]


async def test_rotation_re_encrypts_and_the_old_key_alone_reads_nothing(
    bot: Harness, li: object, tmp_path: Path
) -> None:
    await adopted(bot, li)
    before = raw(bot.db, "SELECT phone, address FROM adoption")
    settings = Settings(database_url=bot.db.url, data_key_file=str(tmp_path / "keys" / "k"))
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "k").write_text(TEST_DATA_KEY + "\n")
    changed, path = rotate_key(settings, bot.db)
    assert changed >= 5  # the adoption's five fields, and the draft's if any
    after = raw(bot.db, "SELECT phone, address FROM adoption")
    assert after != before and all(v.startswith("gAAAAA") for v in after[0])
    new = path.read_text().strip()
    assert new != TEST_DATA_KEY and stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(InvalidToken):
        Fernet(TEST_DATA_KEY.encode()).decrypt(after[0][0].encode())
    assert Fernet(new.encode()).decrypt(after[0][0].encode()).decode() == "+8613812345678"
    with bot.db.session() as session:  # the bot goes on reading, with the new key
        assert session.exec(select(Adoption)).one().phone == "+8613812345678"
    old = Settings(database_url=bot.db.url, data_key=TEST_DATA_KEY)
    with pytest.raises(DataKeyError, match="does not decrypt"):
        setup_data_key(old, bot.db)


async def test_plaintext_rows_from_before_are_encrypted_by_the_command(
    bot: Harness, li: object
) -> None:
    await adopted(bot, li)
    with bot.db.engine.begin() as connection:  # as a database from before encryption holds it
        connection.execute(text("UPDATE adoption SET phone = '+8613800000000'"))
    with bot.db.session() as session:
        assert session.exec(select(Adoption)).one().phone == "+8613800000000"
    settings = Settings(database_url=bot.db.url, data_key=TEST_DATA_KEY)
    assert encrypt_existing(settings, bot.db) == 1
    [(phone,)] = raw(bot.db, "SELECT phone FROM adoption")
    assert phone.startswith("gAAAAA")
    with bot.db.session() as session:
        assert session.exec(select(Adoption)).one().phone == "+8613800000000"


# --- the command line: first run, a missing or wrong key, rotation -----------------------------


@pytest.fixture
def sqlite_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated SQLite database whose environment the command line reads."""
    path = tmp_path / "orchard.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    for name in ("BOT_TOKEN", "DATA_KEY", "DATA_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    open_database(Settings(database_url=f"sqlite:///{path}")).dispose()
    return path


def store_a_cart(path: Path) -> None:
    """A checkout draft with an address and phone, encrypted with the current key."""
    db = Database(f"sqlite:///{path}")
    with db.session() as session:
        session.add(Cart(user_id=77, address=ADDRESSES["CN"][0], phone="+8613800138000"))
        session.commit()
    db.dispose()


def test_first_run_creates_a_key_file_outside_the_database_and_says_where(
    sqlite_bot: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="bot.datakey"):
        assert main(["export", "orders", "--output", "orders.csv"]) == 0
    path = key_file(Settings(database_url=f"sqlite:///{sqlite_bot}"))
    assert path == sqlite_bot.with_suffix(".key") and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [r.getMessage() for r in caplog.records if "data key" in r.getMessage()]
    assert len(lines) == 1 and str(path) in lines[0]
    Fernet(path.read_text().strip().encode())  # a usable key
    caplog.clear()
    assert main(["export", "orders", "--output", "orders.csv"]) == 0
    assert not [r for r in caplog.records if "created" in r.getMessage()]  # made once


def test_a_missing_key_is_one_line_not_a_traceback(
    sqlite_bot: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "orders", "--output", "orders.csv"]) == 0  # creates the key
    store_a_cart(sqlite_bot)
    sqlite_bot.with_suffix(".key").unlink()
    capsys.readouterr()
    assert main(["export", "orders", "--output", "orders.csv"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "Traceback" not in error
    assert error.startswith("data key error:") and "DATA_KEY is not set" in error
    assert not sqlite_bot.with_suffix(".key").exists()  # no new key over encrypted data


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("ZmFrZS1idXQtd2VsbC1mb3JtZWQtZmVybmV0LWtleSE=", "does not decrypt"),
        ("not-a-key", "not a Fernet key"),
    ],
    ids=["wrong", "malformed"],
)
def test_a_wrong_or_malformed_key_is_one_line(
    sqlite_bot: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    key: str,
    words: str,
) -> None:
    assert main(["export", "orders", "--output", "orders.csv"]) == 0
    store_a_cart(sqlite_bot)
    monkeypatch.setenv("DATA_KEY", key)
    capsys.readouterr()
    assert main(["console"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "Traceback" not in error and words in error
    assert key not in error


def test_rotate_key_command(sqlite_bot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "orders", "--output", "orders.csv"]) == 0
    store_a_cart(sqlite_bot)
    old = sqlite_bot.with_suffix(".key").read_text().strip()
    assert main(["rotate-key"]) == 0
    assert "re-encrypted 2 values" in capsys.readouterr().out
    new = sqlite_bot.with_suffix(".key").read_text().strip()
    assert new != old
    db = Database(f"sqlite:///{sqlite_bot}")
    [(phone,)] = raw(db, "SELECT phone FROM cart")
    with db.session() as session:
        assert session.exec(select(Cart)).one().phone == "+8613800138000"
    db.dispose()
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(phone.encode())
    assert main(["new-key"]) == 0
    Fernet(capsys.readouterr().out.strip().encode())


def test_the_data_key_never_shows_in_settings() -> None:
    key = Fernet.generate_key().decode()
    settings = Settings.from_env({"DATA_KEY": key}, env_file=None)
    assert settings.data_key == key
    assert key not in repr(settings) and "data_key='[set]'" in repr(settings)


def test_stored_updates_are_encrypted_until_handled(db: Database, ann: object) -> None:
    from datetime import timedelta

    from models.core.updates import Claim, claim_stored, store_update
    from tests.factories import make_message_update

    update = make_message_update(ann, "湖南省长沙市岳麓路 12 号 13812345678")  # type: ignore[arg-type]
    db.call(store_update, update_id=update["update_id"], payload=update)
    [(payload,)] = raw(db, "SELECT payload FROM telegramupdate")
    assert payload.startswith("gAAAAA") and "13812345678" not in payload
    [(update_id, claimed)] = db.call(claim_stored, claim=Claim("me", timedelta(seconds=60)))
    assert (update_id, claimed) == (update["update_id"], update)


def test_the_log_redactor_masks_data_keys_and_tokens() -> None:
    from bot.redact import redact

    key = Fernet.generate_key().decode()
    token = Fernet(key.encode()).encrypt(b"+8613812345678").decode()
    line = redact(f"DATA_KEY={key} stored {token}")
    assert key not in line and token not in line
