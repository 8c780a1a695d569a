"""Checkout: destination, address, phone, optional note, a summary, and one order per confirm.

The draft lives on the cart row (it survives restarts); the Confirm button carries the cart
version, so a double tap, or a tap on an old summary, never makes a second order.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
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
from handlers.account.privacy import (
    data_path,
    ensure_consent,
    forget_consent_screen,
    keep_typed_answer,
)
from handlers.kit import contact, routes
from handlers.kit.common import back_button, button, esc, keyboard, show
from handlers.kit.countries import COUNTRIES, country_name
from handlers.kit.delivery import last_delivery_text
from handlers.kit.dialogues import dialogue
from handlers.kit.steps import step_marker, with_step
from handlers.kit.tracking import delivery_estimate
from handlers.shop import cart
from handlers.shop.orders import order_text, pay_for
from handlers.shop.shelves import name_and_unit, price_of, prices_of
from models.catalog.places import localized
from models.core.contact import LONGEST_ADDRESS, clean_address, clean_text, normalize_phone
from models.core.money import sum_by_currency
from models.deliveries import Delivery, last_delivery
from models.payment.methods import village_hold_hours
from models.shop.orders import OrderError, Parcel, cart_parcels, place_order
from models.shop.products import CartView, fit_cart_to_stock, set_draft, view_cart
from models.shop.shipping import delivery_days

PHONE_EXAMPLES = {"CN": "138 0013 8000", "LA": "+856 20 5555 1234, 030 555 1234"}
MAX_NOTE = 300
# The big steps the buyer sees counted ("Step 2 of 4"): the consent screen, the address and
# the phone are all "delivery", so "use this address" or no consent needed keeps the count.
STEPS = ("where", "delivery", "note", "review")


Callback = Callable[[Update, BotContext], Coroutine[Any, Any, int]]


class Step(IntEnum):
    """Where the buyer stands in checkout."""

    COUNTRY = 1
    ADDRESS = 2
    PHONE = 3
    NOTE = 4
    CONFIRM = 5


def user_id(update: Update) -> int:
    """The sender's Telegram id."""
    assert update.effective_user is not None
    return update.effective_user.id


async def begin(update: Update, context: BotContext) -> int:
    """Starts checkout from the cart shown (if it is still the current cart)."""
    version = routes.tapped(context, "version")
    view = await context.db.run(view_cart, user_id=user_id(update))
    if not view.lines or view.version != version:
        notice = context.tr._("That message was out of date. Here is your cart now:")
        await cart.show_view(update, context, view, notice)
        return ConversationHandler.END
    return await ask_country(update, context)


async def ask_country(update: Update, context: BotContext) -> int:
    """Asks where the parcel goes."""
    forget_consent_screen(context)
    buttons = [
        button(country_name(context, code), routes.CHECKOUT_TO.data(country=code))
        for code in COUNTRIES
    ]
    text = with_step(context.tr, STEPS, "where", context.tr._("Where should we send your order?"))
    await show(update, context, text, keyboard(buttons, [back_button(context, routes.CART.data())]))
    return Step.COUNTRY


async def choose_country(update: Update, context: BotContext) -> int:
    """Stores the destination and asks for the address."""
    country = routes.text_field(context, "country")
    view = await context.db.run(set_draft, user_id=user_id(update), country=country)
    villages = {line.product.village_id for line in view.lines}
    path = await data_path(context, destination=country, village_ids=villages)
    if not await ensure_consent(
        update,
        context,
        path=path,
        resume=routes.CHECKOUT_TO.data(country=country),
        step=step_marker(context.tr, STEPS, "delivery"),
    ):
        return Step.COUNTRY  # the consent screen's Continue sends this step's button again
    return await ask_address(update, context)


async def ask_address(update: Update, context: BotContext, error: str | None = None) -> int:
    """Asks for the delivery address the way addresses are written where it goes, offering the
    last one given for that country."""
    tr = context.tr
    view = await context.db.run(view_cart, user_id=user_id(update))
    if view.cart.country == "LA":
        text = tr._(
            "Please send the delivery address in Laos: village (ban), district (muang), "
            "province (khoueng), house number, and the recipient's name."
        )
    else:
        text = tr._(
            "Please send the delivery address in China: province, city, district or county, "
            "street and house number, and the recipient's name."
        )
    rows = []
    last = await _last_delivery(update, context)
    if last is not None:
        text += "\n\n" + last_delivery_text(context, last)
        use = "✅ " + tr.pgettext("button", "Use this address")
        rows.append([button(use, routes.CHECKOUT_SAME.data())])
    text = with_step(tr, STEPS, "delivery", text)
    if error:  # what went wrong first, then the question with its step
        text = f"{error}\n\n{text}"
    rows.append([back_button(context, routes.CHECKOUT_BACK.data())])
    await show(update, context, text, keyboard(*rows))
    return Step.ADDRESS


async def _last_delivery(update: Update, context: BotContext) -> Delivery | None:
    """The buyer's last delivery to this checkout's country, if any."""
    view = await context.db.run(view_cart, user_id=user_id(update))
    if not view.cart.country:
        return None
    return await context.db.run(last_delivery, user_id=user_id(update), country=view.cart.country)


def _whole_address(last: Delivery) -> str:
    """An address with the recipient's name in it, as checkout takes it."""
    if not last.recipient or last.recipient in last.address:
        return last.address
    return f"{last.address}, {last.recipient}"[:LONGEST_ADDRESS]


async def use_last_delivery(update: Update, context: BotContext) -> int:
    """Takes the last address and phone in one tap and goes on to the note."""
    last = await _last_delivery(update, context)
    if last is None:
        return await ask_address(update, context)
    await context.db.run(
        set_draft, user_id=user_id(update), address=_whole_address(last), phone=last.phone
    )
    return await ask_note(update, context)


async def got_address(update: Update, context: BotContext) -> int:
    """Checks and stores the address, then asks for the phone number."""
    assert update.effective_message is not None
    address = clean_address(update.effective_message.text or "")
    if address is None:
        error = context.tr._(
            "That does not look like a full address: please send 5 to 300 characters with the "
            "street, town and recipient's name."
        )
        return await ask_address(update, context, error)
    await context.db.run(set_draft, user_id=user_id(update), address=address)
    return await ask_phone(update, context)


async def ask_phone(update: Update, context: BotContext, error: str | None = None) -> int:
    """Asks for the recipient's phone number, with an example for the destination."""
    view = await context.db.run(view_cart, user_id=user_id(update))
    country = view.cart.country or "CN"
    text = context.tr._("Please send the recipient's phone number, for example {example}.").format(
        example=PHONE_EXAMPLES.get(country, "")
    )
    text = with_step(context.tr, STEPS, "delivery", text)
    if error:
        text = f"{error}\n\n{text}"
    else:  # once per question: the reply keyboard stays until a number is taken
        await contact.offer_share(update, context)
    await show(update, context, text, keyboard([back_button(context, routes.CHECKOUT_BACK.data())]))
    return Step.PHONE


async def got_phone(update: Update, context: BotContext) -> int:
    """Checks the number for the destination country, then asks for a note."""
    assert update.effective_message is not None
    return await take_phone(update, context, update.effective_message.text or "")


async def got_contact(update: Update, context: BotContext) -> int:
    """Takes the number of the user's own shared contact, as if typed; refuses anyone else's."""
    shared = contact.shared_phone(update)
    if shared is None:
        await contact.offer_share(update, context)  # the button went away when it was used
        return await ask_phone(update, context, "⚠️ " + contact.not_your_contact(context))
    return await take_phone(update, context, shared)


async def take_phone(update: Update, context: BotContext, raw: str) -> int:
    """Stores the number if it can be called in the destination country, then asks for a note."""
    view = await context.db.run(view_cart, user_id=user_id(update))
    phone = normalize_phone(view.cart.country or "", raw)
    if phone is None:
        error = context.tr._("That is not a phone number we can call in {country}.").format(
            country=country_name(context, view.cart.country or "")
        )
        return await ask_phone(update, context, error)
    await context.db.run(set_draft, user_id=user_id(update), phone=phone)
    await contact.phone_taken(update, context, phone)
    return await ask_note(update, context)


async def ask_note(update: Update, context: BotContext) -> int:
    """Offers an optional note, which the farmer sees when packing and the post office when
    shipping."""
    tr = context.tr
    text = with_step(
        tr,
        STEPS,
        "note",
        tr._(
            "Anything to tell the farmer who packs your order or the post office that ships it? "
            "Send a note, or tap Skip."
        ),
    )
    skip = button("⏭ " + tr.pgettext("button", "Skip"), routes.CHECKOUT_SKIP.data())
    await show(
        update, context, text, keyboard([skip], [back_button(context, routes.CHECKOUT_BACK.data())])
    )
    return Step.NOTE


async def got_note(update: Update, context: BotContext) -> int:
    """Stores the note (or none) and shows the summary."""
    message = update.effective_message
    note = None
    if update.callback_query is None and message is not None:
        note = clean_text(" ".join((message.text or "").split()), MAX_NOTE)
        if note is None:
            error = context.tr._(
                "A note has up to {limit} characters. Send a shorter one, or tap Skip."
            ).format(limit=MAX_NOTE)
            await message.reply_text("⚠️ " + error)
            return await ask_note(update, context)
    view = await context.db.run(set_draft, user_id=user_id(update), note=note)
    return await show_summary(update, context, view)


async def hold_minutes(context: BotContext, view: CartView) -> int:
    """How long the order will hold its stock unpaid: a Telegram invoice is paid at once;
    offline, long enough to pay the next day (the village's ways to pay say how long)."""
    if context.settings.payment_provider_token:
        return context.settings.order_expiry_minutes
    village_id = view.lines[0].product.village_id if view.lines else None
    return 60 * await context.db.run(village_hold_hours, village_id=village_id)


def hold_text(context: BotContext, minutes: int) -> str:
    """ "Unpaid orders are held for …", in hours when it is whole hours."""
    tr = context.tr
    if minutes % 60 == 0:
        hours = minutes // 60
        return tr.ngettext(
            "Unpaid orders are held for {hours} hour.",
            "Unpaid orders are held for {hours} hours.",
            hours,
        ).format(hours=hours)
    return tr.ngettext(
        "Unpaid orders are held for {minutes} minute.",
        "Unpaid orders are held for {minutes} minutes.",
        minutes,
    ).format(minutes=minutes)


def parcel_lines(context: BotContext, parcel: Parcel, country: str) -> list[str]:
    """One village's part of the cart: items, subtotal, shipping, total."""
    tr, currency = context.tr, parcel.currency
    lines = []
    for line in parcel.lines:
        lines.append(f"{line.quantity} × {name_and_unit(context, line.product)}")
        lines.append(f"    {tr.money(line.total_fen, currency)}")
    fee = parcel.shipping_fen or 0
    weight = tr.number(round(parcel.weight_g / 1000, 1))
    total = price_of(context, parcel.subtotal_fen + fee, currency)
    lines += [
        "",
        tr._("Subtotal: {amount}").format(amount=tr.money(parcel.subtotal_fen, currency)),
        tr._("Shipping to {country} ({weight} kg): {amount}").format(
            country=country_name(context, country),
            weight=weight,
            amount=price_of(context, fee, currency),
        ),
        "<b>" + tr._("Total: {amount}").format(amount=total) + "</b>",
    ]
    days = delivery_days(
        country=country, rates=context.settings.shipping_rates, origin=parcel.village.country
    )
    if estimate := delivery_estimate(tr, days):
        lines.append(estimate)
    return lines


def summary_text(context: BotContext, view: CartView, minutes: int, parcels: list[Parcel]) -> str:
    """Items, subtotal, shipping, total and where it goes; a cart from several villages shows
    the orders it becomes, one per village."""
    tr, cart_row = context.tr, view.cart
    country = cart_row.country or ""
    lines = [step_marker(tr, STEPS, "review"), "<b>" + tr._("Please check your order") + "</b>", ""]
    if len(parcels) == 1:
        lines += parcel_lines(context, parcels[0], country)
    else:
        lines.append(
            tr.ngettext(
                "Your cart holds produce from {count} village: it becomes {count} order.",
                "Your cart holds produce from {count} villages: it becomes {count} orders, "
                "each packed, shipped and paid on its own.",
                len(parcels),
            ).format(count=len(parcels))
        )
        for number, parcel in enumerate(parcels, 1):
            village = esc(localized(parcel.village, "name", context.lang))
            lines += ["", f"<b>{number}. {village}</b>"]
            lines += parcel_lines(context, parcel, country)
        together = sum_by_currency(
            (p.currency, p.subtotal_fen + (p.shipping_fen or 0)) for p in parcels
        )
        lines += [
            "",
            "<b>"
            + tr._("All orders together: {amount}").format(amount=prices_of(context, together))
            + "</b>",
        ]
    lines += [
        "",
        tr._("Deliver to: {address}").format(address=esc(cart_row.address or "")),
        tr._("Phone: {phone}").format(phone=esc(cart_row.phone or "")),
    ]
    if cart_row.note:
        lines.append(tr._("Note: {note}").format(note=esc(cart_row.note)))
    lines += ["", hold_text(context, minutes)]
    return "\n".join(lines)


async def show_summary(update: Update, context: BotContext, view: CartView) -> int:
    """Shows the summary with Confirm (carrying the cart version) and Back."""
    if not view.lines:
        await cart.show_view(update, context, view)
        return ConversationHandler.END
    confirm = button(
        "✅ " + context.tr.pgettext("button", "Confirm order"),
        routes.CHECKOUT_CONFIRM.data(version=view.version),
    )
    markup = keyboard([confirm], [back_button(context, routes.CHECKOUT_BACK.data())])
    minutes = await hold_minutes(context, view)
    parcels = await context.db.run(
        cart_parcels, user_id=user_id(update), rates=context.settings.shipping_rates
    )
    await show(update, context, summary_text(context, view, minutes, parcels), markup)
    return Step.CONFIRM


async def confirm(update: Update, context: BotContext) -> int:
    """Places the order once, then asks for payment; a repeated tap shows the same order."""
    view = await context.db.run(view_cart, user_id=user_id(update))
    try:
        placed = await context.db.run(
            place_order,
            user_id=user_id(update),
            version=routes.tapped(context, "version"),
            rates=context.settings.shipping_rates,
            expiry_minutes=await hold_minutes(context, view),
        )
    except OrderError as exc:
        return await refused(update, context, exc)
    order = placed.order
    if not placed.new:
        notice = context.tr._("This order has already been placed.")
        await show(update, context, f"<i>{notice}</i>\n\n" + order_text(context, order, []))
        return ConversationHandler.END
    if len(placed.orders) > 1:
        numbers = context.tr.listing([f"<b>{esc(o.number)}</b>" for o in placed.orders])
        text = context.tr._(
            "Thank you! Your orders {numbers} are placed: one per village, each paid on its own."
        ).format(numbers=numbers)
    else:
        text = context.tr._("Thank you! Your order {number} is placed.").format(
            number=f"<b>{esc(order.number)}</b>"
        )
    await show(update, context, text)
    for each in placed.orders or [order]:
        await pay_for(update, context, each)
    return ConversationHandler.END


async def refused(update: Update, context: BotContext, exc: OrderError) -> int:
    """Explains why no order was made and shows the cart as it can be bought now."""
    tr = context.tr
    if exc.code == "sold_out":
        view = await context.db.run(fit_cart_to_stock, user_id=user_id(update))
        notice = tr._(
            "Sorry, someone was quicker: there is not enough left of some products. "
            "Your cart now holds what is still in stock."
        )
        await cart.show_view(update, context, view, notice)
    elif exc.code == "incomplete":
        return await ask_country(update, context)
    else:
        await cart.show_cart(
            update, context, tr._("That message was out of date. Here is your cart now:")
        )
    return ConversationHandler.END


async def back_from_address(update: Update, context: BotContext) -> int:
    """Back to the destination."""
    return await ask_country(update, context)


async def back_from_phone(update: Update, context: BotContext) -> int:
    """Back to the address."""
    return await ask_address(update, context)


async def back_from_note(update: Update, context: BotContext) -> int:
    """Back to the phone number."""
    return await ask_phone(update, context)


async def back_from_summary(update: Update, context: BotContext) -> int:
    """Back to the note."""
    return await ask_note(update, context)


def not_text(step: Step) -> Callback:
    """A sticker, photo … where text is expected: says so and asks the same question again."""

    async def again(update: Update, context: BotContext) -> int:
        assert update.effective_message is not None
        error = "⚠️ " + context.tr._("Please answer with a text message.")
        if step is Step.ADDRESS:
            return await ask_address(update, context, error)
        if step is Step.PHONE:
            return await ask_phone(update, context, error)
        await update.effective_message.reply_text(error)
        return await ask_note(update, context)

    return again


def wrong_tap_at(step: Step) -> Callback:
    """Anything but a tap at a step that offers only buttons: says so and asks again."""

    async def again(update: Update, context: BotContext) -> int:
        assert update.effective_message is not None
        if step is Step.COUNTRY and await keep_typed_answer(update, context):
            return step  # typed on the consent screen: the answer to the address question
        await update.effective_message.reply_text(
            "⚠️ " + context.tr._("Please tap one of the buttons.")
        )
        if step is Step.CONFIRM:
            view = await context.db.run(view_cart, user_id=user_id(update))
            return await show_summary(update, context, view)
        return await ask_country(update, context)

    return again


TEXT = filters.TEXT & ~filters.COMMAND
OTHER = ~filters.COMMAND & ~filters.StatusUpdate.ALL & ~filters.SUCCESSFUL_PAYMENT


def conversation() -> ConversationHandler[BotContext]:
    """The checkout dialogue."""
    return dialogue(
        "checkout",
        [routes.CHECKOUT.handler(begin)],
        {
            Step.COUNTRY: [
                routes.CHECKOUT_TO.handler(choose_country),
                MessageHandler(OTHER, wrong_tap_at(Step.COUNTRY)),
            ],
            Step.ADDRESS: [
                MessageHandler(TEXT, got_address),
                routes.CHECKOUT_SAME.handler(use_last_delivery),
                routes.CHECKOUT_BACK.handler(back_from_address),
                MessageHandler(OTHER, not_text(Step.ADDRESS)),
            ],
            Step.PHONE: [
                MessageHandler(TEXT, got_phone),
                MessageHandler(filters.CONTACT, got_contact),
                routes.CHECKOUT_BACK.handler(back_from_phone),
                MessageHandler(OTHER, not_text(Step.PHONE)),
            ],
            Step.NOTE: [
                MessageHandler(TEXT, got_note),
                routes.CHECKOUT_SKIP.handler(got_note),
                routes.CHECKOUT_BACK.handler(back_from_note),
                MessageHandler(OTHER, not_text(Step.NOTE)),
            ],
            Step.CONFIRM: [
                routes.CHECKOUT_CONFIRM.handler(confirm),
                routes.CHECKOUT_BACK.handler(back_from_summary),
                MessageHandler(OTHER, wrong_tap_at(Step.CONFIRM)),
            ],
        },
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """Checkout's handlers, for `bot.app.journey_handlers`."""
    return [
        conversation(),
        # a second tap on Confirm after the dialogue ended still answers with the same order
        routes.CHECKOUT_CONFIRM.handler(confirm),
    ]
