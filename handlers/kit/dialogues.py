"""Leaving a dialogue by going elsewhere: a menu button, another journey or a command ends it.

A ConversationHandler keeps its state until one of its own handlers ends it, so a user who left
the adoption dialogue through the main menu would have their next text read as the answer to
the old question. `leave_stale_dialogues` runs before the journeys (group -2): when the update
will be handled by something other than an open dialogue — another journey's button or command —
that dialogue ends first. Input nothing handles (a forged button, an unknown command, a sticker)
falls to the catch-alls and leaves the dialogue where it was; consent buttons (`PRIV …`) are
part of the dialogue that showed them.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, ConversationHandler

from handlers.kit import routes

JOURNEY_GROUP = 0
# Buttons shown inside a dialogue by a helper outside it: they must not end the dialogue.
INSIDE_PREFIXES = (routes.PRIVACY + " ",)
CATCH_ALL_MODULE = "handlers.kit.fallback"  # input no journey takes: unknown, stale or forged

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def _taker(application: AnyApp, update: Update) -> BaseHandler[Any, Any, Any] | None:
    """The journey handler that will handle this update (PTB's first match), if any."""
    for handler in application.handlers.get(JOURNEY_GROUP, []):
        check = handler.check_update(update)
        if check is not None and check is not False:
            return handler
    return None


def _navigation(update: Update) -> bool:
    """Whether the update is a tap or a command: the ways to go elsewhere (not a payment)."""
    message = update.message
    return update.callback_query is not None or bool(
        message is not None and message.text and message.text.startswith("/")
    )


def _inside(update: Update) -> bool:
    """Whether a tap belongs to whatever dialogue is open (consent screens)."""
    query = update.callback_query
    return query is not None and (query.data or "").startswith(INSIDE_PREFIXES)


# PTB has no public API to read or end another handler's conversation: _get_key, _conversations
# and _update_state are PTB 22's own (tests/test_dialogues.py fails if an upgrade changes them).
def open_dialogues(application: AnyApp, update: Update) -> list[ConversationHandler[Any]]:
    """The journeys' dialogues this update's user stands in."""
    found = []
    for handler in application.handlers.get(JOURNEY_GROUP, []):
        if isinstance(handler, ConversationHandler):
            key = handler._get_key(update)
            if key in handler._conversations:
                found.append(handler)
    return found


def end_dialogue(dialogue: ConversationHandler[Any], update: Update) -> None:
    """Ends the user's conversation in this dialogue (persisted at the end of the update)."""
    dialogue._update_state(ConversationHandler.END, dialogue._get_key(update))


async def leave_stale_dialogues(update: Update, context: Any) -> None:
    """Ends any open dialogue the update is leaving for another journey (group -2)."""
    if update.effective_user is None or update.effective_chat is None:
        return
    if not _navigation(update) or _inside(update):
        return
    application: AnyApp = context.application
    dialogues = open_dialogues(application, update)
    if not dialogues:
        return
    taker = _taker(application, update)
    if taker is None or getattr(getattr(taker, "callback", None), "__module__", "") == (
        CATCH_ALL_MODULE
    ):
        return
    for dialogue in dialogues:
        if dialogue is not taker:
            end_dialogue(dialogue, update)
