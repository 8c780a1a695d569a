"""What the bot says to input no journey is waiting for, and to buttons nothing handles."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from handlers.account.start import main_menu
from handlers.kit.common import show
from handlers.kit.dialogues import open_dialogues
from handlers.kit.roles import deny, has_role
from handlers.kit.routes import route_of
from models.core.user import Role

MAX_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL (bigint) can store

# callback_data prefixes of buttons only some roles may press.
ROLE_PREFIXES: dict[str, tuple[Role, ...]] = {
    "OPS": (Role.OPERATOR,),
    "BC": (Role.OPERATOR,),
    "OPO": (Role.OPERATOR,),
    "HLP": (Role.OPERATOR,),
    "OPP": (Role.OPERATOR,),
    "OPM": (Role.OPERATOR,),
    "OPH": (Role.OPERATOR,),
    "FRM": (Role.FARMER, Role.OPERATOR),
}


async def unknown_input(update: Update, context: BotContext) -> None:
    """Points the user to the open question, or to the menu when no dialogue is open."""
    if open_dialogues(context.application, update):
        text = context.tr._("Please answer the question above, or send /cancel to stop.")
        await show(update, context, "⚠️ " + text)
        return
    message = update.effective_message
    if message is not None and (
        message.voice or message.audio or message.photo or message.video_note
    ):
        from handlers.account.helpdesk import offer_to_send  # the account builds on the kit

        await offer_to_send(update, context)
        return
    text = context.tr._("I did not understand that. Please choose from the menu:")
    await show(update, context, text, main_menu(context))


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """Answers /cancel outside any dialogue."""
    if context.user_data is not None:
        context.user_data.clear()
    text = context.tr._("There is nothing to cancel.")
    await show(update, context, text, main_menu(context))


async def stale_button(update: Update, context: BotContext) -> None:
    """Answers a tap on a button that no handler recognises (an old or forged one)."""
    query = update.callback_query
    if query is None:
        return
    prefix = (query.data or "").split(" ", 1)[0]
    roles = ROLE_PREFIXES.get(prefix)
    if roles is not None and not has_role(context, *roles):
        await deny(update, context)  # a forged back-office button: say no, not "out of date"
        return
    await query.answer(context.tr._("This button is out of date."), show_alert=True)


def impossible_number(data: object) -> bool:
    """Whether a button's data carries a number no row can have: forged, answered as stale.

    Every number field of the button's route is checked, and the button a consent screen's
    "Continue" would send; data no route matches falls to `stale_button` anyway.
    """
    found = route_of(data) if isinstance(data, str) else None
    if found is None:
        return False
    route, match = found
    for field in route.every_field:
        value = match[field.name]
        if value is None:
            continue
        if field.number and int(value) > MAX_ID:
            return True
        if field.nested and impossible_number(value):
            return True
    return False
