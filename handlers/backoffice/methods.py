"""The villages' ways to pay, for operators: list, add, switch on/off, edit names and details,
the hold, and the QR code (an operator sends it as a photo in the chat)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import N_
from handlers.kit import routes
from handlers.kit.common import back_button, button, esc, keyboard, show
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import operator_only
from handlers.kit.screens import with_notice
from handlers.payment.offline import ICONS, method_label
from models.catalog.places import list_villages, localized
from models.payment.methods import (
    DEFAULT_NAMES,
    MAX_HOLD_HOURS,
    MethodError,
    MethodKind,
    VillagePaymentMethod,
    add_default_method,
    all_methods,
    edit_method,
    get_method,
    set_qr,
    toggle_method,
)

FIELDS = {
    "name_zh": N_("Name in Chinese"),
    "name_lo": N_("Name in Lao"),
    "name_en": N_("Name in English"),
    "account": N_("Account details"),
    "address": N_("Counter address"),
    "hours": N_("Opening hours"),
    "hold": N_("Hold (hours)"),
}


class Step(IntEnum):
    """The typed steps: a new value, a QR photo."""

    VALUE = 1
    QR = 2


@operator_only
async def list_methods(update: Update, context: BotContext) -> None:
    """Every village's methods, ✅ on or ⏸ off."""
    tr = context.tr
    methods = await context.db.run(all_methods)
    villages = {v.id: v for v in await context.db.run(list_villages)}
    rows = []
    for method in methods:
        village = villages.get(method.village_id)
        place = localized(village, "name", context.lang) if village else ""
        mark = "✅" if method.enabled else "⏸"
        label = f"{mark} {method_label(method, context.lang)} · {place}"
        rows.append([button(label, routes.PAY_METHOD.data(method_id=method.id))])
    text = (
        "<b>"
        + tr._("Ways to pay")
        + "</b>\n"
        + tr._("✅ offered to buyers · ⏸ switched off. Tap one to change it.")
    )
    if not methods:
        text += "\n" + tr._("No village has a way to pay yet.")
    rows.append([button("➕ " + tr._("Add a way to pay"), routes.PAY_METHOD_NEW.data())])
    await show(
        update,
        context,
        text,
        keyboard(*rows, [back_button(context, routes.BACK_OFFICE_MORE.data())]),
    )


@operator_only
async def choose_village(update: Update, context: BotContext) -> None:
    """Adding a method: which village it is for."""
    villages = await context.db.run(list_villages)
    rows = [
        [
            button(
                "🏡 " + localized(village, "name", context.lang),
                routes.PAY_METHOD_NEW_IN.data(village_id=village.id),
            )
        ]
        for village in villages
    ]
    rows.append([back_button(context, routes.PAY_METHODS.data())])
    await show(update, context, context.tr._("Which village is it for?"), keyboard(*rows))


@operator_only
async def choose_kind(update: Update, context: BotContext) -> None:
    """Adding a method: which kind, named in the operator's language."""
    village_id = routes.tapped(context, "village_id")
    rows = [
        [
            button(
                f"{ICONS[kind]} {localized_default(kind, context.lang)}",
                routes.PAY_METHOD_ADD.data(village_id=village_id, method_kind=kind.value),
            )
        ]
        for kind in MethodKind
    ]
    rows.append([back_button(context, routes.PAY_METHOD_NEW.data())])
    await show(update, context, context.tr._("Which way to pay?"), keyboard(*rows))


def localized_default(kind: MethodKind, language: str) -> str:
    """A kind's default name in `language`."""
    zh, lo, en = DEFAULT_NAMES[kind]
    return {"zh": zh, "lo": lo}.get(language, en)


@operator_only
async def add(update: Update, context: BotContext) -> None:
    """Adds the method, switched off, and opens it to fill in its details."""
    village_id = routes.tapped(context, "village_id")
    kind = MethodKind(routes.text_field(context, "method_kind"))
    try:
        method_id = await context.db.run(add_default_method, village_id=village_id, kind=kind)
    except MethodError:
        await list_methods(update, context)
        return
    notice = context.tr._("Added and switched off: fill in its details, then switch it on.")
    await show_method(update, context, method_id, notice)


def method_screen(context: BotContext, method: VillagePaymentMethod) -> str:
    """A method's details for the operator."""
    tr = context.tr
    qr = (
        tr._("a photo sent by an operator")
        if method.qr_file_id
        else tr._("a picture from the catalog file")
        if method.qr_image
        else tr._("a sample placeholder")
        if method.qr_sample
        else tr._("none")
    )
    lines = [
        "<b>" + esc(method_label(method, context.lang)) + "</b>",
        tr._("Offered to buyers") if method.enabled else tr._("Switched off"),
        f"中文: {esc(method.name_zh)}",
        f"ລາວ: {esc(method.name_lo or '—')}",
        f"English: {esc(method.name_en or '—')}",
        tr._("Account details: {value}").format(value=esc(method.account_text or "—")),
        tr._("Counter address: {value}").format(value=esc(method.counter_address or "—")),
        tr._("Opening hours: {value}").format(value=esc(method.opening_hours or "—")),
        tr.ngettext("Hold: {hours} hour", "Hold: {hours} hours", method.hold_hours).format(
            hours=method.hold_hours
        ),
        tr._("QR code: {value}").format(value=qr),
    ]
    return "\n".join(lines)


async def show_method(
    update: Update, context: BotContext, method_id: int, notice: str | None = None
) -> None:
    """A method's screen with its buttons."""
    tr = context.tr
    method = await context.db.run(get_method, method_id=method_id)
    if method is None:
        await list_methods(update, context)
        return
    toggle = tr._("Switch off") if method.enabled else tr._("Switch on")
    rows = [
        [
            button(
                ("⏸ " if method.enabled else "✅ ") + toggle,
                routes.PAY_METHOD_TOGGLE.data(method_id=method_id),
            )
        ]
    ]
    rows += [
        [button("✏️ " + tr._(label), routes.PAY_METHOD_EDIT.data(method_id=method_id, field=name))]
        for name, label in FIELDS.items()
    ]
    rows.append(
        [
            button(
                "🖼 " + tr._("Send a QR code photo"), routes.PAY_METHOD_QR.data(method_id=method_id)
            )
        ]
    )
    rows.append([back_button(context, routes.PAY_METHODS.data())])
    await show(
        update, context, with_notice(method_screen(context, method), notice), keyboard(*rows)
    )


@operator_only
async def view_method(update: Update, context: BotContext) -> None:
    """Opens a method."""
    await show_method(update, context, routes.tapped(context, "method_id"))


@operator_only
async def toggle(update: Update, context: BotContext) -> None:
    """Switches a method on or off."""
    method_id = routes.tapped(context, "method_id")
    method = await context.db.run(toggle_method, method_id=method_id)
    if method is None:
        await list_methods(update, context)
        return
    notice = (
        context.tr._("Now offered to buyers.") if method.enabled else context.tr._("Switched off.")
    )
    await show_method(update, context, method_id, notice)


@operator_only
async def ask_value(update: Update, context: BotContext) -> int:
    """Asks for the new value of one field."""
    method_id = routes.tapped(context, "method_id")
    field = routes.text_field(context, "field")
    context.scratch["opm"] = [method_id, field]
    tr = context.tr
    if field == "hold":
        text = tr._("How many hours is an unpaid order held with this method? 1 to {max}.").format(
            max=MAX_HOLD_HOURS
        )
    else:
        text = tr._("Send the new value for “{field}”. Send a single “-” to clear it.").format(
            field=tr._(FIELDS[field])
        )
    await show(
        update,
        context,
        text,
        keyboard([back_button(context, routes.PAY_METHOD.data(method_id=method_id))]),
    )
    return Step.VALUE


@operator_only
async def got_value(update: Update, context: BotContext) -> int:
    """Stores the value, or says what is wrong and asks again."""
    assert update.effective_message is not None
    pending = context.scratch.get("opm")
    if not pending:
        return ConversationHandler.END
    method_id, field = pending
    tr = context.tr
    try:
        await context.db.run(
            edit_method, method_id=method_id, field=field, value=update.effective_message.text or ""
        )
    except MethodError as exc:
        error = {
            "bad_hours": tr._("That is not a whole number of hours from 1 to {max}.").format(
                max=MAX_HOLD_HOURS
            ),
            "bad_name": tr._("A name needs 1 to 60 characters."),
        }.get(exc.code, tr._("That is too long."))
        await show(
            update,
            context,
            "⚠️ " + error,
            keyboard([back_button(context, routes.PAY_METHOD.data(method_id=method_id))]),
        )
        return Step.VALUE
    context.scratch.pop("opm", None)
    await show_method(update, context, method_id, tr._("Saved."))
    return ConversationHandler.END


@operator_only
async def ask_qr(update: Update, context: BotContext) -> int:
    """Asks for the QR code as a photo."""
    method_id = routes.tapped(context, "method_id")
    context.scratch["opm"] = [method_id, "qr"]
    text = context.tr._(
        "Send the QR code as a photo (the one the payment app shows for receiving money)."
    )
    await show(
        update,
        context,
        text,
        keyboard([back_button(context, routes.PAY_METHOD.data(method_id=method_id))]),
    )
    return Step.QR


@operator_only
async def got_qr(update: Update, context: BotContext) -> int:
    """Stores the photo's file_id as the method's QR code."""
    message = update.effective_message
    assert message is not None
    pending = context.scratch.pop("opm", None)
    if not pending or not message.photo:
        return ConversationHandler.END
    method_id = pending[0]
    await context.db.run(set_qr, method_id=method_id, file_id=message.photo[-1].file_id)
    await show_method(update, context, method_id, context.tr._("QR code saved."))
    return ConversationHandler.END


@operator_only
async def qr_not_photo(update: Update, context: BotContext) -> int:
    """Anything but a photo where the QR code is expected."""
    await show(update, context, "⚠️ " + context.tr._("Please send the QR code as a photo."))
    return Step.QR


def conversation() -> ConversationHandler[BotContext]:
    """The typed steps: a field's value, a QR photo."""
    return dialogue(
        "operator_methods",
        [routes.PAY_METHOD_EDIT.handler(ask_value), routes.PAY_METHOD_QR.handler(ask_qr)],
        {
            Step.VALUE: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_value)],
            Step.QR: [
                MessageHandler(filters.PHOTO, got_qr),
                MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, qr_not_photo),
            ],
        },
        scratch="opm",
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The ways to pay screens."""
    return [
        conversation(),
        routes.PAY_METHODS.handler(list_methods),
        routes.PAY_METHOD.handler(view_method),
        routes.PAY_METHOD_TOGGLE.handler(toggle),
        routes.PAY_METHOD_NEW.handler(choose_village),
        routes.PAY_METHOD_NEW_IN.handler(choose_kind),
        routes.PAY_METHOD_ADD.handler(add),
    ]
