"""Tree news as an adopter reads it: the ready-made item in their language, the farmer's own words
marked as theirs. The farmer's preview is built by the same functions, so it shows exactly this."""

from __future__ import annotations

from bot.i18n import Translator
from handlers.kit.common import esc


def item_label(tr: Translator, code: str) -> str:
    """The button a farmer taps for a news item."""
    labels = {
        "blossom": tr.pgettext("news item", "🌸 Blossoming"),
        "fruit_set": tr.pgettext("news item", "🍏 Fruit set"),
        "new_leaves": tr.pgettext("news item", "🌱 New leaves"),
        "thinned": tr.pgettext("news item", "✂️ Thinning done"),
        "pruned": tr.pgettext("news item", "✂️ Pruning done"),
        "harvest_soon": tr.pgettext("news item", "🧺 Harvest in a few days"),
        "harvest_started": tr.pgettext("news item", "🧺 Harvest started"),
        "shipped_today": tr.pgettext("news item", "📦 Shipped today"),
        "weather_damage": tr.pgettext("news item", "🌧 Weather damage"),
    }
    return labels.get(code, code)


def item_sentence(tr: Translator, code: str, days: int | None) -> str:
    """What a news item tells the adopter, in their language."""
    if code == "harvest_soon":
        count = days or 0
        return tr.ngettext(
            "🧺 Harvest time is near: about {days} day to go.",
            "🧺 Harvest time is near: about {days} days to go.",
            count,
        ).format(days=count)
    sentences = {
        "blossom": tr._("🌸 Your tree is in blossom."),
        "fruit_set": tr._("🍏 The fruit has set: small fruits are growing on your tree."),
        "new_leaves": tr._("🌱 Fresh new leaves are growing on your tree."),
        "thinned": tr._(
            "✂️ The farmer thinned the fruit today, so that the rest grow bigger and sweeter."
        ),
        "pruned": tr._("✂️ The farmer pruned your tree today."),
        "harvest_started": tr._("🧺 The harvest of your tree has started."),
        "shipped_today": tr._("📦 Your share of the harvest was shipped today."),
        "weather_damage": tr._(
            "🌧 Bad weather has damaged your tree a little. The farmer is looking after it."
        ),
    }
    return sentences.get(code, "")


def news_body(tr: Translator, *, item: str | None, days: int | None, text: str, farmer: str) -> str:
    """The news itself: the item's sentence, then the farmer's own words, marked as theirs."""
    parts = []
    if item:
        parts.append(item_sentence(tr, item, days))
    if text:
        label = tr._("In {farmer}'s own words:").format(farmer=esc(farmer))
        parts.append(f"{label}\n<i>{esc(text)}</i>")
    return "\n\n".join(part for part in parts if part)


def news_line(tr: Translator, *, item: str | None, days: int | None, text: str, farmer: str) -> str:
    """The news on one line, for the list on the adopter's tree screen."""
    return news_body(tr, item=item, days=days, text=text, farmer=farmer).replace("\n\n", " ")


def news_message(
    tr: Translator,
    *,
    code: str,
    nickname: str,
    farmer: str,
    item: str | None,
    days: int | None,
    text: str,
) -> str:
    """The whole message an adopter receives: whose tree, who posted, and the news."""
    facts = {"code": esc(code), "nickname": esc(nickname), "farmer": esc(farmer)}
    if nickname:
        head = tr._("📰 News from your tree {code} ({nickname}) by {farmer}:").format(**facts)
    else:
        head = tr._("📰 News from your tree {code} by {farmer}:").format(**facts)
    body = news_body(tr, item=item, days=days, text=text, farmer=farmer)
    return f"{head}\n\n{body}" if body else head
