"""Every dialogue's set-up, and its one way out: going elsewhere ends it and forgets its scratch.

`dialogue()` builds each of the bot's ConversationHandlers the same way: persistent, re-entered
from its entry points, left with /cancel, and with no fallbacks for the menu or other screens.

A ConversationHandler keeps its state until one of its own handlers ends it, so a user who left
the adoption dialogue through the main menu would have their next text read as the answer to
the old question. `leave_stale_dialogues` runs before the journeys (group -2): when the update
will be handled by something other than an open dialogue — another journey's button or command,
the main menu, a Back to a screen outside the dialogue — that dialogue ends first, and the
user_data key it keeps its answers under (`scratch`) is dropped with it. Input nothing handles (a
forged button, an unknown command, a sticker) falls to the catch-alls and leaves the dialogue
where it was; consent buttons (`PRIV …`) are part of the dialogue that showed them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from handlers.kit import routes
from handlers.kit.common import cancel

JOURNEY_GROUP = 0
# Buttons shown inside a dialogue by a helper outside it: they must not end the dialogue.
INSIDE_PREFIXES = (routes.PRIVACY + " ",)
CATCH_ALL_MODULE = "handlers.kit.fallback"  # input no journey takes: unknown, stale or forged

AnyApp = Application[Any, Any, Any, Any, Any, Any]
Callback = Callable[[Update, Any], Coroutine[Any, Any, Any]]

# The user_data key each dialogue keeps its answers under, by the dialogue's name.
SCRATCH: dict[str, str] = {}


def dialogue(
    name: str,
    entry_points: Sequence[BaseHandler[Any, Any, Any]],
    states: Mapping[object, Sequence[BaseHandler[Any, Any, Any]]],
    *,
    on_cancel: Callback = cancel,
    fallbacks: Sequence[BaseHandler[Any, Any, Any]] = (),
    scratch: str | None = None,
) -> ConversationHandler[Any]:
    """A persistent dialogue named `name` (its saved state's key), left by /cancel or by going
    elsewhere; `scratch` is the user_data key its answers are kept under until it ends."""
    if scratch is not None:
        SCRATCH[name] = scratch
    with warnings.catch_warnings():
        # Every dialogue mixes buttons and typed text, so it is tracked per user and chat
        # rather than per message (per_message=False) on purpose.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=list(entry_points),
            states={state: list(handlers) for state, handlers in states.items()},
            fallbacks=[CommandHandler("cancel", on_cancel), *fallbacks],
            name=name,
            persistent=True,
            allow_reentry=True,
        )


def taker(application: AnyApp, update: Update) -> BaseHandler[Any, Any, Any] | None:
    """The journey handler that will handle this update (PTB's first match), if any."""
    for handler in application.handlers.get(JOURNEY_GROUP, []):
        check = handler.check_update(update)
        if check is not None and check is not False:
            return handler
    return None


def is_catch_all(handler: BaseHandler[Any, Any, Any]) -> bool:
    """Whether a handler is one of the catch-alls (unknown input, stale or forged buttons)."""
    return getattr(getattr(handler, "callback", None), "__module__", "") == CATCH_ALL_MODULE


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


def end_dialogue(dialogue: ConversationHandler[Any], update: Update, context: Any) -> None:
    """Ends the user's conversation in this dialogue and drops its scratch (both persisted at
    the end of the update)."""
    dialogue._update_state(ConversationHandler.END, dialogue._get_key(update))
    key = SCRATCH.get(dialogue.name or "")
    if key is not None and context.user_data is not None:
        context.user_data.pop(key, None)


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
    handler = taker(application, update)
    if handler is None or is_catch_all(handler):
        return
    for open_one in dialogues:
        if open_one is not handler:
            end_dialogue(open_one, update, context)
