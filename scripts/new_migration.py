"""Writes the next Alembic migration: what the models have that the migrations so far do not.

    make migration MSG="add orders table"      (or: .venv/bin/python scripts/new_migration.py MSG)

It applies the existing migrations to a scratch SQLite database, compares it with the models and
writes models/migrations/versions/vNNNN_<msg>.py. Read it before committing: autogenerate does not
see renamed columns (it writes drop + add) or data that must be moved; write those steps by hand.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db import Database
from bot.migrate import MIGRATIONS, alembic_config, schema_diff, upgrade


def main(argv: list[str]) -> int:
    """Writes one migration named by the arguments."""
    message = " ".join(argv).strip()
    if not message:
        print('usage: make migration MSG="what changed"', file=sys.stderr)
        return 2
    known = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    with tempfile.TemporaryDirectory() as scratch:
        db = Database(f"sqlite:///{scratch}/schema.db")
        if known:
            upgrade(db)
        with db.engine.connect() as connection:
            if not schema_diff(connection):
                print("the models match the migrations: nothing to write", file=sys.stderr)
                return 1
        with db.engine.begin() as connection:
            script = command.revision(
                alembic_config(connection),
                message=message,
                autogenerate=True,
                rev_id=f"{len(known) + 1:04d}",
            )
        db.dispose()
    path = getattr(script, "path", None)
    if path:
        subprocess.run([sys.executable, "-m", "ruff", "format", "-q", path], check=False)
        shown = Path(path).relative_to(MIGRATIONS.parent.parent)
        print(f"wrote {shown}: read it before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
