"""The garbage collector tuned for a long-running bot, once start-up is done.

At a festival's peak Python's cyclic collector took 13 % of the bot's CPU: every full
collection walked the whole start-up heap (modules, table metadata, translations, compiled
statements: about 200,000 objects that live as long as the process), and the young generation
was collected every 700 allocations, promoting objects that an update would free a moment
later. So when the bot is ready `settle_memory` moves what exists then out of the collector's
sight (`gc.freeze`) and lets the young generation grow larger before it is collected. Reference
counting still frees everything as before; only garbage in reference cycles waits a little
longer (docs/performance.md, session 7).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # allocations between two collections of the youngest generation


def settle_memory() -> None:
    """Sets the start-up heap aside from the cyclic collector and collects the young less often."""
    gc.collect()  # what start-up left in cycles goes now, not frozen for good
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
