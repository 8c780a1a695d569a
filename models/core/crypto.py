"""Encryption at rest: phone numbers, addresses, gift messages and names on certificates are
stored as Fernet tokens (AES-128-CBC with HMAC-SHA256, from `cryptography`) and read back as text.

The columns use the `Encrypted` type, so domain code reads and writes plain strings. The key is
not in the database: `configure()` is given it at start (bot/datakey.py reads DATA_KEY or the key
file). Several keys may be given (the first encrypts, every one decrypts: MultiFernet), which is
how a rotation re-encrypts every row (`reencrypt`). The empty string and the erasure marker are
not personal data and are stored as they are, so the retention job can still find erased rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import String, Table, Text, literal, select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

PLAIN = frozenset({"", "[erased]"})  # models.privacy.ANONYMOUS: markers, not data
TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte 0x80, then a timestamp)


class DataKeyError(Exception):
    """The data key is missing, malformed or does not open the stored data; one line to show."""


_fernet: MultiFernet | None = None


def parse_keys(raw: str) -> list[str]:
    """The keys in a DATA_KEY value or a key file: comma- or line-separated, newest first."""
    return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]


def make_fernet(keys: Sequence[str]) -> MultiFernet:
    """A MultiFernet over these keys (the first encrypts); DataKeyError if one is malformed."""
    if not keys:
        raise DataKeyError("no data key given")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError):
        raise DataKeyError(
            "the data key is not a Fernet key (44 characters of URL-safe base64; "
            "python -m bot new-key prints one)"
        ) from None


def configure(keys: Sequence[str]) -> None:
    """Sets the keys every Encrypted column uses from now on (first encrypts, all decrypt)."""
    global _fernet
    _fernet = make_fernet(keys)


def configured() -> bool:
    """Whether a key has been set."""
    return _fernet is not None


def new_key() -> str:
    """A fresh random key, as text."""
    return Fernet.generate_key().decode()


def _active() -> MultiFernet:
    """The configured keys, or a clear error."""
    if _fernet is None:
        raise DataKeyError("no data key configured (DATA_KEY or the key file)")
    return _fernet


def is_token(value: str) -> bool:
    """Whether a stored value is encrypted (rather than a marker or an old plaintext row)."""
    return value.startswith(TOKEN_PREFIX)


def encrypt(value: str, fernet: MultiFernet | None = None) -> str:
    """The stored form of a value: a Fernet token, or the value itself for a marker."""
    if value in PLAIN:
        return value
    return (fernet or _active()).encrypt(value.encode()).decode()


def decrypt(stored: str, fernet: MultiFernet | None = None) -> str:
    """The text of a stored value (plaintext rows from before encryption read as they are)."""
    if not is_token(stored):
        return stored
    try:
        return (fernet or _active()).decrypt(stored.encode()).decode()
    except InvalidToken:
        raise DataKeyError("the data key does not decrypt the stored data (wrong key?)") from None


class Encrypted(TypeDecorator[str]):
    """A text column stored encrypted: str in Python, a Fernet token in the database."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        """TEXT (tokens are longer than the values); on SQLite the VARCHAR it never limits.

        Keeping VARCHAR there spares a migration that would rebuild tables others refer to.
        """
        if dialect.name == "sqlite":
            return String()
        return Text()

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Encrypts what is written."""
        return encrypt(value) if isinstance(value, str) else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Decrypts what is read."""
        return decrypt(value) if isinstance(value, str) else value


def encrypted_columns() -> Iterator[tuple[Table, str]]:
    """(table, column name) of every Encrypted column of every model."""
    import models.tables  # noqa: F401

    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Encrypted):
                yield table, column.name


def raw_values(session: Session, table: Table, column: str) -> list[tuple[Any, str]]:
    """(primary key, stored text) of a column's non-null values, as they are in the database."""
    [key] = table.primary_key.columns
    rows = session.execute(
        select(key, type_coerce(table.c[column], Text)).where(table.c[column].is_not(None))
    )
    return [(pk, value) for pk, value in rows]


def sample_token(session: Session) -> str | None:
    """One encrypted value from the database, to check a key against (None when there is none)."""
    for table, column in encrypted_columns():
        key = table.c[column]
        token = session.execute(
            select(type_coerce(key, Text)).where(type_coerce(key, Text).like(TOKEN_PREFIX + "%"))
        ).first()
        if token is not None:
            return str(token[0])
    return None


def reencrypt(*, session: Session, fernet: MultiFernet, plaintext_only: bool = False) -> int:
    """Writes every personal value again under the first key; returns how many changed.

    Tokens under an older key are rotated (unless `plaintext_only`), plaintext rows (from
    before encryption) encrypted.
    """
    changed = 0
    for table, column in encrypted_columns():
        [key] = table.primary_key.columns
        for pk, stored in raw_values(session, table, column):
            if stored in PLAIN or (plaintext_only and is_token(stored)):
                continue
            try:
                token = fernet.rotate(stored.encode()).decode() if is_token(stored) else None
            except InvalidToken:
                raise DataKeyError(
                    f"{table.name}.{column}: a value no given key decrypts (wrong key?)"
                ) from None
            token = token or encrypt(stored, fernet)
            session.execute(table.update().where(key == pk).values({column: literal(token, Text)}))
            changed += 1
    return changed
