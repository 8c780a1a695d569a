"""Where the user is in a long dialogue: "Step 2 of 4", counted in big steps.

A big step holds the questions that belong together (the address, the recipient and the phone
are one "delivery" step, with the consent screen before them), so a question skipped inside
it ("use this address", no consent needed, no gift) never changes the count or sends the
number backwards.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Translator


def step_marker(tr: Translator, steps: Sequence[str], current: str) -> str:
    """ "Step 2 of 4" in bold: where `current` stands among the dialogue's big steps."""
    text = tr._("Step {number} of {total}").format(
        number=steps.index(current) + 1, total=len(steps)
    )
    return f"<b>{text}</b>"


def with_step(tr: Translator, steps: Sequence[str], current: str, text: str) -> str:
    """A prompt with its step marker above it."""
    return f"{step_marker(tr, steps, current)}\n{text}"
