"""The data key that encrypts personal fields at rest: from DATA_KEY, or from a key file outside
the database, created on first run; and rotating it.

The key file defaults to the SQLite file's name with `.key` (data/orchard.db → data/orchard.key),
or `data/data.key` for PostgreSQL; DATA_KEY_FILE moves it. It is written with mode 0600.
Whoever copies the database alone gets tokens, not phone numbers or addresses.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.db import Database
from models.core import crypto
from models.core.crypto import DataKeyError

log = logging.getLogger(__name__)

DEFAULT_KEY_FILE = Path("data/data.key")


@dataclass(frozen=True)
class DataKey:
    """The keys in use (newest first), and where they came from."""

    keys: list[str]
    source: str  # "DATA_KEY" or the key file's path
    created: bool = False


def key_file(settings: Settings) -> Path:
    """Where the key file is (whether or not it exists yet)."""
    if settings.data_key_file:
        return Path(settings.data_key_file)
    url = settings.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///")).with_suffix(".key")
    return DEFAULT_KEY_FILE


def write_key_file(path: Path, key: str) -> None:
    """Writes a key file readable by its owner only (replacing any old one at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(path.name + ".new")
    with contextlib.suppress(FileNotFoundError):
        fresh.unlink()
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    os.replace(fresh, path)


def find_key(settings: Settings, db: Database) -> DataKey:
    """The configured key; on a first run (no key anywhere, nothing encrypted) a new key file."""
    if settings.data_key:
        return DataKey(crypto.parse_keys(settings.data_key), "DATA_KEY")
    path = key_file(settings)
    if path.is_file():
        return DataKey(crypto.parse_keys(path.read_text()), str(path))
    if db.call(crypto.sample_token) is not None:
        raise DataKeyError(
            f"the database holds encrypted data but DATA_KEY is not set and {path} does not "
            "exist: set DATA_KEY or restore the key file"
        )
    key = crypto.new_key()
    write_key_file(path, key)
    return DataKey([key], str(path), created=True)


def setup_data_key(settings: Settings, db: Database) -> DataKey:
    """Configures encryption for this process and checks the key opens the stored data.

    Raises DataKeyError (one line, for the operator) when the key is malformed or wrong.
    """
    found = find_key(settings, db)
    fernet = crypto.make_fernet(found.keys)
    sample = db.call(crypto.sample_token)
    if sample is not None:
        try:
            crypto.decrypt(sample, fernet)
        except DataKeyError:
            raise DataKeyError(
                f"the data key from {found.source} does not decrypt this database's "
                "personal data (wrong key?)"
            ) from None
    crypto.configure(found.keys)
    if found.created:
        log.info(
            "created a new data key in %s (mode 600): keep a copy, without it the phone numbers "
            "and addresses cannot be read",
            found.source,
        )
    return found


def ensure_data_key(settings: Settings, db: Database) -> None:
    """Configures encryption unless it already is (the bot's start, once per process)."""
    if not crypto.configured():
        setup_data_key(settings, db)


def encrypt_existing(settings: Settings, db: Database) -> int:
    """Encrypts the personal values stored before encryption existed; returns how many."""
    found = setup_data_key(settings, db)
    return db.call(crypto.reencrypt, fernet=crypto.make_fernet(found.keys), plaintext_only=True)


def rotate_key(settings: Settings, db: Database, new: str | None = None) -> tuple[int, Path]:
    """Re-encrypts every personal value under a new key and writes it to the key file.

    The old key opens nothing afterwards. Returns (values re-encrypted, the key file).
    """
    found = setup_data_key(settings, db)
    key = new or crypto.new_key()
    fernet = crypto.make_fernet([key, *found.keys])
    path = key_file(settings)
    staged = path.with_name(path.name + ".rotating")
    write_key_file(staged, key)  # on disk before any row depends on it
    changed = db.call(crypto.reencrypt, fernet=fernet)
    os.replace(staged, path)
    crypto.configure([key])
    return changed, path
