"""`python -m benchmarks taps`: the CPU one tap of each button costs, one user after another.

python -m benchmarks taps                     # SQLite file
python -m benchmarks taps --database-url postgresql://postgres@127.0.0.1:5432/test

Each simulated user takes the burst's button journeys (benchmarks/burst.py: /start, the shop,
the trees, the language) through `Application.process_update`, alone, with a Bot API that
answers at once; the process's CPU time of every update is noted by what was tapped. Nothing
runs beside it, so the figures are steadier than a burst's and tell one screen's cost from
another's; the first users warm the caches and are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from telegram import Update

from benchmarks.burst import adopt_taps, language_taps, opening, shop_taps, what_was_sent
from benchmarks.driver import Driver, SimUser
from benchmarks.journeys import LANGUAGE_CODES
from benchmarks.options import command_parser
from benchmarks.setup import journey_application

WARM_UP = 5  # users not counted


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parses `python -m benchmarks taps ...`."""
    parser = command_parser("python -m benchmarks taps", __doc__)
    parser.add_argument("--users", type=int, default=60, help="users, one after another (60)")
    return parser.parse_args(argv)


async def cpu_by_tap(args: argparse.Namespace) -> dict[str, list[float]]:
    """CPU seconds of every counted update, by what was tapped or typed."""
    found: dict[str, list[float]] = {}
    async with journey_application(args.database_url, 1) as (app, api, trees):
        driver = Driver(app, api)
        for number in range(args.users):
            user = SimUser(5000 + number, f"User{number}", LANGUAGE_CODES[number % 3])
            for journey in (opening, shop_taps, adopt_taps, language_taps):
                async for data in journey(driver, user, trees[0]):
                    calls = len(api.calls)
                    started = time.process_time()
                    await app.process_update(Update.de_json(data, app.bot))
                    spent = time.process_time() - started
                    for call in api.calls[calls:]:
                        driver.observe(call)
                    api.calls.clear()
                    if number >= WARM_UP:
                        found.setdefault(what_was_sent(data), []).append(spent)
    return found


def main(argv: list[str]) -> int:
    """Prints the median CPU per tap of each button, and their sum."""
    args = parse_args(argv)
    print(f"command: python -m benchmarks taps {' '.join(argv)}".rstrip())
    found = asyncio.run(cpu_by_tap(args))
    medians = {what: 1000 * statistics.median(spent) for what, spent in found.items()}
    for what, median in medians.items():
        print(f"  {what:<16} median {median:6.2f} ms of CPU")
    print(f"  all {len(medians)} taps: {sum(medians.values()):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
