"""The countries the post office serves, as people read them: flag, name and national post."""

from __future__ import annotations

from bot.context import BotContext
from bot.i18n import N_, Translator

COUNTRIES = {"CN": ("🇨🇳", N_("China")), "LA": ("🇱🇦", N_("Laos"))}
POSTS = {"CN": N_("China Post"), "LA": N_("Lao Post")}


def country_word(tr: Translator, code: str) -> str:
    """China or Laos in the reader's language (the code itself for another country)."""
    return tr._(COUNTRIES[code][1]) if code in COUNTRIES else code


def country_name(context: BotContext, code: str) -> str:
    """A country's flag and name."""
    flag = COUNTRIES[code][0] if code in COUNTRIES else ""
    return f"{flag} {country_word(context.tr, code)}".strip()


def post_name(tr: Translator, code: str) -> str:
    """The national post that delivers in a country."""
    return tr._(POSTS[code]) if code in POSTS else country_word(tr, code)
