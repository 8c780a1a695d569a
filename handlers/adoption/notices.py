"""Adoption messages sent later through the outbox, and the jobs that queue them."""

from __future__ import annotations

from typing import Any

from telegram.ext import ContextTypes

from bot.i18n import Translator
from bot.notify import AnyApp, Outgoing
from handlers.adoption.certificate import certificate_png, full_size_button
from handlers.kit import routes
from handlers.kit.common import button, esc, keyboard
from handlers.payment.offline import lapsed_hint
from models.adoption.adoptions import (
    AdoptionView,
    adoption_view,
    expire_reservations,
    queue_renewal_reminders,
)
from models.catalog.places import localized
from models.catalog.trees import next_season, season_end

EXPIRY_INTERVAL_SECONDS = 60


async def _view(app: AnyApp, params: dict[str, Any]) -> AdoptionView:
    """The adoption a notification is about."""
    view: AdoptionView | None = await app.bot_data["db"].run(
        adoption_view, adoption_id=int(params["adoption_id"])
    )
    if view is None:
        raise LookupError(params)
    return view


def _my_trees(tr: Translator) -> list:  # type: ignore[type-arg]
    """The row with a My trees button."""
    return [button("🌳 " + tr.pgettext("adopter", "My trees"), routes.MY_TREES.data())]


async def render_paid(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """Payment received: the certificate as a photo in the adopter's language, with a button
    for the full-size file."""
    view = await _view(app, params)
    username = app.bot.username or app.bot_data["settings"].bot_username
    _name, png = await certificate_png(tr, view, username)
    text = tr._(
        "🎉 Payment received. {code} is yours for the {season} season! Here is your certificate."
    ).format(code=esc(view.tree.code), season=view.adoption.season)
    markup = keyboard(full_size_button(tr, view.adoption.id), _my_trees(tr))
    return Outgoing(text, markup, photo=png)


async def render_expired(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """The reservation ran out unpaid: the tree is back in the catalog."""
    view = await _view(app, params)
    text = tr._(
        "⌛ Your reservation of {code} ended before payment, so the tree is back in the catalog. "
        "You can reserve it again while it is available."
    ).format(code=esc(view.tree.code))
    hint, rows = await lapsed_hint(app, tr, "adoption", params["adoption_id"])
    text += f"\n{hint}" if hint else ""
    tree = button("🌳 " + view.tree.code, routes.TREE_CARD.data(tree_id=view.tree.id))
    return Outgoing(text, keyboard(*rows, [tree]))


async def render_refund(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """Money arrived after the reservation had ended: the post office refunds it."""
    view = await _view(app, params)
    text = tr._(
        "Your payment {reference} arrived after the reservation of {code} had ended. "
        "The post office will refund it to you."
    ).format(reference=esc(params.get("reference", "")), code=esc(view.tree.code))
    return Outgoing(text)


async def render_renewal(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """The season ends soon: renew before the tree goes back to the catalog."""
    view = await _view(app, params)
    adoption = view.adoption
    following = next_season(adoption.season)
    text = tr._(
        "🌳 Your season with {code} ({kind}) ends on {date}. Renew now to keep it for "
        "{season}; after that date it goes back to the catalog."
    ).format(
        code=esc(view.tree.code),
        kind=esc(localized(view.species, "name", tr.language)),
        date=tr.day(season_end(adoption.season)),
        season=following,
    )
    renew = button(
        "🔁 " + tr.pgettext("button", "Renew for {season}").format(season=following),
        routes.ADOPT_RENEW.data(adoption_id=adoption.id),
    )
    return Outgoing(text, keyboard([renew], _my_trees(tr)))


async def expiry_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue: frees trees whose reservation ran out (also right after a restart)."""
    await context.application.bot_data["db"].run(expire_reservations)


async def renewal_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue: reminds adopters whose season ends within 30 days."""
    await context.application.bot_data["db"].run(queue_renewal_reminders)


RENDERERS = {
    "adoption_paid": render_paid,
    "adoption_expired": render_expired,
    "adoption_refund": render_refund,
    "adoption_renewal": render_renewal,
}
