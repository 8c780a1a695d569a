"""What every `python -m benchmarks` command's command line shares."""

from __future__ import annotations

import argparse
import os


def command_parser(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """A parser whose help is the command's module docstring, with `--database-url`."""
    parser = argparse.ArgumentParser(
        prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="PostgreSQL URL; default a fresh SQLite file",
    )
    return parser
