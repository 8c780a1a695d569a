"""An adoption's certificate in the reader's language, rendered off the event loop.

It is sent as a photo, so it shows in the chat, with a button for the full-size PNG file (a photo
is recompressed by Telegram; the file keeps every pixel for printing).
"""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton
from telegram.helpers import create_deep_linked_url

from bot.i18n import Translator
from bot.render.certificate import CertificateContent, render_certificate
from handlers.kit import routes
from handlers.kit.common import button
from models.adoption.adoptions import AdoptionView
from models.catalog.places import localized
from models.catalog.trees import season_end
from models.core.base import utcnow


def _statement(tr: Translator, view: AdoptionView) -> str:
    """The sentence after the holder's name: which tree, whose, where, which season."""
    lang, adoption = tr.language, view.adoption
    facts = {
        "code": view.tree.code,
        "kind": localized(view.species, "name", lang),
        "farmer": localized(view.farmer, "name", lang),
        "village": localized(view.village, "name", lang),
        "season": adoption.season,
    }
    if adoption.gift:
        return tr._(
            "has received, as a gift from {giver}, the adoption of the tree {code} ({kind}) "
            "grown by {farmer} in {village} for the {season} season."
        ).format(giver=adoption.certificate_name, **facts)
    return tr._(
        "has adopted the tree {code} ({kind}) grown by {farmer} in {village} for the {season} "
        "season."
    ).format(**facts)


def certificate_content(
    tr: Translator, view: AdoptionView, bot_username: str
) -> CertificateContent:
    """The translated text of the certificate; a gift certificate names its recipient."""
    lang, adoption, tree = tr.language, view.adoption, view.tree
    village = localized(view.village, "name", lang)
    region = localized(view.village, "region", lang)
    # Who, what, whose and where are in the statement and the issuer: the table adds the rest.
    rows = [(tr._("Tree"), tree.code), (tr._("Year planted"), str(tree.year_planted))]
    if adoption.nickname:
        rows.append((tr._("Nickname"), adoption.nickname))
    rows.append(
        (
            tr._("Season"),
            tr._("{season}, until {date}").format(
                season=adoption.season, date=tr.day(season_end(adoption.season).date())
            ),
        )
    )
    rows.append(
        (tr._("Harvest share"), tr._("at least {kg} kg").format(kg=tr.number(tree.harvest_kg)))
    )
    if adoption.gift and adoption.gift_message:
        rows.append((tr._("Message"), adoption.gift_message))
    rows.append((tr._("Certificate no."), adoption.certificate_no or ""))
    issued = adoption.paid_at or utcnow()
    return CertificateContent(
        title=tr._("Certificate of Adoption (a gift)")
        if adoption.gift
        else tr._("Certificate of Adoption"),
        preamble=tr._("This certifies that"),
        holder=adoption.gift_recipient if adoption.gift else adoption.certificate_name,
        statement=_statement(tr, view),
        lines=tuple(rows),
        footer=tr._(
            "Thank you for supporting the farmers of {village}. We will send you news of your "
            "tree and tell you when it is harvest time."
        ).format(village=village),
        issuer=(
            tr._("Post office of {village}").format(village=village),
            region,
            tr._("Issued on {date}").format(date=tr.day(issued)),
        ),
        emblem=view.species.slug,
        seal=adoption.season,
        qr_url=create_deep_linked_url(bot_username, f"tree_{tree.code}"),
    )


async def certificate_png(
    tr: Translator, view: AdoptionView, bot_username: str
) -> tuple[str, bytes]:
    """(file name, PNG bytes) of the certificate; drawing runs in a worker thread."""
    content = certificate_content(tr, view, bot_username)
    png = await asyncio.to_thread(render_certificate, content)
    return f"{view.adoption.certificate_no or view.tree.code}.png", png


def full_size_button(tr: Translator, adoption_id: int | None) -> list[InlineKeyboardButton]:
    """The row with the button that sends the certificate as a full-size file."""
    return [
        button(
            "📄 " + tr.pgettext("button", "Full-size file"),
            routes.MY_CERTIFICATE_FILE.data(adoption_id=adoption_id),
        )
    ]
