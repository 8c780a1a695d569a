"""/privacy, consent before an address is taken, /mydata, /deletemydata and the retention job.

Checkout and adoption call `ensure_consent` in the step that is about to ask for an address:

    async def ask_address(update, context) -> int:
        path = await data_path(context, destination=country, village_ids={village_id})
        if not await ensure_consent(update, context, path=path, resume="SHOP ADDR 17"):
            return State.CONFIRM          # stay: the consent screen is showing
        ...ask for the address...

`data_path` says where the data really goes (models.privacy.DataPath): the cross-border consent
is asked only when it leaves DATA_COUNTRY, and the screen says where it goes. If a consent is
missing, `ensure_consent` shows the consent screen (answering the tap) and
returns False. Its buttons (prefix `PRIV`) are handled here, outside the caller's conversation,
so they work from any state. Once the user has agreed, a "Continue" button sends `resume` (the
caller's own callback_data, at most 50 bytes) so the step that asked runs again, now with
consent; without `resume`, the user is told to tap the step's button again. Declining stores
nothing and says how to go on.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from babel.lists import format_list
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers.account import mydata
from handlers.kit import dialogues, routes
from handlers.kit.common import back_button, button, esc, keyboard, menu_row, show
from handlers.kit.countries import COUNTRIES, POSTS, country_word, post_name
from models import privacy as privacy_data
from models.catalog.places import village_countries
from models.core.base import utcnow
from models.privacy import (
    FARMER_SEES,
    POST_OFFICE_SEES,
    ConsentKind,
    DataPath,
    Seen,
    erase_user_data,
    export_user_data,
    has_consent,
    missing_consents,
    purge_expired,
    record_consent,
    withdraw_consents,
)

log = logging.getLogger(__name__)

MAX_RESUME_BYTES = 50
KIND_CODES = {"n": ConsentKind.NOTICE, "x": ConsentKind.CROSS_BORDER}

# Problem codes returned by providers' erase(); unknown codes get the generic wording.
KEPT_WHAT = {
    "pending_payments": N_("payments still waiting to be paid or confirmed"),
    "open_orders": N_("orders not delivered yet"),
    "open_adoptions": N_("tree adoptions still running"),
}


# --- the notice ---------------------------------------------------------------------------------


def seen_label(tr: Translator, seen: Seen) -> str:
    """What a piece of personal data is called in the notice."""
    labels = {
        Seen.DISPLAY_NAME: tr._("your Telegram name"),
        Seen.TREE_NICKNAME: tr._("your tree's nickname"),
        Seen.ORDER_NOTE: tr._("your note with an order"),
        Seen.CERTIFICATE_NAME: tr._("the name on the certificate"),
        Seen.ADDRESS: tr._("the delivery address"),
        Seen.PHONE: tr._("the phone number"),
    }
    return labels[seen]


def seen_list(tr: Translator, seen: Sequence[Seen]) -> str:
    """A list of personal data in the notice's words, joined as the language joins lists."""
    return format_list([seen_label(tr, item) for item in seen], locale=tr.locale)


def who_sees(tr: Translator) -> str:
    """The notice's "who sees it", from the same lists the farmer and operator screens obey."""
    return tr._(
        "<b>Who sees it.</b> The farmers who grow your tree or pack your order see only "
        "{farmer}. The post office staff see {post_office}, to ship it."
    ).format(farmer=seen_list(tr, FARMER_SEES), post_office=seen_list(tr, POST_OFFICE_SEES))


def where_text(context: BotContext) -> str:
    """The notice's "where": the country the data is kept in, and where parts of it go."""
    tr = context.tr
    posts = format_list([tr._(name) for name in POSTS.values()], locale=tr.locale)
    countries = format_list([country_word(tr, code) for code in COUNTRIES], locale=tr.locale)
    return tr._(
        "<b>Where.</b> The post office keeps your data in {country}. The trees and produce "
        "come from villages in {countries}: the farmers of a village in another country see "
        "what is listed above, and a parcel's recipient, phone number and address go to the "
        "post of the country it goes to ({posts}). We ask your separate consent before your "
        "data leaves {country}."
    ).format(
        country=country_word(tr, context.settings.data_country), countries=countries, posts=posts
    )


def border_text(context: BotContext, code: str) -> str:
    """The consent screen's "your data and the border", for the path a button's letter names
    (the general wording for screens made before paths were known)."""
    tr = context.tr
    path = DataPath.from_code(code, context.settings.data_country)
    if path is None:
        return tr._(
            "<b>Your data and the border</b>\n\n"
            "This delivery involves both China and Laos. The name, phone number and address "
            "will be sent between the post office in China and our partner in Laos, only to "
            "deliver it. Do you agree to this transfer?"
        )
    sentences = [
        tr._("The post office keeps your data in {country}.").format(
            country=country_word(tr, path.kept_in)
        )
    ]
    if path.abroad_destination:
        sentences.append(
            tr._(
                "This parcel goes to {country}: the recipient's name, phone number and address "
                "go to {post}, only to deliver it."
            ).format(
                country=country_word(tr, path.abroad_destination),
                post=post_name(tr, path.abroad_destination),
            )
        )
    for country in path.abroad_villages:
        sentences.append(
            tr._(
                "The farmers in {country} who grow your tree or pack your order see {seen}."
            ).format(country=country_word(tr, country), seen=seen_list(tr, FARMER_SEES))
        )
    question = tr._("Do you agree to this transfer?")
    return "\n\n".join([tr._("<b>Your data and the border</b>"), "\n".join(sentences), question])


async def data_path(
    context: BotContext, *, destination: str | None, village_ids: Iterable[int]
) -> DataPath:
    """Where a delivery's data goes: kept in DATA_COUNTRY, to the destination's post and to the
    selling villages' farmers."""
    villages = await context.db.run(village_countries, village_ids=village_ids)
    return DataPath(context.settings.data_country, destination, villages)


def notice_text(context: BotContext) -> str:
    """The privacy notice in the user's language, short paragraphs."""
    tr, settings = context.tr, context.settings
    operator = settings.operator_name or tr._("the village post office")
    contact = settings.operator_contact or tr._("ask at the post office counter")
    days = settings.retention_days
    paragraphs = [
        tr._("<b>Privacy notice</b> (version {version})").format(
            version=privacy_data.NOTICE_VERSION
        ),
        tr._("<b>Who we are.</b> This bot is run by {operator}. Contact: {contact}.").format(
            operator=esc(operator), contact=esc(contact)
        ),
        tr._(
            "<b>What we keep.</b> Your Telegram name and language. For deliveries: the "
            "recipient's name, phone number and address. Your orders, tree adoptions, gift "
            "messages, tree nicknames and payments, and the messages the bot sent you."
        ),
        tr._(
            "<b>Why.</b> To take, pack and deliver your orders and adoptions, to keep you "
            "informed, and to keep the accounts. Nothing is sold or used for advertising."
        ),
        who_sees(tr),
        where_text(context),
        tr.ngettext(
            "<b>How long.</b> Addresses and phone numbers are deleted {days} day after the "
            "order or adoption is finished. Amounts and dates stay in the accounts, without "
            "your name.",
            "<b>How long.</b> Addresses and phone numbers are deleted {days} days after the "
            "order or adoption is finished. Amounts and dates stay in the accounts, without "
            "your name.",
            days,
        ).format(days=days),
        "\n".join(
            [
                tr._("<b>Your rights.</b>"),
                tr.then("/mydata", tr._("get a copy of everything we store about you")),
                tr.then("/deletemydata", tr._("delete your personal data")),
                tr.then("/privacy", tr._("this notice")),
            ]
        ),
    ]
    return "\n\n".join(paragraphs)


def _user_id(update: Update) -> int:
    """The sender's Telegram id."""
    assert update.effective_user is not None
    return update.effective_user.id


async def privacy(update: Update, context: BotContext) -> None:
    """Shows the notice with the data commands as buttons."""
    tr = context.tr
    agreed = await context.db.run(has_consent, user_id=_user_id(update), kind=ConsentKind.NOTICE)
    rows = [
        [
            button("📄 " + tr._("Get my data"), routes.PRIVACY_EXPORT.data()),
            button("🗑 " + tr._("Delete my data"), routes.PRIVACY_DELETE.data()),
        ],
        [button("↩️ " + tr._("Withdraw my consent"), routes.PRIVACY_WITHDRAW.data())]
        if agreed
        else [],
        # opened from /help's button: a way back to it
        [back_button(context, routes.HELP.data())] if update.callback_query else [],
        menu_row(context),
    ]
    await show(update, context, notice_text(context), keyboard(*rows))


# --- consent ------------------------------------------------------------------------------------


def _situation(cross: str, resume: str) -> dict[str, object]:
    """The fields of a consent button that carry the caller's situation: the data's path as
    DataPath.code ("0": it stays) and the step to go back to."""
    return {"cross": cross, "resume": resume or None}


def _needs_transfer(cross: str) -> bool:
    """Whether a path's letter means the data crosses the border."""
    return cross != "0"


def _consent_screen(
    context: BotContext, missing: list[ConsentKind], cross: str, resume: str, *, kept: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """One screen for every consent still missing, agreed with one tap."""
    tr = context.tr
    tail = _situation(cross, resume)
    paragraphs = []
    if ConsentKind.NOTICE in missing:
        paragraphs.append(
            tr._(
                "<b>Before we take your address</b>\n\n"
                "To deliver to you, we store the recipient's name, phone number and address, "
                "and the post office staff see them to ship. Please read our privacy notice and "
                "agree to go on."
            )
        )
    if ConsentKind.CROSS_BORDER in missing:
        paragraphs.append(border_text(context, cross))
    if kept:
        paragraphs.append(
            "📝 "
            + tr._("We kept what you sent: it is your answer to the next question once you agree.")
        )
    if len(missing) > 1:
        agree = tr._("I agree to both")
    elif missing == [ConsentKind.NOTICE]:
        agree = tr._("I agree")
    else:
        agree = tr._("I agree to the transfer")
    return "\n\n".join(paragraphs), keyboard(
        [button("✅ " + agree, routes.CONSENT_AGREE.data(consent="a", **tail))],
        [
            button("📄 " + tr._("Read the notice"), routes.CONSENT_READ.data(**tail)),
            button("✖️ " + tr._("Not now"), routes.CONSENT_DECLINE.data(**tail)),
        ],
    )


PENDING = "consent_pending"  # user_data: the situation of the consent screen showing
KEPT = "consent_kept"  # user_data: text typed on it, the answer to the question after it


async def ensure_consent(
    update: Update, context: BotContext, *, path: DataPath, resume: str = "", step: str = ""
) -> bool:
    """True if the user may give an address now; else shows the consent screen (under the
    dialogue's step marker `step`, if any), returns False."""
    return await _ensure(update, context, path.code, resume, step)


async def _ensure(
    update: Update, context: BotContext, cross: str, resume: str, step: str = ""
) -> bool:
    """ensure_consent for a path's letter."""
    assert len(resume.encode()) <= MAX_RESUME_BYTES, resume
    missing = await context.db.run(
        missing_consents, user_id=_user_id(update), cross_border=_needs_transfer(cross)
    )
    data = context.user_data if context.user_data is not None else {}
    if not missing:
        data.pop(PENDING, None)
        return True
    data[PENDING] = [cross, resume, step]
    text, markup = _consent_screen(context, missing, cross, resume, kept=bool(data.get(KEPT)))
    await show(update, context, f"{step}\n{text}" if step else text, markup)
    return False


def forget_consent_screen(context: BotContext) -> None:
    """The step that asks for consent is shown afresh: no consent screen is waiting."""
    if context.user_data is not None:
        context.user_data.pop(PENDING, None)
        context.user_data.pop(KEPT, None)


async def keep_typed_answer(update: Update, context: BotContext) -> bool:
    """Text typed while the consent screen shows: kept for the next question, and the screen
    shown again; a voice note, photo or contact there: asked to tap, the screen shown again
    (never the question before it). False if no consent screen is waiting (the caller handles
    the message)."""
    message = update.effective_message
    data = context.user_data
    if data is None or message is None or not data.get(PENDING):
        return False
    # cross: 1 or 0 when stored before paths were known; no step when before step markers
    cross, resume, *step = data[PENDING]
    if message.text:
        data[KEPT] = {"text": message.text, "message_id": message.message_id}
    else:
        await message.reply_text("⚠️ " + context.tr._("Please tap one of the buttons."))
    if not await _ensure(update, context, str(cross), resume, "".join(step)):
        return True
    data.pop(KEPT, None)  # agreed meanwhile (another device): nothing to keep
    return False


def _tapped_situation(context: BotContext) -> tuple[str, str]:
    """(the path's letter, resume) carried by the tapped consent button."""
    return routes.text_field(context, "cross"), routes.text_field(context, "resume")


async def agree(update: Update, context: BotContext) -> None:
    """Records the consents of the screen, then goes straight on with the step that asked."""
    code = routes.text_field(context, "consent")
    cross, resume = _tapped_situation(context)
    user_id = _user_id(update)
    transfer = _needs_transfer(cross)
    if code == "a":
        for kind in await context.db.run(missing_consents, user_id=user_id, cross_border=transfer):
            await context.db.run(record_consent, user_id=user_id, kind=kind)
    else:
        await context.db.run(record_consent, user_id=user_id, kind=KIND_CODES[code])
    missing = await context.db.run(missing_consents, user_id=user_id, cross_border=transfer)
    if missing:
        await show(update, context, *_consent_screen(context, missing, cross, resume))
        return
    data = context.user_data if context.user_data is not None else {}
    data.pop(PENDING, None)
    kept = data.pop(KEPT, None)
    if resume and await _resume(update, context, resume, kept):
        return
    await show(update, context, *_agreed_screen(context, resume))


async def _resume(
    update: Update, context: BotContext, resume: str, kept: dict[str, Any] | None
) -> bool:
    """Runs the step that asked for consent as if its button were tapped again, then hands it
    what was typed on the consent screen; False if nothing takes that button any more."""
    again = _with_callback_data(update, context, resume)
    if not await dispatch(again, context):
        return False
    if kept:
        # the consent message, above the kept text, says what happened before the next
        # question arrives below it: the chat reads in order
        query = update.callback_query
        if query is not None and isinstance(query.message, Message):
            thanks = context.tr._("Thank you, your consent is saved ({time}).")
            with contextlib.suppress(BadRequest):
                await query.edit_message_text("✅ " + thanks.format(time=context.tr.when(utcnow())))
        await dispatch(_typed(update, context, kept), context)
    return True


def _with_callback_data(update: Update, context: BotContext, data: str) -> Update:
    """This tap, with other callback data."""
    raw = update.to_dict()
    raw["callback_query"]["data"] = data
    return Update.de_json(raw, context.bot)


def _typed(update: Update, context: BotContext, kept: dict[str, Any]) -> Update:
    """The text message kept from the consent screen, as an update."""
    query = update.callback_query
    assert query is not None and query.message is not None
    raw = {
        "update_id": update.update_id,
        "message": {
            "message_id": kept.get("message_id", query.message.message_id),
            "date": int(utcnow().timestamp()),
            "chat": query.message.chat.to_dict(),
            "from": query.from_user.to_dict(),
            "text": str(kept.get("text", "")),
        },
    }
    return Update.de_json(raw, context.bot)


async def dispatch(update: Update, context: BotContext) -> bool:
    """Hands an update made here to the journey handler that would take it (not the
    catch-alls); False if none would."""
    application = context.application
    taker = dialogues.taker(application, update)
    if taker is None or dialogues.is_catch_all(taker):
        return False
    check = taker.check_update(update)
    await taker.handle_update(update, application, check, context)
    return True


def _agreed_screen(context: BotContext, resume: str) -> tuple[str, InlineKeyboardMarkup]:
    """Thanks the user and shows how to go on (when the step that asked has gone)."""
    tr = context.tr
    text = tr._("Thank you, your consent is saved ({time}).").format(time=tr.when(utcnow()))
    if resume:
        text += "\n" + tr._("Tap Continue to go on where you were.")
        return text, keyboard([button("▶️ " + tr._("Continue"), resume)], menu_row(context))
    text += "\n" + tr._("Now tap the button you tapped before once more to go on.")
    return text, keyboard(menu_row(context))


async def read_notice(update: Update, context: BotContext) -> None:
    """Shows the full notice from the consent screen, with a way back to it."""
    back = button(
        "⬅️ " + context.tr.pgettext("button", "Back"),
        routes.CONSENT_ASK.data(**_situation(*_tapped_situation(context))),
    )
    await show(update, context, notice_text(context), keyboard([back]))


async def ask_again(update: Update, context: BotContext) -> None:
    """Shows the consent screen again (Back from the notice, or "I changed my mind")."""
    cross, resume = _tapped_situation(context)
    missing = await context.db.run(
        missing_consents, user_id=_user_id(update), cross_border=_needs_transfer(cross)
    )
    if not missing:
        await show(update, context, *_agreed_screen(context, resume))
        return
    kept = bool(context.user_data and context.user_data.get(KEPT))
    await show(update, context, *_consent_screen(context, missing, cross, resume, kept=kept))


async def decline(update: Update, context: BotContext) -> None:
    """Stores nothing and tells the user how to go on."""
    tail = _situation(*_tapped_situation(context))
    if context.user_data is not None:  # nothing typed there is kept either
        context.user_data.pop(KEPT, None)
        context.user_data.pop(PENDING, None)
    tr = context.tr
    text = tr._(
        "All right: nothing about your address was saved. Without your consent we cannot "
        "deliver to you, so this step cannot go on. You can keep browsing, and agree any "
        "time from here or by starting the checkout again."
    )
    markup = keyboard(
        [button("✅ " + tr._("I changed my mind"), routes.CONSENT_ASK.data(**tail))],
        menu_row(context),
    )
    await show(update, context, text, markup)


async def withdraw(update: Update, context: BotContext) -> None:
    """Withdraws the user's consents; the next delivery asks again."""
    await context.db.run(withdraw_consents, user_id=_user_id(update))
    text = context.tr._(
        "Your consent is withdrawn. We will ask again before your next delivery. To delete "
        "the data we already hold, send /deletemydata."
    )
    await show(update, context, text, keyboard(menu_row(context)))


# --- /mydata and /deletemydata ------------------------------------------------------------------


async def my_data(update: Update, context: BotContext) -> None:
    """Sends a readable summary, then a JSON file with everything stored about the user."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    chat = update.effective_chat
    assert chat is not None
    data = await context.db.run(export_user_data, user_id=_user_id(update))
    await context.bot.send_message(chat.id, mydata.summary(context.tr, data))
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    caption = context.tr._(
        "Here is everything we store about you. Keep this file safe: it holds your personal data."
    )
    await context.bot.send_document(
        chat.id,
        content,
        filename="my-data.json",
        caption=caption,
        reply_markup=keyboard(menu_row(context)),
    )


async def delete_my_data(update: Update, context: BotContext) -> None:
    """Asks for confirmation before erasing."""
    tr = context.tr
    text = tr._(
        "<b>Delete your personal data?</b>\n\n"
        "Your names, phone numbers, addresses, gift messages and tree nicknames will be deleted. "
        "Orders and payments keep only amounts, dates and items, with no link to you. This "
        "cannot be undone."
    )
    markup = keyboard(
        [button("🗑 " + tr._("Yes, delete my data"), routes.PRIVACY_DELETE_YES.data())],
        [button("✖️ " + tr._("No, keep it"), routes.PRIVACY_DELETE_NO.data())],
    )
    await show(update, context, text, markup)


async def confirm_delete(update: Update, context: BotContext) -> None:
    """Erases the user's data everywhere and reports what was kept and why."""
    tr = context.tr
    kept = await context.db.run(erase_user_data, user_id=_user_id(update))
    if context.user_data is not None:
        context.user_data.clear()
    text = tr._(
        "<b>Your personal data has been deleted.</b>\n\n"
        "Sales records keep only amounts, dates and items, with no link to you. If you use "
        "the bot again, it starts afresh."
    )
    if kept:
        what = "; ".join(tr._(KEPT_WHAT[code]) if code in KEPT_WHAT else code for code in kept)
        text += "\n\n" + tr._(
            "Kept for now, because not finished yet: {what}. Their details are deleted "
            "automatically once they are finished."
        ).format(what=esc(what))
    await show(update, context, text, keyboard(menu_row(context)))


async def keep_data(update: Update, context: BotContext) -> None:
    """Leaves everything as it is."""
    await show(update, context, context.tr._("Nothing was deleted."), keyboard(menu_row(context)))


def privacy_button(context: BotContext) -> InlineKeyboardButton:
    """The button that opens the notice (for /help and other screens)."""
    return button("🔒 " + context.tr._("Privacy"), routes.PRIVACY_NOTICE.data())


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """This journey's handlers, for `bot.app.journey_handlers`."""
    return [
        CommandHandler("privacy", privacy),
        CommandHandler("mydata", my_data),
        CommandHandler("deletemydata", delete_my_data),
        routes.PRIVACY_NOTICE.handler(privacy),
        routes.PRIVACY_EXPORT.handler(my_data),
        routes.PRIVACY_DELETE.handler(delete_my_data),
        routes.PRIVACY_DELETE_YES.handler(confirm_delete),
        routes.PRIVACY_DELETE_NO.handler(keep_data),
        routes.PRIVACY_WITHDRAW.handler(withdraw),
        routes.CONSENT_AGREE.handler(agree),
        routes.CONSENT_READ.handler(read_notice),
        routes.CONSENT_ASK.handler(ask_again),
        routes.CONSENT_DECLINE.handler(decline),
    ]


# --- retention ----------------------------------------------------------------------------------


async def retention_job(context: BotContext) -> None:
    """JobQueue callback: erases what is past the retention period, finishes pending erasures."""
    before = utcnow() - timedelta(days=context.settings.retention_days)
    counts = await context.db.run(purge_expired, before=before)
    log.info("retention run: %s", counts)
