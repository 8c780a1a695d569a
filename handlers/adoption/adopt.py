"""Adopting a tree: a dialogue from nickname to confirmation, the reservation, and payment."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from enum import IntEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
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
from handlers.adoption.browse import send_card, species_name
from handlers.kit import contact, routes
from handlers.kit.common import (
    back_button,
    button,
    cancel,
    esc,
    keyboard,
    menu_row,
    show,
    with_answer,
)
from handlers.kit.countries import country_word
from handlers.kit.delivery import last_delivery_text
from handlers.kit.dialogues import dialogue
from handlers.kit.steps import step_marker, with_step
from handlers.payment.step import ask_for_payment
from models.adoption.adoptions import (
    KIND,
    AdoptionDraft,
    Reservation,
    adoption_view,
    await_payment,
    discard_draft,
    get_draft,
    renew_adoption,
    reserve_tree,
    tree_village,
    update_draft,
)
from models.adoption.browse import TreeCard, similar_trees, start_free_draft, tree_card
from models.catalog.places import localized, village_currencies
from models.core.contact import clean_address, clean_name, clean_text, normalize_phone
from models.deliveries import Delivery, last_delivery
from models.payment.methods import village_hold_hours


class Step(IntEnum):
    """The questions of the adoption dialogue, in order."""

    NICKNAME = 1
    CERT_NAME = 2
    GIFT = 3
    RECIPIENT = 4
    MESSAGE = 5
    COUNTRY = 6
    ADDRESS = 7
    PHONE = 8
    SUMMARY = 9
    PARCEL_NAME = 10  # asked after the address; numbered last so saved states keep their meaning


Callback = Callable[[Update, BotContext], Coroutine[Any, Any, int]]

# The big steps the adopter sees counted ("Step 2 of 5"); the questions a choice skips (the
# gift's recipient and message, the parcel's name, the consent screen) share their big step.
STEPS = ("names", "gift", "where", "delivery", "review")
BIG_STEP = {
    Step.NICKNAME: "names",
    Step.CERT_NAME: "names",
    Step.GIFT: "gift",
    Step.RECIPIENT: "gift",
    Step.MESSAGE: "gift",
    Step.COUNTRY: "where",
    Step.ADDRESS: "delivery",
    Step.PARCEL_NAME: "delivery",
    Step.PHONE: "delivery",
    Step.SUMMARY: "review",
}


def _user_id(update: Update) -> int:
    """The sender's Telegram id."""
    assert update.effective_user is not None
    return update.effective_user.id


def _full_name(update: Update) -> str:
    """The user's Telegram name, the certificate's default."""
    user = update.effective_user
    return user.full_name[:40] if user else ""


def _country_name(context: BotContext, country: str) -> str:
    """China or Laos in the user's language."""
    return country_word(context.tr, country)


async def hold_minutes(context: BotContext, tree_id: int) -> int:
    """How long confirming holds the tree: a Telegram invoice is paid at once; offline, long
    enough to pay the next day (the village's ways to pay say how long)."""
    if context.settings.payment_provider_token:
        return context.settings.reservation_minutes
    village_id = await context.db.run(tree_village, tree_id=tree_id)
    return 60 * await context.db.run(village_hold_hours, village_id=village_id)


def _question(
    context: BotContext, step: Step, draft: AdoptionDraft, name: str, minutes: int = 0
) -> str:
    """The question asked at a step."""
    tr = context.tr
    if step is Step.NICKNAME:
        return tr._("Give your tree a nickname (up to 20 characters), or skip this step.")
    if step is Step.CERT_NAME:
        return tr._("Which name goes on the certificate? Send it, or use {name}.").format(
            name=f"<b>{esc(name)}</b>"
        )
    if step is Step.GIFT:
        return tr._("Is the tree for you, or a gift for someone?")
    if step is Step.RECIPIENT:
        return tr._(
            "Who receives the gift? Send their name as it should appear on the certificate."
        )
    if step is Step.MESSAGE:
        return tr._("Send a short message for {name} (up to 200 characters), or skip.").format(
            name=esc(draft.gift_recipient)
        )
    if step is Step.COUNTRY:
        return tr._("Where should the share of the harvest be delivered?")
    if step is Step.ADDRESS:  # written the way addresses are where the parcel goes
        if draft.country == "LA":
            return tr._(
                "Send the full delivery address in Laos: village (ban), district (muang), "
                "province (khoueng) and house number."
            )
        return tr._(
            "Send the full delivery address in China: province, city, district or county, "
            "street and house number."
        )
    if step is Step.PARCEL_NAME:
        return tr._(
            "Who receives the harvest parcel? Send their name for the courier, or use {name}."
        ).format(name=f"<b>{esc(parcel_name(draft))}</b>")
    if step is Step.PHONE:
        if draft.country == "CN":
            return tr._("Send a mobile number for the delivery, e.g. 138 1234 5678.")
        return tr._("Send a phone number for the delivery, e.g. +856 20 5555 1234 or 030 555 1234.")
    return summary(context, draft, minutes)


def parcel_name(draft: AdoptionDraft) -> str:
    """Who the harvest parcel goes to: the name given, else the gift's recipient, else the name
    on the certificate."""
    return draft.recipient or (draft.gift_recipient if draft.gift else "") or draft.certificate_name


def summary(
    context: BotContext, draft: AdoptionDraft, minutes: int, card: TreeCard | None = None
) -> str:
    """Everything the user answered, with the tree, its price and the hold, to check."""
    tr = context.tr
    lines = [tr._("<b>Please check your adoption</b>")]
    if card is not None:
        lines.append(
            tr._("Tree: {kind} {code} · {village}").format(
                kind=esc(species_name(card.species, context.lang)),
                code=f"<b>{esc(card.tree.code)}</b>",
                village=esc(localized(card.village, "name", context.lang)),
            )
        )
        lines.append(
            tr._("Price for the {season} season: {price}").format(
                season=card.season,
                price="<b>"
                + tr.price(card.tree.price_fen, context.settings.lak_per_cny, card.village.currency)
                + "</b>",
            )
        )
    lines.append(tr._("Nickname: {value}").format(value=esc(draft.nickname or "—")))
    lines.append(tr._("Name on the certificate: {value}").format(value=esc(draft.certificate_name)))
    if draft.gift:
        lines.append(tr._("A gift for: {value}").format(value=esc(draft.gift_recipient)))
        if draft.gift_message:
            lines.append(tr._("Message: {value}").format(value=esc(draft.gift_message)))
    lines.append(
        tr._("Delivery to: {country}, {address}").format(
            country=_country_name(context, draft.country), address=esc(draft.address)
        )
    )
    lines.append(
        tr._("Recipient: {value}").format(value=esc(draft.recipient or parcel_name(draft)))
    )
    lines.append(tr._("Phone: {value}").format(value=esc(draft.phone)))
    lines.append("")
    if minutes % 60 == 0:
        hours = minutes // 60
        hold = tr.ngettext(
            "Confirming holds the tree for you for {hours} hour while you pay.",
            "Confirming holds the tree for you for {hours} hours while you pay.",
            hours,
        ).format(hours=hours)
    else:
        hold = tr.ngettext(
            "Confirming holds the tree for you for {minutes} minute while you pay.",
            "Confirming holds the tree for you for {minutes} minutes while you pay.",
            minutes,
        ).format(minutes=minutes)
    lines.append(hold)
    return "\n".join(lines)


def _buttons(
    context: BotContext, step: Step, name: str, draft: AdoptionDraft, last: Delivery | None
) -> InlineKeyboardMarkup:
    """The buttons of a step: its choices, then Back."""
    tr = context.tr

    skip = routes.ADOPT_SKIP.data()
    choices = {
        Step.NICKNAME: [button("⏭ " + tr.pgettext("button", "Skip"), skip)],
        Step.CERT_NAME: [
            button("👤 " + tr.pgettext("button", "Use {name}").format(name=name), skip)
        ],
        Step.GIFT: [
            button("🙋 " + tr.pgettext("button", "For me"), routes.ADOPT_FOR.data(whom="me")),
            button("🎁 " + tr.pgettext("button", "A gift"), routes.ADOPT_FOR.data(whom="gift")),
        ],
        Step.MESSAGE: [button("⏭ " + tr.pgettext("button", "Skip"), skip)],
        Step.ADDRESS: [
            button("✅ " + tr.pgettext("button", "Use this address"), routes.ADOPT_SAME.data())
        ]
        if last
        else [],
        Step.PARCEL_NAME: [
            button(
                "👤 " + tr.pgettext("button", "Use {name}").format(name=parcel_name(draft)), skip
            )
        ],
        Step.COUNTRY: [
            button("🇨🇳 " + tr._("China"), routes.ADOPT_TO.data(country="CN")),
            button("🇱🇦 " + tr._("Laos"), routes.ADOPT_TO.data(country="LA")),
        ],
        Step.SUMMARY: [
            button("✅ " + tr.pgettext("button", "Confirm"), routes.ADOPT_CONFIRM.data())
        ],
    }.get(step, [])
    bottom = [back_button(context, routes.ADOPT_BACK.data())]
    if step is Step.SUMMARY:
        bottom.append(button("✖️ " + tr.pgettext("button", "Cancel"), routes.ADOPT_CANCEL.data()))
    return keyboard(choices, bottom)


async def ask(
    update: Update,
    context: BotContext,
    step: Step,
    error: str = "",
    draft: AdoptionDraft | None = None,
) -> int:
    """Asks the question of a step (after an error, if any) and waits there; `draft`: the draft
    as the caller has just read or written it (else it is read here)."""
    if draft is None:
        draft = await context.db.read(get_draft, user_id=_user_id(update))
    if draft is None:
        return await _lost(update, context)
    if step is Step.COUNTRY:
        forget_consent_screen(context)
    name = _full_name(update)
    minutes = await hold_minutes(context, draft.tree_id) if step is Step.SUMMARY else 0
    text = _question(context, step, draft, name, minutes)
    last = None
    if step is Step.ADDRESS:
        last = await context.db.run(last_delivery, user_id=_user_id(update), country=draft.country)
        if last is not None:
            text += "\n\n" + last_delivery_text(context, last)
    if step is Step.SUMMARY:
        card = await context.db.read(tree_card, tree_id=draft.tree_id)
        text = summary(context, draft, minutes, card)
    text = with_step(context.tr, STEPS, BIG_STEP[step], text)
    if error:  # what went wrong first, then the question with its step
        text = f"⚠️ {error}\n\n{text}"
    if step is Step.PHONE and not error:  # once: the reply keyboard stays until a number
        await contact.offer_share(update, context)
    await show(update, context, text, _buttons(context, step, name, draft, last))
    return step


async def _lost(update: Update, context: BotContext) -> int:
    """The draft is gone (finished elsewhere): back to the menu."""
    text = context.tr._("This adoption is no longer open. Please start again from the tree.")
    await show(
        update,
        context,
        text,
        keyboard(
            [button("🌳 " + context.tr._("Adopt a tree"), routes.TREES.data())], menu_row(context)
        ),
    )
    return ConversationHandler.END


async def begin(update: Update, context: BotContext) -> int:
    """Starts adopting the tree of the card."""
    tree_id = routes.tapped(context, "tree_id")
    draft = await context.db.run(
        start_free_draft,
        user_id=_user_id(update),
        tree_id=tree_id,
        certificate_name=_full_name(update),
    )
    if draft is None:
        return await taken(update, context, tree_id)
    return await ask(update, context, Step.NICKNAME, draft=draft)


def _validate(context: BotContext, step: Step, text: str, country: str) -> tuple[str | None, str]:
    """(clean value or None, error message) for a free-text answer."""
    tr = context.tr
    if step is Step.NICKNAME:
        value = clean_text(text, 20, room=40)
        return value, tr._("A nickname has 1 to 20 characters on one line.")
    if step in (Step.CERT_NAME, Step.RECIPIENT, Step.PARCEL_NAME):
        value = clean_text(text, 40, room=80)  # the columns hold marks too (Lao: ສົມສັກ)
        if value is not None and clean_name(value, 40, room=80) is None:
            return None, tr._("A name needs letters: please send a name, not a phone number.")
        return value, tr._("Please send a name of 1 to 40 characters on one line.")
    if step is Step.MESSAGE:
        value = clean_text(" ".join(text.split()), 200)
        return value, tr._("The message can have up to 200 characters.")
    if step is Step.ADDRESS:
        return clean_address(text), tr._(
            "Please send the full address: 5 to 300 characters, with the town and street."
        )
    if country == "CN":
        return normalize_phone(country, text), tr._(
            "That is not a Chinese mobile number: 11 digits starting with 1, e.g. 138 1234 5678."
        )
    return normalize_phone(country, text), tr._(
        "That is not a Lao phone number: +856 20 and 8 digits, or 030 and 7 digits."
    )


FIELDS = {
    Step.NICKNAME: "nickname",
    Step.CERT_NAME: "certificate_name",
    Step.RECIPIENT: "gift_recipient",
    Step.MESSAGE: "gift_message",
    Step.ADDRESS: "address",
    Step.PARCEL_NAME: "recipient",
    Step.PHONE: "phone",
}
ORDER = [
    Step.NICKNAME,
    Step.CERT_NAME,
    Step.GIFT,
    Step.RECIPIENT,
    Step.MESSAGE,
    Step.COUNTRY,
    Step.ADDRESS,
    Step.PARCEL_NAME,
    Step.PHONE,
    Step.SUMMARY,
]


def next_step(step: Step, draft: AdoptionDraft) -> Step:
    """The question after this one."""
    if step is Step.GIFT and not draft.gift:
        return Step.COUNTRY
    if step is Step.PARCEL_NAME and draft.phone:  # taken with the last delivery's address
        return Step.SUMMARY
    return ORDER[ORDER.index(step) + 1]


def previous_step(step: Step, draft: AdoptionDraft) -> Step | None:
    """The question before this one (None: back to the tree's card)."""
    if step is Step.NICKNAME:
        return None
    if step is Step.COUNTRY and not draft.gift:
        return Step.GIFT
    return ORDER[ORDER.index(step) - 1]


def answer_text(step: Step) -> Callback:
    """The handler of a typed answer at this step: validate, store, ask the next question."""

    async def answer(update: Update, context: BotContext) -> int:
        message = update.effective_message
        assert message is not None
        return await store_answer(update, context, step, message.text or "")

    answer.__doc__ = f"Stores the answer to {step.name.lower()} and asks the next question."
    return answer


async def store_answer(update: Update, context: BotContext, step: Step, raw: str) -> int:
    """Validates and stores an answer, then asks the next question (or this one again)."""
    draft = None
    if step is Step.PHONE:  # only a phone number is checked against the draft (its country)
        draft = await context.db.read(get_draft, user_id=_user_id(update))
        if draft is None:
            return await _lost(update, context)
    value, error = _validate(context, step, raw, draft.country if draft else "")
    if value is None:
        return await ask(update, context, step, error, draft)
    draft = await context.db.run(update_draft, user_id=_user_id(update), **{FIELDS[step]: value})
    if draft is None:
        return await _lost(update, context)
    if step is Step.PHONE:
        await contact.phone_taken(update, context, value)
    return await ask(update, context, next_step(step, draft), draft=draft)


async def answer_contact(update: Update, context: BotContext) -> int:
    """Takes the number of the user's own shared contact, as if typed; refuses anyone else's."""
    shared = contact.shared_phone(update)
    if shared is None:
        await contact.offer_share(update, context)  # the button went away when it was used
        return await ask(update, context, Step.PHONE, contact.not_your_contact(context))
    return await store_answer(update, context, Step.PHONE, shared)


def not_text(step: Step) -> Callback:
    """The handler of a photo, sticker … where text is expected: ask again."""

    async def again(update: Update, context: BotContext) -> int:
        if step is Step.COUNTRY and await keep_typed_answer(update, context):
            return step  # typed on the consent screen: the answer to the address question
        if step in FIELDS:
            error = context.tr._("Please answer with a text message.")
        else:
            error = context.tr._("Please tap one of the buttons.")
        return await ask(update, context, step, error)

    return again


def _choice_changes(
    step: Step, context: BotContext, update: Update, draft: AdoptionDraft
) -> dict[str, object]:
    """What a choice button stores in the draft."""
    if step is Step.NICKNAME:
        return {"nickname": ""}
    if step is Step.PARCEL_NAME:
        return {"recipient": parcel_name(draft)}
    if step is Step.CERT_NAME:
        return {"certificate_name": _full_name(update)}
    if step is Step.MESSAGE:
        return {"gift_message": ""}
    if step is Step.GIFT:
        if routes.text_field(context, "whom") == "gift":
            return {"gift": True}
        return {"gift": False, "gift_recipient": "", "gift_message": ""}
    return {"country": routes.text_field(context, "country"), "phone": ""}


def pick(step: Step) -> Callback:
    """The handler of a choice button at this step (skip, for me / a gift, China / Laos)."""

    async def picked(update: Update, context: BotContext) -> int:
        draft = await context.db.read(get_draft, user_id=_user_id(update))
        if draft is None:
            return await _lost(update, context)
        changes = _choice_changes(step, context, update, draft)
        draft = await context.db.run(update_draft, user_id=_user_id(update), **changes)
        if draft is None:
            return await _lost(update, context)
        if step is Step.COUNTRY and not await consented(
            update, context, draft.tree_id, draft.country
        ):
            return step  # the consent screen is showing; its Continue taps this button again
        return await ask(update, context, next_step(step, draft), draft=draft)

    return picked


async def use_last_delivery(update: Update, context: BotContext) -> int:
    """Takes the last delivery's address, name and phone in one tap; asks only what is missing."""
    user_id = _user_id(update)
    draft = await context.db.read(get_draft, user_id=user_id)
    if draft is None:
        return await _lost(update, context)
    last = await context.db.run(last_delivery, user_id=user_id, country=draft.country)
    if last is None:
        return await ask(update, context, Step.ADDRESS)
    changes = {"address": last.address, "phone": last.phone, "recipient": last.recipient}
    await context.db.run(update_draft, user_id=user_id, **changes)
    return await ask(update, context, Step.SUMMARY if last.recipient else Step.PARCEL_NAME)


async def consented(update: Update, context: BotContext, tree_id: int, country: str) -> bool:
    """Whether the user may give an address for this tree's harvest to this destination;
    else asks for consent."""
    village_id = await context.db.run(tree_village, tree_id=tree_id)
    villages = {village_id} if village_id is not None else set()
    path = await data_path(context, destination=country, village_ids=villages)
    return await ensure_consent(
        update,
        context,
        path=path,
        resume=routes.ADOPT_TO.data(country=country),
        step=step_marker(context.tr, STEPS, "delivery"),
    )


def go_back(step: Step) -> Callback:
    """The handler of Back at this step: the previous question, or the tree's card."""

    async def back(update: Update, context: BotContext) -> int:
        draft = await context.db.read(get_draft, user_id=_user_id(update))
        if draft is None:
            return await _lost(update, context)
        previous = previous_step(step, draft)
        if previous is not None:
            return await ask(update, context, previous, draft=draft)
        card = await context.db.read(tree_card, tree_id=draft.tree_id)
        if card is not None:
            await send_card(update, context, card, routes.TREES.data())
        return ConversationHandler.END

    return back


async def confirm(update: Update, context: BotContext) -> int:
    """Reserves the tree (one winner among simultaneous confirmations) and asks for payment."""
    user_id = _user_id(update)
    draft = await context.db.read(get_draft, user_id=user_id)
    if draft is None:
        return await _lost(update, context)
    minutes = await hold_minutes(context, draft.tree_id)
    reservation = await context.db.run(reserve_tree, user_id=user_id, minutes=minutes)
    if reservation.reason == "no_draft" and update.callback_query is not None:
        await update.callback_query.answer()  # a second tap: the first one shows the payment
        return ConversationHandler.END
    if reservation.adoption is None:
        return await taken(update, context, draft.tree_id)
    await pay(update, context, reservation)
    return ConversationHandler.END


async def pay(update: Update, context: BotContext, reservation: Reservation) -> None:
    """Shows the payment step for a reserved adoption and says until when the tree is held."""
    tr = context.tr
    adoption = reservation.adoption
    assert adoption is not None and adoption.id is not None
    view = await context.db.run(adoption_view, adoption_id=adoption.id)
    assert view is not None
    species = species_name(view.species, context.lang)
    offline = not context.settings.payment_provider_token
    # the hold first, so the ways to pay state the same deadline as the message below
    until = await context.db.run(
        await_payment,
        adoption_id=adoption.id,
        offline=offline,
        hold_minutes=await hold_minutes(context, view.adoption.tree_id) if offline else 0,
    )
    payment = await ask_for_payment(
        update,
        context,
        kind=KIND,
        target_id=adoption.id,
        title=tr._("Tree {code}").format(code=view.tree.code),
        description=tr._("Adoption of {kind} {code} for the {season} season").format(
            kind=species, code=view.tree.code, season=adoption.season
        ),
    )
    if payment is None:
        return
    text = tr._("✅ {kind} {code} is reserved for you until {time}. Please pay before then.")
    query = update.callback_query
    if query is not None:
        reserved = text.format(kind=esc(species), code=esc(view.tree.code), time=tr.deadline(until))
        await with_answer(update, query.edit_message_text(reserved))


async def taken(update: Update, context: BotContext, tree_id: int) -> int:
    """Says the tree went to someone else and offers similar free trees."""
    tr = context.tr
    similar = await context.db.run(similar_trees, tree_id=tree_id)
    currencies = await context.db.run(village_currencies)
    text = tr._("Sorry, someone else has just adopted this tree.")
    if similar:
        text += "\n" + tr._("These similar trees are still available:")
    rows = [
        [
            button(
                f"{t.code} · {tr.money(t.price_fen, currencies[t.village_id])}",
                routes.TREE_CARD.data(tree_id=t.id),
            )
        ]
        for t in similar
    ]
    rows.append([button("🌳 " + tr._("All trees"), routes.TREES.data())])
    await show(update, context, text, keyboard(*rows, menu_row(context)))
    return ConversationHandler.END


async def cancel_adoption(update: Update, context: BotContext) -> int:
    """Leaves the dialogue and forgets the answers; nothing is reserved."""
    await context.db.run(discard_draft, user_id=_user_id(update))
    return await cancel(update, context)


async def renew(update: Update, context: BotContext) -> None:
    """Renews an adoption for next season and asks for payment."""
    query = update.callback_query
    assert query is not None
    reservation = await context.db.run(
        renew_adoption,
        adoption_id=routes.tapped(context, "adoption_id"),
        user_id=_user_id(update),
        minutes=context.settings.reservation_minutes,
    )
    if reservation.adoption is not None:
        await pay(update, context, reservation)
        return
    text = {
        "closed": context.tr._("Renewal is open only in the last 30 days of the season."),
        "taken": context.tr._("Sorry, this tree is already adopted for next season."),
    }.get(reservation.reason, context.tr._("This adoption is not yours or no longer exists."))
    await query.answer(text, show_alert=True)


def conversation() -> ConversationHandler[BotContext]:
    """The adoption dialogue: one state per question, Back everywhere, /cancel to leave."""
    typed = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND & ~filters.StatusUpdate.ALL
    states: dict[object, Sequence[BaseHandler[Any, Any, Any]]] = {}
    for step in Step:
        handlers: list[BaseHandler[Any, Any, Any]] = []
        if step in FIELDS:
            handlers.append(MessageHandler(typed, answer_text(step)))
        if step is Step.PHONE:
            handlers.append(MessageHandler(filters.CONTACT, answer_contact))
        route = {Step.GIFT: routes.ADOPT_FOR, Step.COUNTRY: routes.ADOPT_TO}.get(
            step, routes.ADOPT_SKIP
        )
        if step in (
            Step.NICKNAME,
            Step.CERT_NAME,
            Step.MESSAGE,
            Step.GIFT,
            Step.COUNTRY,
            Step.PARCEL_NAME,
        ):
            handlers.append(route.handler(pick(step)))
        if step is Step.ADDRESS:
            handlers.append(routes.ADOPT_SAME.handler(use_last_delivery))
        if step is Step.SUMMARY:
            handlers.append(routes.ADOPT_CONFIRM.handler(confirm))
            handlers.append(routes.ADOPT_CANCEL.handler(cancel_adoption))
        handlers.append(routes.ADOPT_BACK.handler(go_back(step)))
        handlers.append(MessageHandler(other, not_text(step)))
        states[step] = handlers
    return dialogue("adopt", [routes.ADOPT_START.handler(begin)], states, on_cancel=cancel_adoption)


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The adoption dialogue and renewing an adoption."""
    return [conversation(), routes.ADOPT_RENEW.handler(renew)]
