"""`python -m benchmarks`: journeys vs. a bare echo bot, each phase in its own process.

python -m benchmarks                       # 1,000 users on a SQLite file
python -m benchmarks --users 200           # fewer users
DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m benchmarks
python -m benchmarks --scale               # 10,000 trees, 100,000 orders, 50,000 users: list p99
python -m benchmarks --pictures            # certificate rendering, a 10,000-recipient broadcast
python -m benchmarks --threads             # SQLite calls on worker threads (as PostgreSQL's)
python -m benchmarks burst --rtt 150 --users 200 [--limiter] [--repeat] [--broadcast 10000]
                                           # users at once behind a real round trip (burst.py)
python -m benchmarks taps [--database-url ...]  # CPU per tap of each button, one user at a time
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from typing import Any

from benchmarks.options import command_parser
from benchmarks.stats import RunFigures, peak_rss_mb


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parses the command line."""
    parser = command_parser("python -m benchmarks", __doc__)
    parser.add_argument("--users", type=int, default=1000, help="simulated users (1000)")
    parser.add_argument("--scale", action="store_true", help="seed a large history, time lists")
    parser.add_argument("--trees", type=int, default=10_000, help="--scale: trees (10000)")
    parser.add_argument("--orders", type=int, default=100_000, help="--scale: orders (100000)")
    parser.add_argument("--buyers", type=int, default=50_000, help="--scale: users (50000)")
    parser.add_argument(
        "--pictures", action="store_true", help="certificates and a broadcast on a virtual clock"
    )
    parser.add_argument(
        "--recipients", type=int, default=10_000, help="--pictures: broadcast size (10000)"
    )
    parser.add_argument(
        "--threads", action="store_true", help="run SQLite calls on worker threads too"
    )
    parser.add_argument("--phase", choices=["echo", "journeys"], help=argparse.SUPPRESS)
    parser.add_argument("--updates", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_phase(phase: str, args: argparse.Namespace, updates: int = 0) -> RunFigures:
    """Runs one phase in a fresh Python process (so its peak memory is its own)."""
    command = [
        sys.executable,
        "-m",
        "benchmarks",
        "--phase",
        phase,
        "--users",
        str(args.users),
        "--updates",
        str(updates),
    ]
    if args.database_url:
        command += ["--database-url", args.database_url]
    if args.threads:
        command.append("--threads")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"phase {phase} failed:\n{result.stderr[-4000:]}")
    for line in result.stderr.splitlines():
        if line.startswith("outcome:"):
            print(line)
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return RunFigures(**data)


def emit(figures: RunFigures) -> None:
    """Prints a phase's figures as JSON for the parent process."""
    print(json.dumps(figures.__dict__))


async def journeys_phase(args: argparse.Namespace) -> RunFigures:
    """Every simulated user takes a whole journey through the real Application."""
    from benchmarks.driver import Driver
    from benchmarks.journeys import adopters_among, journeys_for, users
    from benchmarks.setup import journey_application

    trees = adopters_among(args.users) + 100
    async with journey_application(args.database_url, trees, args.threads) as (app, api, tree_ids):
        driver = Driver(app, api, free_trees=list(reversed(tree_ids)))
        people = users(args.users)
        started = time.perf_counter()
        count = await driver.run_interleaved(journeys_for(driver, people))
        seconds = time.perf_counter() - started
        print(f"outcome: {journey_outcome(app)}", file=sys.stderr)
    label = "journeys (" + ("PostgreSQL" if args.database_url else "SQLite file") + ")"
    return RunFigures(label, count, seconds, driver.latencies_ms, peak_rss_mb())


def journey_outcome(app: Any) -> dict[str, int]:
    """What the journeys left in the database, to show they really happened."""
    from sqlalchemy import text

    queries = {
        "orders": "SELECT status, count(*) FROM shop_order GROUP BY status",
        "adoptions": "SELECT status, count(*) FROM adoption GROUP BY status",
        "payments": "SELECT status, count(*) FROM payment GROUP BY status",
    }
    outcome: dict[str, int] = {}
    with app.bot_data["db"].session() as session:
        for name, sql in queries.items():
            for status, count in session.execute(text(sql)):
                outcome[f"{name} {status}"] = count
    return outcome


async def echo_phase(args: argparse.Namespace) -> RunFigures:
    """The framework's floor: a bare PTB echo bot over the same offline Bot API."""
    from benchmarks.echo import run_echo

    return await run_echo(args.updates)


def describe_machine() -> str:
    """A line about where the figures were measured."""
    return (
        f"{platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints its figures."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["taps"]:
        from benchmarks.taps import main as taps

        return taps(argv[1:])
    if argv[:1] == ["burst"]:
        from benchmarks.burst import main as burst

        return burst(argv[1:])
    args = parse_args(argv)
    if args.phase == "journeys":
        emit(asyncio.run(journeys_phase(args)))
        return 0
    if args.phase == "echo":
        emit(asyncio.run(echo_phase(args)))
        return 0
    print(f"machine: {describe_machine()}")
    print(f"command: python -m benchmarks {' '.join(sys.argv[1:])}".rstrip())
    print("database: " + ("PostgreSQL" if args.database_url else "SQLite file"))
    if args.scale:
        from benchmarks.scale import run_scale

        for line in asyncio.run(run_scale(args.database_url, args.trees, args.orders, args.buyers)):
            print(line)
        print(f"peak RSS {peak_rss_mb():.1f} MB")
        return 0
    if args.pictures:
        from benchmarks.pictures import run_pictures

        for line in asyncio.run(run_pictures(args.database_url, args.recipients)):
            print(line)
        return 0
    journeys = run_phase("journeys", args)
    echo = run_phase("echo", args, updates=journeys.updates)
    print(journeys.line())
    print(echo.line())
    ratio = journeys.per_second / echo.per_second if echo.per_second else 0
    print(f"journey throughput / echo throughput = {ratio:.2f} (target ≥ 0.50)")
    print(f"journey p99 = {journeys.percentile(99):.2f} ms (target < 25 ms on SQLite)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
