"""The back office's harvests: adopters' shares to ship (carrier + tracking), then completed."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.notify import AnyApp, Outgoing
from handlers.adoption.my_trees import status_label
from handlers.kit import routes
from handlers.kit.carriers import (
    carrier_error,
    carrier_rows,
    listed_carrier,
    tracking_error,
    typed_carrier_name,
)
from handlers.kit.common import (
    back_button,
    button,
    esc,
    keyboard,
    menu_row,
    page_count,
    pager,
    show,
)
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import operator_only
from handlers.shop.orders import COUNTRY_NAMES
from models.adoption.adoptions import AdoptionStatus, adoption_view
from models.adoption.harvests import (
    LISTS,
    Harvest,
    HarvestError,
    complete_harvest,
    harvest,
    harvests,
    ship_harvest,
    shipment_of,
)
from models.shop.backoffice import valid_tracking

PAGE = 5
KEY = "oph"
TITLES = {"ready": N_("Harvests to ship"), "sent": N_("Harvests on their way")}
STATUS_LIST = {"ready": "a", "sent": "s"}  # the route's words → models.adoption.harvests.LISTS
BACK = routes.HARVEST_BACK.data()


def view_data(adoption_id: int | None) -> str:
    """The data of a button that shows one adoption's harvest share."""
    return routes.HARVEST.data(adoption_id=adoption_id)


class Step(IntEnum):
    """Where the operator is in shipping a harvest share."""

    CARRIER = 1
    CARRIER_TYPED = 2
    TRACKING = 3


def harvest_text(context: BotContext, entry: Harvest, full: bool = False) -> str:
    """A harvest share: tree, season, kg, recipient; with `full`, where it goes."""
    tr, adoption = context.tr, entry.adoption
    country = tr._(COUNTRY_NAMES.get(adoption.country, adoption.country))
    lines = [
        f"{entry.species.emoji} <b>{esc(entry.tree.code)}</b> · {adoption.season} · "
        + tr._("{kg} kg").format(kg=tr.number(entry.tree.harvest_kg)),
        tr._("To: {name} · {country}").format(name=esc(entry.recipient), country=country),
    ]
    if full:
        lines += [
            tr._("Status: {status}").format(status=status_label(tr, adoption.status)),
            tr._("Address: {address}").format(address=esc(adoption.address)),
            tr._("Phone: {phone}").format(phone=esc(adoption.phone)),
        ]
        if adoption.certificate_no:
            lines.append(tr._("Certificate no.: {number}").format(number=adoption.certificate_no))
    if entry.shipment is not None:
        lines.append(
            tr._("Sent with {carrier}, tracking number {tracking}").format(
                carrier=esc(entry.shipment.carrier), tracking=esc(entry.shipment.tracking_number)
            )
        )
    return "\n".join(lines)


@operator_only
async def list_harvests(update: Update, context: BotContext) -> None:
    """One page of harvest shares to ship or on their way."""
    which, page = routes.text_field(context, "which"), routes.tapped(context, "page")
    tr = context.tr
    entries, total = await context.db.run(
        harvests, status=LISTS[STATUS_LIST[which]], offset=page * PAGE, limit=PAGE
    )
    lines = ["<b>" + tr._(TITLES[which]) + "</b>"]
    if not entries:
        lines.append(tr._("Nothing here right now."))
    lines += [harvest_text(context, entry) for entry in entries]
    if total > PAGE:
        lines.append(tr._("Page {page} of {pages}").format(page=page + 1, pages=-(-total // PAGE)))
    rows = [
        [button(f"{e.tree.code} · {e.adoption.season}", view_data(e.adoption.id))] for e in entries
    ]
    paging = pager(routes.HARVESTS, page, page_count(total, PAGE), which=which)
    other = "sent" if which == "ready" else "ready"
    switch = [button(tr._(TITLES[other]), routes.HARVESTS.data(which=other, page=0))]
    back = [back_button(context, routes.BACK_OFFICE.data())]
    markup = keyboard(*rows, paging, switch, back, menu_row(context))
    await show(update, context, "\n\n".join(lines), markup)


@operator_only
async def view_harvest(update: Update, context: BotContext) -> int:
    """One harvest share with address and phone, and what can be done with it."""
    await show_harvest(update, context, routes.tapped(context, "adoption_id"))
    return ConversationHandler.END


async def show_harvest(
    update: Update, context: BotContext, adoption_id: int, notice: str | None = None
) -> None:
    """The operator's screen for one adoption's harvest share."""
    tr = context.tr
    entry = await context.db.run(harvest, adoption_id=adoption_id)
    if entry is None:
        await show(
            update,
            context,
            tr._("There is no such adoption."),
            keyboard([back_button(context, routes.HARVESTS.data(which="ready", page=0))]),
        )
        return
    text = harvest_text(context, entry, full=True)
    if notice:
        text = f"<i>{notice}</i>\n\n{text}"
    status = entry.adoption.status
    rows = []
    if status == AdoptionStatus.ACTIVE:
        ship = routes.HARVEST_SHIP.data(adoption_id=adoption_id)
        rows.append([button("🚚 " + tr.pgettext("button", "Ship harvest"), ship)])
    if status == AdoptionStatus.HARVEST_SHIPPED:
        done = routes.HARVEST_COMPLETE.data(adoption_id=adoption_id)
        rows.append([button("✅ " + tr.pgettext("button", "Mark completed"), done)])
    which = "sent" if status == AdoptionStatus.HARVEST_SHIPPED else "ready"
    rows.append([back_button(context, routes.HARVESTS.data(which=which, page=0))])
    await show(update, context, text, keyboard(*rows))


def refused(tr: Translator, exc: HarvestError) -> str:
    """Why an adoption could not be moved."""
    if exc.code == "not_found":
        return tr._("There is no such adoption.")
    return tr._("This adoption has moved on in the meantime; nothing was changed.")


@operator_only
async def complete(update: Update, context: BotContext) -> None:
    """Marks a shipped harvest share as arrived: the adoption is completed."""
    assert update.effective_user is not None
    adoption_id = routes.tapped(context, "adoption_id")
    try:
        await context.db.run(
            complete_harvest, adoption_id=adoption_id, by_user_id=update.effective_user.id
        )
        notice = context.tr._("Marked completed.")
    except HarvestError as exc:
        notice = refused(context.tr, exc)
    await show_harvest(update, context, adoption_id, notice)


# --- shipping: carrier, then tracking number -------------------------------------------------


@operator_only
async def start_ship(update: Update, context: BotContext) -> int:
    """Asks which carrier takes the harvest parcel."""
    context.scratch[KEY] = {"adoption": routes.tapped(context, "adoption_id")}
    return await ask_carrier(update, context)


async def ask_carrier(update: Update, context: BotContext) -> int:
    """Carrier buttons and Back to the adoption."""
    rows = carrier_rows(context, routes.HARVEST_CARRIER)
    rows.append([back_button(context, view_data(context.scratch[KEY]["adoption"]))])
    text = context.tr._("Which carrier takes the parcel?")
    await show(update, context, text, keyboard(*rows))
    return Step.CARRIER


@operator_only
async def choose_carrier(update: Update, context: BotContext) -> int:
    """Stores a listed carrier, or asks for another one's name."""
    carrier = listed_carrier(routes.text_field(context, "carrier"))
    if carrier is None:
        text = context.tr._("Send the carrier's name.")
        await show(update, context, text, keyboard([back_button(context, BACK)]))
        return Step.CARRIER_TYPED
    context.scratch[KEY]["carrier"] = carrier
    return await ask_tracking(update, context)


@operator_only
async def typed_carrier(update: Update, context: BotContext) -> int:
    """Stores a carrier's name typed in."""
    assert update.effective_message is not None
    name = typed_carrier_name(update.effective_message.text or "")
    if name is None:
        await show(update, context, carrier_error(context), keyboard([back_button(context, BACK)]))
        return Step.CARRIER_TYPED
    context.scratch[KEY]["carrier"] = name
    return await ask_tracking(update, context)


async def ask_tracking(update: Update, context: BotContext, error: str | None = None) -> int:
    """Asks for the tracking number."""
    text = context.tr._("Carrier: {carrier}. Send the tracking number.").format(
        carrier=esc(context.scratch[KEY]["carrier"])
    )
    if error:
        text = f"{error}\n\n{text}"
    await show(update, context, text, keyboard([back_button(context, BACK)]))
    return Step.TRACKING


@operator_only
async def got_tracking(update: Update, context: BotContext) -> int:
    """Checks the tracking number and ships the harvest share."""
    assert update.effective_message is not None and update.effective_user is not None
    tracking = valid_tracking(update.effective_message.text or "")
    if tracking is None:
        return await ask_tracking(update, context, tracking_error(context))
    draft = context.scratch.pop(KEY)
    try:
        await context.db.run(
            ship_harvest,
            adoption_id=draft["adoption"],
            carrier=draft["carrier"],
            tracking_number=tracking,
            by_user_id=update.effective_user.id,
        )
        notice = context.tr._("Shipped. The adopter is being told, with the tracking number.")
    except HarvestError as exc:
        notice = refused(context.tr, exc)
    await show_harvest(update, context, draft["adoption"], notice)
    return ConversationHandler.END


@operator_only
async def back_to_carrier(update: Update, context: BotContext) -> int:
    """Back to the carrier buttons."""
    return await ask_carrier(update, context)


async def render_harvest_shipped(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """The adopter's notice that their harvest share is on its way, in their language."""
    db, adoption_id = app.bot_data["db"], int(params["adoption_id"])
    view = await db.run(adoption_view, adoption_id=adoption_id)
    parcel = await db.run(shipment_of, adoption_id=adoption_id)
    if view is None or parcel is None:
        raise LookupError(params)
    text = tr._(
        "🧺 The harvest of your tree {code} ({season}) is on its way: {kg} kg with {carrier}, "
        "tracking number {tracking}."
    ).format(
        code=esc(view.tree.code),
        season=view.adoption.season,
        kg=tr.number(view.tree.harvest_kg),
        carrier=esc(parcel.carrier),
        tracking=esc(parcel.tracking_number),
    )
    mine = button("🌳 " + tr._("My trees"), routes.MY_TREE.data(adoption_id=view.adoption.id))
    return Outgoing(text, keyboard([mine]))


TEXT = filters.TEXT & ~filters.COMMAND


def conversation() -> ConversationHandler[BotContext]:
    """The typed steps of shipping a harvest share: carrier and tracking number."""
    return dialogue(
        "operator_harvests",
        [routes.HARVEST_SHIP.handler(start_ship)],
        {
            Step.CARRIER: [routes.HARVEST_CARRIER.handler(choose_carrier)],
            Step.CARRIER_TYPED: [
                MessageHandler(TEXT, typed_carrier),
                routes.HARVEST_BACK.handler(back_to_carrier),
            ],
            Step.TRACKING: [
                MessageHandler(TEXT, got_tracking),
                routes.HARVEST_BACK.handler(back_to_carrier),
            ],
        },
        scratch=KEY,
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The back office's harvest handlers, for `bot.app.journey_handlers`."""
    return [
        conversation(),
        routes.HARVESTS.handler(list_harvests),
        routes.HARVEST.handler(view_harvest),
        routes.HARVEST_COMPLETE.handler(complete),
    ]
