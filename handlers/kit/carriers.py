"""Choosing a carrier and a tracking number: the steps shared by shipping an order and a harvest.

A dialogue that ships something builds one `Shipping` and uses its `states()`; the thing's id and
the carrier chosen wait in the dialogue's scratch (`context.scratch[scratch]`) until the tracking
number arrives and `ship` is called.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import BaseHandler, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from handlers.kit.common import back_button, button, esc, keyboard, show
from handlers.kit.roles import Callback
from handlers.kit.routes import CARRIER, Route, tapped, text_field
from models.core.contact import clean_text
from models.shop.backoffice import valid_tracking
from models.shop.carriers import LISTED, carrier_name

MAX_CARRIER = 40
CARRIERS = tuple(carrier.code for carrier in LISTED)  # stored as codes, named per reader
OTHER = "other"  # the button that asks for a carrier's name
# The route's field allows exactly one choice per listed carrier, and "other".
assert CARRIER.regex == "|".join([*map(str, range(len(CARRIERS))), OTHER])


def carrier_rows(context: BotContext, route: Route) -> list[list[InlineKeyboardButton]]:
    """One button per listed carrier and one to type another, each sending `route`."""
    rows = [
        [button("🚚 " + carrier_name(code, context.lang), route.data(carrier=i))]
        for i, code in enumerate(CARRIERS)
    ]
    label = "✏️ " + context.tr.pgettext("button", "Another carrier")
    rows.append([button(label, route.data(carrier=OTHER))])
    return rows


def listed_carrier(choice: str) -> str | None:
    """The carrier a button stands for, or None for "another carrier"."""
    return None if choice == OTHER else CARRIERS[int(choice)]


def typed_carrier_name(raw: str) -> str | None:
    """A carrier's name as typed, with spaces tidied; None unless 2–40 visible characters."""
    name = clean_text(" ".join(raw.split()), MAX_CARRIER)
    return name if name is not None and len(name) >= 2 else None


def carrier_error(context: BotContext) -> str:
    """Why a typed carrier name was refused."""
    return context.tr._("Please send a carrier name of 2 to {limit} characters.").format(
        limit=MAX_CARRIER
    )


def tracking_error(context: BotContext) -> str:
    """Why a tracking number was refused."""
    return context.tr._(
        "A tracking number has 6 to 40 letters, digits or dashes, e.g. EA123456789CN."
    )


class ShipStep(IntEnum):
    """The shipping steps (the values are persisted as the dialogue's state)."""

    CARRIER = 1
    CARRIER_TYPED = 2
    TRACKING = 3


Ship = Callable[[Update, BotContext, int, str, str], Awaitable[None]]
TEXT = filters.TEXT & ~filters.COMMAND


@dataclass(frozen=True)
class Shipping:
    """The carrier buttons (or a carrier typed in), then the tracking number, then `ship`."""

    scratch: str  # the dialogue's user_data key: {id_key: the thing's id, "carrier": …}
    id_key: str  # "order", "adoption"
    field: str  # the routes' field with the thing's id: "order_id", "adoption_id"
    button: Route  # the Ship button that opens these steps
    carrier: Route  # the carrier buttons
    back: Route  # from typing back to the carrier buttons
    view: Route  # the thing's screen, Back from the carrier buttons
    ship: Ship  # ships it (id, carrier, tracking number) and shows what happened
    guard: Callable[[Callback], Callback]  # who may ship: operator_only

    async def start(self, update: Update, context: BotContext) -> int:
        """The entry button (`Ship`): asks which carrier takes the parcel."""
        context.scratch[self.scratch] = {self.id_key: tapped(context, self.field)}
        return await self.ask_carrier(update, context)

    async def ask_carrier(self, update: Update, context: BotContext) -> int:
        """Carrier buttons, one for a carrier typed in, and Back to the thing shipped."""
        rows = carrier_rows(context, self.carrier)
        thing = context.scratch[self.scratch][self.id_key]
        rows.append([back_button(context, self.view.data(**{self.field: thing}))])
        text = context.tr._("Which carrier takes the parcel?")
        await show(update, context, text, keyboard(*rows))
        return ShipStep.CARRIER

    async def choose_carrier(self, update: Update, context: BotContext) -> int:
        """Stores a listed carrier, or asks for another one's name."""
        carrier = listed_carrier(text_field(context, "carrier"))
        if carrier is None:
            text = context.tr._("Send the carrier's name.")
            await show(update, context, text, keyboard([back_button(context, self.back.data())]))
            return ShipStep.CARRIER_TYPED
        context.scratch[self.scratch]["carrier"] = carrier
        return await self.ask_tracking(update, context)

    async def typed_carrier(self, update: Update, context: BotContext) -> int:
        """Stores a carrier's name typed in, or says why it was refused."""
        assert update.effective_message is not None
        name = typed_carrier_name(update.effective_message.text or "")
        if name is None:
            markup = keyboard([back_button(context, self.back.data())])
            await show(update, context, carrier_error(context), markup)
            return ShipStep.CARRIER_TYPED
        context.scratch[self.scratch]["carrier"] = name
        return await self.ask_tracking(update, context)

    async def ask_tracking(
        self, update: Update, context: BotContext, error: str | None = None
    ) -> int:
        """Asks for the tracking number (after an error, if any)."""
        text = context.tr._("Carrier: {carrier}. Send the tracking number.").format(
            carrier=esc(carrier_name(context.scratch[self.scratch]["carrier"], context.lang))
        )
        if error:
            text = f"{error}\n\n{text}"
        await show(update, context, text, keyboard([back_button(context, self.back.data())]))
        return ShipStep.TRACKING

    async def got_tracking(self, update: Update, context: BotContext) -> int:
        """Checks the tracking number, forgets the scratch and ships."""
        assert update.effective_message is not None
        tracking = valid_tracking(update.effective_message.text or "")
        if tracking is None:
            return await self.ask_tracking(update, context, tracking_error(context))
        draft = context.scratch.pop(self.scratch)
        await self.ship(update, context, draft[self.id_key], draft["carrier"], tracking)
        return ConversationHandler.END

    def entry(self) -> BaseHandler[Any, Any, Any]:
        """The Ship button that opens these steps."""
        return self.button.handler(self.guard(self.start))

    def states(self) -> dict[object, list[BaseHandler[Any, Any, Any]]]:
        """The dialogue states of the shipping steps."""
        back = self.back.handler(self.guard(self.ask_carrier))
        return {
            ShipStep.CARRIER: [self.carrier.handler(self.guard(self.choose_carrier))],
            ShipStep.CARRIER_TYPED: [MessageHandler(TEXT, self.guard(self.typed_carrier)), back],
            ShipStep.TRACKING: [MessageHandler(TEXT, self.guard(self.got_tracking)), back],
        }
