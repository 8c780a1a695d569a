"""The back office's harvests: adopters' shares to ship (carrier + tracking), then completed."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.notify import AnyApp, Outgoing
from handlers.adoption.my_trees import status_label
from handlers.kit import routes
from handlers.kit.carriers import Shipping
from handlers.kit.common import back_button, button, esc, keyboard, person, show
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import operator_only
from handlers.kit.screens import Page, action, show_missing, show_page, viewer, with_notice
from handlers.kit.tracking import delivery_estimate, track_row
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
from models.shop.carriers import carrier_name
from models.shop.shipping import delivery_days

PAGE = 5
KEY = "oph"
TITLES = {"ready": N_("Harvests to ship"), "sent": N_("Harvests on their way")}
ICONS = {"ready": "🧺", "sent": "📬"}
STATUS_LIST = {"ready": "a", "sent": "s"}  # the route's words → models.adoption.harvests.LISTS


def view_data(adoption_id: int | None) -> str:
    """The data of a button that shows one adoption's harvest share."""
    return routes.HARVEST.data(adoption_id=adoption_id)


def harvest_text(context: BotContext, entry: Harvest, full: bool = False) -> str:
    """A harvest share: tree, season, kg, recipient; with `full`, where it goes."""
    tr, adoption = context.tr, entry.adoption
    country = tr._(COUNTRY_NAMES.get(adoption.country, adoption.country))
    lines = [
        f"{entry.species.emoji} <b>{esc(entry.tree.code)}</b> · {adoption.season} · "
        + tr._("{kg} kg").format(kg=tr.number(entry.tree.harvest_kg)),
        tr._("To: {name} · {country}").format(name=person(tr, entry.recipient), country=country),
    ]
    if full:
        lines += [
            tr._("Status: {status}").format(status=status_label(tr, adoption.status)),
            tr._("Address: {address}").format(address=person(tr, adoption.address)),
            tr._("Phone: {phone}").format(phone=person(tr, adoption.phone)),
        ]
        if adoption.certificate_no:
            lines.append(tr._("Certificate no.: {number}").format(number=adoption.certificate_no))
    if entry.shipment is not None:
        lines.append(
            tr._("Sent with {carrier}, tracking number {tracking}").format(
                carrier=esc(carrier_name(entry.shipment.carrier, tr.language)),
                tracking=esc(entry.shipment.tracking_number),
            )
        )
    return "\n".join(lines)


@operator_only
async def list_harvests(update: Update, context: BotContext) -> None:
    """One page of harvest shares to ship or on their way, and a button to the other list."""
    which, page = routes.text_field(context, "which"), routes.tapped(context, "page")
    tr = context.tr
    entries, total = await context.db.run(
        harvests, status=LISTS[STATUS_LIST[which]], offset=page * PAGE, limit=PAGE
    )
    other = "sent" if which == "ready" else "ready"
    listed = Page(
        tr._(TITLES[which]),
        tr._("Nothing here right now."),
        routes.HARVESTS,
        page,
        total,
        PAGE,
        entries=[harvest_text(context, entry) for entry in entries],
        buttons=[
            [
                button(
                    f"{e.species.emoji} {e.tree.code} · {e.adoption.season}",
                    view_data(e.adoption.id),
                )
            ]
            for e in entries
        ],
        fields={"which": which},
        more=[
            [
                button(
                    ICONS[other] + " " + tr._(TITLES[other]),
                    routes.HARVESTS.data(which=other, page=0),
                )
            ]
        ],
    )
    await show_page(update, context, listed, routes.BACK_OFFICE.data())


async def show_harvest(
    update: Update, context: BotContext, adoption_id: int, notice: str | None = None
) -> None:
    """The operator's screen for one adoption's harvest share."""
    tr = context.tr
    entry = await context.db.run(harvest, adoption_id=adoption_id)
    if entry is None:
        back = routes.HARVESTS.data(which="ready", page=0)
        await show_missing(update, context, tr._("There is no such adoption."), back)
        return
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
    text = with_notice(harvest_text(context, entry, full=True), notice)
    await show(update, context, text, keyboard(*rows))


view_harvest = operator_only(viewer(show_harvest, "adoption_id"))


def refused(tr: Translator, exc: HarvestError) -> str:
    """Why an adoption could not be moved."""
    if exc.code == "not_found":
        return tr._("There is no such adoption.")
    return tr._("This adoption has moved on in the meantime; nothing was changed.")


async def completed(update: Update, context: BotContext, adoption_id: int) -> str:
    """Marks a shipped harvest share as arrived: the adoption is completed."""
    assert update.effective_user is not None
    try:
        await context.db.run(
            complete_harvest, adoption_id=adoption_id, by_user_id=update.effective_user.id
        )
    except HarvestError as exc:
        return refused(context.tr, exc)
    return context.tr._("Marked completed.")


complete = operator_only(action(show_harvest, "adoption_id", completed))


async def ship(
    update: Update, context: BotContext, adoption_id: int, carrier: str, tracking: str
) -> None:
    """Ships the harvest share with its carrier and tracking number and shows it."""
    assert update.effective_user is not None
    try:
        await context.db.run(
            ship_harvest,
            adoption_id=adoption_id,
            carrier=carrier,
            tracking_number=tracking,
            by_user_id=update.effective_user.id,
        )
        notice = context.tr._("Shipped. The adopter is being told, with the tracking number.")
    except HarvestError as exc:
        notice = refused(context.tr, exc)
    await show_harvest(update, context, adoption_id, notice)


SHIPPING = Shipping(
    scratch=KEY,
    id_key="adoption",
    field="adoption_id",
    button=routes.HARVEST_SHIP,
    carrier=routes.HARVEST_CARRIER,
    back=routes.HARVEST_BACK,
    view=routes.HARVEST,
    ship=ship,
    guard=operator_only,
)


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
        carrier=esc(carrier_name(parcel.carrier, tr.language)),
        tracking=f"<code>{esc(parcel.tracking_number)}</code>",
    )
    days = delivery_days(
        country=view.adoption.country,
        rates=app.bot_data["settings"].shipping_rates,
        origin=view.village.country,
    )
    if estimate := delivery_estimate(tr, days):
        text += "\n" + estimate
    mine = button(
        "🌳 " + tr.pgettext("adopter", "My trees"),
        routes.MY_TREE.data(adoption_id=view.adoption.id),
    )
    return Outgoing(text, keyboard(track_row(tr, parcel.carrier, parcel.tracking_number), [mine]))


def conversation() -> ConversationHandler[BotContext]:
    """The typed steps of shipping a harvest share: carrier and tracking number."""
    return dialogue("operator_harvests", [SHIPPING.entry()], SHIPPING.states(), scratch=KEY)


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The back office's harvest handlers, for `bot.app.journey_handlers`."""
    return [
        conversation(),
        routes.HARVESTS.handler(list_harvests),
        routes.HARVEST.handler(view_harvest),
        routes.HARVEST_COMPLETE.handler(complete),
    ]
