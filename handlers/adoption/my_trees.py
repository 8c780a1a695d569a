"""My trees: the user's adoptions, their status and news, the certificate again, renewal."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.adoption.certificate import certificate_png, full_size_button
from handlers.adoption.news_text import news_line
from handlers.kit import routes
from handlers.kit.common import back_button, button, esc, keyboard, menu_row, person, show
from models.adoption.adoptions import (
    PAID,
    UNPAID,
    AdoptionStatus,
    AdoptionView,
    adoption_view,
    my_adoptions,
    renewal_open,
)
from models.catalog.places import localized
from models.catalog.trees import tree_news


def status_label(tr: Translator, status: str) -> str:
    """An adoption's status in the user's language."""
    labels = {
        AdoptionStatus.RESERVED: tr._("Reserved, waiting for payment"),
        AdoptionStatus.AWAITING_PAYMENT: tr._("Reserved, waiting for payment"),
        AdoptionStatus.ACTIVE: tr._("Active"),
        AdoptionStatus.HARVEST_SHIPPED: tr._("Harvest shipped"),
        AdoptionStatus.COMPLETED: tr._("Completed"),
        AdoptionStatus.EXPIRED: tr._("Expired"),
        AdoptionStatus.CANCELLED: tr._("Cancelled"),
    }
    return labels.get(AdoptionStatus(status), status)


def _title(context: BotContext, view: AdoptionView) -> str:
    """Kind, code and nickname of an adopted tree."""
    name = f"{view.species.emoji} {view.tree.code}"
    if view.adoption.nickname:
        name += " " + context.tr.quoted(view.adoption.nickname)
    return name


async def my_trees(update: Update, context: BotContext) -> None:
    """Lists the user's adoptions (/mytrees and the menu button)."""
    assert update.effective_user is not None
    tr = context.tr
    views = await context.db.run(my_adoptions, user_id=update.effective_user.id)
    if not views:
        text = tr._("You have not adopted a tree yet.")
        adopt = [button("🌳 " + tr._("Adopt a tree"), routes.TREES.data())]
        await show(update, context, text, keyboard(adopt, menu_row(context)))
        return
    lines = ["<b>" + tr.pgettext("adopter", "My trees") + "</b>"]
    rows: list[list[InlineKeyboardButton]] = []
    for view in views:
        status = status_label(tr, view.adoption.status)
        lines.append(f"{esc(_title(context, view))} · {view.adoption.season} · {status}")
        rows.append(
            [button(_title(context, view)[:40], routes.MY_TREE.data(adoption_id=view.adoption.id))]
        )
    await show(update, context, "\n".join(lines), keyboard(*rows, menu_row(context)))


def detail_text(context: BotContext, view: AdoptionView, news: list) -> str:  # type: ignore[type-arg]
    """One adoption: tree, season, status, share, certificate and the latest news."""
    tr, lang, adoption = context.tr, context.lang, view.adoption
    lines = [
        f"<b>{esc(_title(context, view))}</b>",
        esc(localized(view.species, "name", lang))
        + " · "
        + esc(localized(view.village, "name", lang)),
        tr._("Farmer: {name}").format(name=esc(localized(view.farmer, "name", lang))),
        tr._("Season: {season}").format(season=adoption.season),
        tr._("Status: {status}").format(status=status_label(tr, adoption.status)),
        tr._("Your share: at least {kg} kg of its harvest").format(
            kg=tr.number(view.tree.harvest_kg)
        ),
    ]
    if adoption.gift:
        lines.append(tr._("A gift for: {value}").format(value=person(tr, adoption.gift_recipient)))
    if adoption.certificate_no:
        lines.append(tr._("Certificate no.: {number}").format(number=adoption.certificate_no))
    lines += ["", tr._("<b>News of your tree</b>")]
    if not news:
        lines.append(tr._("No news yet. The farmer will post photos and news here."))
    farmer = localized(view.farmer, "name", tr.language)
    for item in news:
        photo = "📷 " if item.photo else ""
        body = news_line(tr, item=item.item, days=item.days, text=item.text, farmer=farmer)
        lines.append(f"{tr.day(item.posted_at)}: {photo}{body}")
    return "\n".join(lines)


async def tapped_adoption(
    update: Update, context: BotContext, statuses: Collection[str] | None = None
) -> AdoptionView | None:
    """The user's own adoption the button is about (in one of `statuses`, if given); else
    answers that the button is out of date and returns None."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    view = await context.db.run(
        adoption_view,
        adoption_id=routes.tapped(context, "adoption_id"),
        user_id=update.effective_user.id,
    )
    if view is None or (statuses is not None and view.adoption.status not in statuses):
        await query.answer(context.tr._("This button is out of date."), show_alert=True)
        return None
    return view


async def adoption_detail(update: Update, context: BotContext) -> None:
    """Shows one of the user's adoptions."""
    view = await tapped_adoption(update, context)
    if view is None:
        return
    adoption_id = view.adoption.id
    assert view.tree.id is not None
    news = await context.db.run(tree_news, tree_id=view.tree.id)
    tr = context.tr
    rows = []
    if view.adoption.status in PAID:
        rows.append(
            [
                button(
                    "📜 " + tr.pgettext("button", "Certificate"),
                    routes.MY_CERTIFICATE.data(adoption_id=adoption_id),
                ),
                button(
                    "🧾 " + tr.pgettext("button", "Receipt"),
                    routes.MY_TREE_RECEIPT.data(adoption_id=adoption_id),
                ),
            ]
        )
    if renewal_open(view.adoption):
        renew = routes.ADOPT_RENEW.data(adoption_id=adoption_id)
        rows.append([button("🔁 " + tr.pgettext("button", "Renew"), renew)])
    if view.adoption.status in UNPAID:
        rows.append(
            [
                button(
                    "💳 " + tr.pgettext("button", "Pay"),
                    routes.MY_TREE_PAY.data(adoption_id=adoption_id),
                )
            ]
        )
    rows.append([back_button(context, routes.MY_TREES.data())])
    await show(
        update, context, detail_text(context, view, news), keyboard(*rows, menu_row(context))
    )


async def send_certificate(update: Update, context: BotContext) -> None:
    """Sends the certificate again as a photo, to its owner only, with the full-size button."""
    view = await tapped_adoption(update, context, PAID)
    if view is None:
        return
    assert update.callback_query is not None and update.effective_user is not None
    await update.callback_query.answer()
    tr = context.tr
    username = context.bot.username or context.settings.bot_username
    _name, png = await certificate_png(tr, view, username)
    caption = tr._(
        "📜 Your certificate {number}. To print it, tap “Full-size file” and save the file."
    ).format(number=esc(view.adoption.certificate_no or view.tree.code))
    back = [back_button(context, routes.MY_TREE.data(adoption_id=view.adoption.id))]
    markup = keyboard(full_size_button(tr, view.adoption.id), back)
    await context.bot.send_photo(
        update.effective_user.id, png, caption=caption, reply_markup=markup
    )


async def send_certificate_file(update: Update, context: BotContext) -> None:
    """Sends the certificate as a full-size PNG file, to its owner only."""
    view = await tapped_adoption(update, context, PAID)
    if view is None:
        return
    assert update.callback_query is not None and update.effective_user is not None
    await update.callback_query.answer()
    username = context.bot.username or context.settings.bot_username
    name, png = await certificate_png(context.tr, view, username)
    await context.bot.send_document(update.effective_user.id, png, filename=name)


async def pay_again(update: Update, context: BotContext) -> None:
    """Shows the payment step again for a reserved adoption."""
    from handlers.adoption.adopt import pay
    from models.adoption.adoptions import Reservation

    view = await tapped_adoption(update, context, UNPAID)
    if view is None:
        return
    await pay(update, context, Reservation(view.adoption))


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """My trees (/mytrees and its buttons)."""
    return [
        CommandHandler("mytrees", my_trees),
        routes.MY_TREES.handler(my_trees),
        routes.MY_TREE.handler(adoption_detail),
        routes.MY_CERTIFICATE.handler(send_certificate),
        routes.MY_CERTIFICATE_FILE.handler(send_certificate_file),
        routes.MY_TREE_PAY.handler(pay_again),
    ]
