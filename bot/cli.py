"""Command line: run the bot (polling), chat in the console, and operators' tools."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.db import Database

log = logging.getLogger("bot")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(
        prog="orchard-bot",
        description="The village post office's orchard bot. Without BOT_TOKEN it opens the "
        "console chat.",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="long polling against Telegram (needs BOT_TOKEN)")
    console = commands.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--user-id", type=int, default=1001, help="Telegram user id to act as")
    console.add_argument("--first-name", default="Ann", help="the user's first name")
    console.add_argument("--last-name", default=None, help="the user's last name")
    console.add_argument("--username", default=None, help="the user's @username")
    console.add_argument(
        "--lang", default=None, help="Telegram language_code, e.g. zh-hans, lo, en-US"
    )
    console.add_argument(
        "--files-dir", default="console-files", help="where photos and documents are saved"
    )
    confirm = commands.add_parser(
        "confirm-payment", help="confirm an offline payment by its reference code"
    )
    confirm.add_argument("reference", help="the code the buyer quoted, e.g. P7KQ3XM9A")
    confirm.set_defaults(run=cmd_confirm_payment)
    export = commands.add_parser("export", help="write orders as CSV (UTF-8 with BOM)")
    export.add_argument("kind", help="what to export, e.g. orders")
    export.add_argument("--output", required=True, help="the CSV file to write")
    export.set_defaults(run=cmd_export)
    importer = commands.add_parser(
        "import-catalog",
        help="load villages, species, farmers, trees, products and ways to pay from YAML or CSV",
    )
    importer.add_argument(
        "file",
        type=Path,
        help="catalog.yaml, or one CSV of trees, products, villages or ways to pay",
    )
    importer.set_defaults(run=cmd_import_catalog)
    commands.add_parser("migrate", help="upgrade the database schema to this version's")
    rotate = commands.add_parser(
        "rotate-key", help="re-encrypt every personal value under a new data key"
    )
    rotate.set_defaults(run=cmd_rotate_key)
    encrypt = commands.add_parser(
        "encrypt-data", help="encrypt personal values stored before encryption existed"
    )
    encrypt.set_defaults(run=cmd_encrypt_data)
    commands.add_parser("new-key", help="print a fresh data key (for DATA_KEY)")
    commands.add_parser("webhook", help="serve Telegram's webhook (WEBHOOK_URL, WEBHOOK_SECRET)")
    return parser.parse_args(argv)


def setup_logging(level: str) -> None:
    """Logs to stderr; the HTTP client's per-request lines only at DEBUG."""
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # bot.runtime logs the upgrade
    logging.getLogger("tornado.access").setLevel(logging.WARNING)  # keeps 4xx/5xx only
    from bot.redact import install

    install()  # no phone number, address or payment detail reaches the log


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bot` and `orchard-bot`; returns the exit status."""
    args = parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    if args.command == "migrate":
        return cmd_migrate(settings)
    if args.command == "new-key":
        from models.core.crypto import new_key

        print(new_key())
        return 0
    if args.command == "webhook":
        from bot.webhook import missing_settings

        if problem := missing_settings(settings):
            print(f"configuration error: {problem}", file=sys.stderr)
            return 2
    from bot.migrate import SchemaError
    from bot.runtime import open_database

    try:
        db = open_database(settings)
    except SchemaError as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    from bot.datakey import setup_data_key
    from models.core.crypto import DataKeyError

    try:
        if args.command != "rotate-key":
            setup_data_key(settings, db)
        if getattr(args, "run", None):
            return int(args.run(settings, db, args))
    except DataKeyError as exc:
        print(f"data key error: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "run", None):
        return int(args.run(settings, db, args))
    if args.command == "webhook":
        from bot.webhook import run_webhook

        return run_webhook(settings, db)
    if args.command == "console" or (args.command is None and not settings.bot_token):
        return run_console(settings, db, args)
    if not settings.bot_token:
        print(
            "configuration error: BOT_TOKEN is not set (needed to run against Telegram)",
            file=sys.stderr,
        )
        return 2
    return run_polling(settings, db)


def run_polling(settings: Settings, db: Database) -> int:
    """Long polling against Telegram until Ctrl-C or SIGTERM (each batch stored first)."""
    from bot.runtime import run_polling as poll_telegram

    log.info("starting long polling")
    return poll_telegram(settings, db)


def cmd_migrate(settings: Settings) -> int:
    """Upgrades the database schema to the newest migration."""
    from bot.migrate import SchemaError, head_revision, prepare

    db = Database(settings.database_url)
    try:
        before = prepare(db, auto_migrate=True)
    except SchemaError as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    head = head_revision()
    if before == head:
        print(f"the database is up to date (migration {head})")
    else:
        print(f"upgraded the database from {before or 'nothing'} to migration {head}")
    return 0


def run_console(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    """Opens the console chat as the user described by the arguments."""
    from bot.app import build_application
    from bot.console import ConsoleBotAPI, console_banner, console_files_dir, main_console

    if getattr(args, "user_id", None) is None:  # plain `python -m bot` without a token
        args = parse_args(["console"])
    api = ConsoleBotAPI(sys.stdout, console_files_dir(Path(args.files_dir), args.user_id))
    application = build_application(settings, db, request=api, rate_limit=False)
    user = {"id": args.user_id, "is_bot": False, "first_name": args.first_name}
    for key in ("last_name", "username"):
        if getattr(args, key):
            user[key] = getattr(args, key)
    if args.lang:
        user["language_code"] = args.lang
    return main_console(application, api, user, console_banner(user, settings.admin_ids))


def cmd_confirm_payment(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    """Confirms an offline payment; the buyer is told the next time the bot runs."""
    from models.core.payments import PaymentError, confirm_offline_payment

    try:
        settlement = db.call(confirm_offline_payment, reference=args.reference, operator_id=0)
    except PaymentError as exc:
        print(f"payment {args.reference}: cannot confirm ({exc.code})", file=sys.stderr)
        return 1
    payment = settlement.payment
    state = "confirmed" if settlement.new else "was already confirmed"
    print(
        f"payment {payment.reference} ({payment.kind} {payment.target_id}, "
        f"{payment.amount_fen / 100:.2f} {payment.currency}) {state}: {payment.status}"
    )
    return 0


def cmd_rotate_key(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    """Re-encrypts every personal value under a new key, written to the key file."""
    from bot.datakey import rotate_key

    changed, path = rotate_key(settings, db)
    print(f"re-encrypted {changed} values under a new data key, now in {path} (mode 600)")
    if settings.data_key:
        print(f"DATA_KEY is set: replace it with the key in {path}, or unset it")
    return 0


def cmd_encrypt_data(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    """Encrypts the personal values stored before encryption existed."""
    from bot.datakey import encrypt_existing

    print(f"encrypted {encrypt_existing(settings, db)} stored values")
    return 0


def cmd_export(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    """Writes an export (the same CSV the operator gets with /export) to a file."""
    from models.reporting.export import EXPORTS

    if args.kind not in EXPORTS:
        print(f"export: unknown kind {args.kind!r}; one of {', '.join(EXPORTS)}", file=sys.stderr)
        return 2
    content = db.call(EXPORTS[args.kind])
    Path(args.output).write_bytes(content)
    print(f"{args.kind}: wrote {len(content)} bytes to {args.output} (contains personal data)")
    return 0


def cmd_import_catalog(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    """Imports an operator's catalog file: every row or, on any bad row, none."""
    from models.catalog.importer import CatalogImportError, import_catalog, read_catalog_file

    try:
        counts = db.call(import_catalog, sections=read_catalog_file(args.file))
    except (CatalogImportError, OSError) as exc:
        print(f"{args.file}: nothing imported\n{exc}", file=sys.stderr)
        return 1
    print(", ".join(f"{count} {name}" for name, count in counts.items()) + " imported")
    return 0
