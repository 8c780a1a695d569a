"""An adoption's certificate in the reader's language, rendered off the event loop."""

from __future__ import annotations

import asyncio

from telegram.helpers import create_deep_linked_url

from bot.i18n import Translator
from bot.render.certificate import CertificateContent, render_certificate
from models.adoption.adoptions import AdoptionView
from models.catalog.places import localized


def certificate_content(
    tr: Translator, view: AdoptionView, bot_username: str
) -> CertificateContent:
    """The translated text of the certificate; a gift certificate names its recipient."""
    lang, adoption, tree = tr.language, view.adoption, view.tree
    village = localized(view.village, "name", lang)
    rows = [
        (tr._("Tree"), tree.code),
        (tr._("Kind"), localized(view.species, "name", lang)),
        (tr._("Village"), village),
        (tr._("Region"), localized(view.village, "region", lang)),
        (tr._("Farmer"), localized(view.farmer, "name", lang)),
    ]
    if adoption.nickname:
        rows.append((tr._("Nickname"), adoption.nickname))
    rows.append((tr._("Season"), adoption.season))
    rows.append(
        (tr._("Harvest share"), tr._("at least {kg} kg").format(kg=tr.number(tree.harvest_kg)))
    )
    if adoption.gift:
        rows.append((tr._("A gift from"), adoption.certificate_name))
        if adoption.gift_message:
            rows.append((tr._("Message"), adoption.gift_message))
    rows.append((tr._("Certificate no."), adoption.certificate_no or ""))
    return CertificateContent(
        title=tr._("Certificate of Adoption (a gift)")
        if adoption.gift
        else tr._("Certificate of Adoption"),
        holder=adoption.gift_recipient if adoption.gift else adoption.certificate_name,
        lines=tuple(rows),
        footer=tr._(
            "Thank you for supporting the farmers of {village}. We will send you news of your "
            "tree and tell you when it is harvest time."
        ).format(village=village),
        qr_url=create_deep_linked_url(bot_username, f"tree_{tree.code}"),
    )


async def certificate_png(
    tr: Translator, view: AdoptionView, bot_username: str
) -> tuple[str, bytes]:
    """(file name, PNG bytes) of the certificate; drawing runs in a worker thread."""
    content = certificate_content(tr, view, bot_username)
    png = await asyncio.to_thread(render_certificate, content)
    return f"{view.adoption.certificate_no or view.tree.code}.png", png
