"""A farmer posts news of a tree: the tree, a ready-made news item, a photo and own words, preview.

Every adopter of the tree (paid, this season) gets it through the outbox in their own language:
the news item is translated in the catalogs, the farmer's own words are sent as written (escaped)
and marked as theirs, the photo by its Telegram file_id. The preview shows each language's copy.
"""

from __future__ import annotations

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
from bot.i18n import LANGUAGE_NAMES, Translator, translator
from bot.notify import AnyApp, Outgoing
from handlers.adoption.news_text import item_label, news_body, news_message
from handlers.farmer import menu as farmer
from handlers.farmer.trees import PAGE
from handlers.kit import routes
from handlers.kit.common import (
    back_button,
    button,
    esc,
    keyboard,
    menu_row,
    page_count,
    pager,
    show,
)
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import farmer_only
from models.adoption.adoptions import PAID
from models.adoption.farmers import (
    MAX_UPDATE_TEXT,
    TreeNewsError,
    farmer_trees,
    news_audience,
    news_for_adopter,
    news_readers,
    news_species,
    own_tree,
    post_farmer_update,
)
from models.catalog.news_items import BY_CODE, HARVEST_DAYS, NEWS_ITEMS, items_for
from models.catalog.places import localized
from models.core.contact import clean_text

KEY = "frmup"
OWN = "own"  # the item button for a photo or own words only
CAPTION_LIMIT = 1024  # Telegram's limit for a photo's caption
# The routes' fields allow exactly the listed items and day counts.
assert routes.NEWS_ITEM.fields[0].regex == "|".join([*(i.code for i in NEWS_ITEMS), OWN])
assert routes.NEWS_DAYS.fields[0].regex == "|".join(map(str, HARVEST_DAYS))


class Step(IntEnum):
    """Where the farmer is in posting an update (the values are persisted: new ones go last)."""

    TREE = 0
    CONTENT = 1
    PREVIEW = 2
    ITEM = 3
    DAYS = 4


@farmer_only
async def start_update(update: Update, context: BotContext) -> int:
    """Asks which tree the news is about."""
    context.scratch[KEY] = {"page": 0}
    return await ask_tree(update, context)


async def ask_tree(update: Update, context: BotContext) -> int:
    """One page of the farmer's trees to choose from, and "all my adopted trees"."""
    found = await farmer.my_farmer(update, context)
    if found is None:
        return ConversationHandler.END
    tr, page = context.tr, context.scratch[KEY]["page"]
    entries, total = await context.db.run(
        farmer_trees, farmer_id=found.id, offset=page * PAGE, limit=PAGE
    )
    adopters = await context.db.run(news_audience, farmer_id=found.id, tree_id=None)
    rows = []
    if adopters:  # with nobody to send to, "all my adopted trees" would post nothing
        rows.append([button("🌳 " + tr._("All my adopted trees"), routes.NEWS_ALL_TREES.data())])
    for entry in entries:
        mark = " 👤" if entry.status in PAID else ""
        label = f"{entry.species.emoji} {entry.tree.code}{mark}"
        rows.append([button(label, routes.NEWS_TREE.data(tree_id=entry.tree.id))])
    text = tr._(
        "<b>Post a tree update</b>\nWhich tree is the news about? 👤 = adopted this season."
    )
    if not adopters:
        text += "\n\n" + tr._(
            "ℹ️ Nobody has adopted your trees this season yet, so news reaches nobody by "
            "message now. News posted on a tree is kept with it: its next adopter sees it "
            "under My trees."
        )
    markup = keyboard(
        *rows,
        pager(context, routes.NEWS_PAGE, page, page_count(total, PAGE)),
        [back_button(context, routes.FARMER.data())],
    )
    await show(update, context, text, markup)
    return Step.TREE


@farmer_only
async def turn_page(update: Update, context: BotContext) -> int:
    """Shows another page of trees."""
    context.scratch.setdefault(KEY, {})["page"] = routes.tapped(context, "page")
    return await ask_tree(update, context)


@farmer_only
async def choose_tree(update: Update, context: BotContext) -> int:
    """Stores the chosen tree (checked to be the farmer's) and asks for the news."""
    assert update.callback_query is not None and update.callback_query.data
    found = await farmer.my_farmer(update, context)
    if found is None:
        return ConversationHandler.END
    tree_id = routes.text_field(context, "tree_id")  # "": all the farmer's adopted trees
    draft = context.scratch.setdefault(KEY, {"page": 0})
    if not tree_id:
        draft["tree"], draft["label"] = None, ""
    else:
        tree = await context.db.run(own_tree, farmer_id=found.id, tree_id=int(tree_id))
        if tree is None:
            await update.callback_query.answer(
                context.tr._("This is not one of your trees."), show_alert=True
            )
            return Step.TREE
        draft["tree"], draft["label"] = tree.id, tree.code
    return await ask_item(update, context)


async def ask_item(update: Update, context: BotContext) -> int:
    """The ready-made news that fits the chosen trees, and "only a photo or my own words"."""
    found = await farmer.my_farmer(update, context)
    if found is None:
        return ConversationHandler.END
    tr, draft = context.tr, context.scratch[KEY]
    for key in ("item", "days", "text", "photo"):  # choosing again starts the news afresh
        draft.pop(key, None)
    species = await context.db.run(news_species, farmer_id=found.id, tree_id=draft["tree"])
    items = [
        button(item_label(tr, i.code), routes.NEWS_ITEM.data(item=i.code))
        for i in items_for(species)
    ]
    rows = [items[i : i + 2] for i in range(0, len(items), 2)]
    own = "✏️ " + tr.pgettext("button", "Only a photo or my own words")
    rows.append([button(own, routes.NEWS_ITEM.data(item=OWN))])
    rows.append([back_button(context, routes.NEWS_BACK_TO_TREES.data())])
    text = tr._(
        "<b>News for {target}</b>\nWhat is new? Each adopter reads the news you tap in their "
        "own language."
    ).format(target=target_text(tr, draft))
    count = await context.db.run(news_audience, farmer_id=found.id, tree_id=draft["tree"])
    if not count:  # said before the news is written, not after the preview
        text += "\n\n" + tr._(
            "ℹ️ Nobody has adopted this tree this season: nobody gets a message now. The "
            "news is kept with the tree for its next adopter."
        )
    await show(update, context, text, keyboard(*rows))
    return Step.ITEM


@farmer_only
async def choose_item(update: Update, context: BotContext) -> int:
    """Stores the news item; asks for the day count if it has one, else for a photo and words."""
    code = routes.text_field(context, "item")
    draft = context.scratch.setdefault(KEY, {"tree": None, "label": "", "page": 0})
    draft.update(item=None if code == OWN else code, days=None)
    if code != OWN and BY_CODE[code].days:
        rows = [
            [
                button(
                    context.tr.ngettext("In {days} day", "In {days} days", days).format(days=days),
                    routes.NEWS_DAYS.data(days=days),
                )
                for days in HARVEST_DAYS
            ],
            [back_button(context, routes.NEWS_BACK_TO_ITEMS.data())],
        ]
        text = context.tr._("In how many days does the harvest start?")
        await show(update, context, text, keyboard(*rows))
        return Step.DAYS
    return await ask_content(update, context)


@farmer_only
async def choose_days(update: Update, context: BotContext) -> int:
    """Stores the day count of "harvest in N days" and asks for a photo and own words."""
    context.scratch.setdefault(KEY, {"tree": None, "label": ""})["days"] = routes.tapped(
        context, "days"
    )
    return await ask_content(update, context)


def target_text(tr: Translator, draft: dict[str, Any]) -> str:
    """Which tree(s) the update is for, in words."""
    if draft.get("tree") is None:
        return tr._("all my adopted trees")
    return esc(draft["label"])


async def ask_content(update: Update, context: BotContext, error: str | None = None) -> int:
    """Asks for a photo and own words: optional after a news item, else one of them."""
    tr, draft = context.tr, context.scratch[KEY]
    rows = [[back_button(context, routes.NEWS_BACK_TO_ITEMS.data())]]
    if draft.get("item"):
        text = tr._(
            "You can add a photo and your own words (at most {limit} characters). They are "
            "sent as you write them, marked as your own words. Or tap Skip."
        ).format(limit=MAX_UPDATE_TEXT)
        rows.insert(0, [button("⏭ " + tr.pgettext("button", "Skip"), routes.NEWS_SKIP.data())])
    else:
        text = tr._(
            "News for {target}: send a photo (with or without a caption) or a short text, "
            "at most {limit} characters."
        ).format(target=target_text(tr, draft), limit=MAX_UPDATE_TEXT)
    if error:
        text = f"{error}\n\n{text}"
    await show(update, context, text, keyboard(*rows))
    return Step.CONTENT


def content_error(tr: Translator) -> str:
    """What the farmer is told when the news is not something we can send."""
    return tr._(
        "Please send a photo (with or without a caption) or a text of 1 to {limit} characters."
    ).format(limit=MAX_UPDATE_TEXT)


@farmer_only
async def got_text(update: Update, context: BotContext) -> int:
    """Stores a text update and shows the preview."""
    assert update.effective_message is not None
    text = clean_text(update.effective_message.text or "", MAX_UPDATE_TEXT, one_line=False)
    if text is None:
        return await ask_content(update, context, content_error(context.tr))
    context.scratch.setdefault(KEY, {"tree": None, "label": ""}).update(text=text, photo=None)
    return await preview(update, context)


@farmer_only
async def got_photo(update: Update, context: BotContext) -> int:
    """Stores a photo (largest size) with its caption and shows the preview."""
    message = update.effective_message
    assert message is not None and message.photo
    caption = (message.caption or "").strip()
    if len(caption) > MAX_UPDATE_TEXT:
        return await ask_content(update, context, content_error(context.tr))
    context.scratch.setdefault(KEY, {"tree": None, "label": ""}).update(
        text=caption, photo=message.photo[-1].file_id
    )
    return await preview(update, context)


@farmer_only
async def bad_content(update: Update, context: BotContext) -> int:
    """A sticker, voice message, file …: explains and asks again."""
    return await ask_content(update, context, content_error(context.tr))


@farmer_only
async def skip_content(update: Update, context: BotContext) -> int:
    """Posts the news item alone, without a photo or own words."""
    draft = context.scratch.setdefault(KEY, {"tree": None, "label": ""})
    if not draft.get("item"):  # a Skip from an older message: something must be sent
        return await ask_content(update, context, content_error(context.tr))
    draft.update(text="", photo=None)
    return await preview(update, context)


def copies(context: BotContext, draft: dict[str, Any], readers: list[Any], farmer: Any) -> str:
    """Each language's copy of the news, as one of its adopters will read it."""
    if not readers:  # nobody to tell: the news in the farmer's own language, on the tree's page
        return news_body(
            context.tr,
            item=draft.get("item"),
            days=draft.get("days"),
            text=draft["text"],
            farmer=localized(farmer, "name", context.lang),
        )
    parts = []
    for group in readers:
        tr = translator(group.language)
        heading = context.tr.ngettext(
            "{language}, {count} adopter", "{language}, {count} adopters", group.count
        ).format(language=LANGUAGE_NAMES[group.language], count=group.count)
        message = news_message(
            tr,
            code=group.example.tree.code,
            nickname=group.example.adoption.nickname,
            farmer=localized(group.example.farmer, "name", tr.language),
            item=draft.get("item"),
            days=draft.get("days"),
            text=draft["text"],
        )
        parts.append(f"<b>{heading}</b>\n{message}")
    return "\n\n".join(parts)


async def preview(update: Update, context: BotContext) -> int:
    """Shows exactly what each language's adopters will receive, and how many they are."""
    found = await farmer.my_farmer(update, context)
    if found is None:
        return ConversationHandler.END
    tr, draft = context.tr, context.scratch[KEY]
    readers = await context.db.run(news_readers, farmer_id=found.id, tree_id=draft["tree"])
    count = sum(group.count for group in readers)
    reach = tr.ngettext(
        "It goes to {count} adopter, who will see:",
        "It goes to {count} adopters, each in their own language:",
        count,
    ).format(count=count)
    head = tr._("<b>Preview</b> — news for {target}").format(target=target_text(tr, draft))
    text = "\n\n".join([head, reach, copies(context, draft, readers, found)])
    markup = keyboard(
        [button("📣 " + tr.pgettext("button", "Post it"), routes.NEWS_POST.data())],
        [back_button(context, routes.NEWS_EDIT.data())],
    )
    if draft["photo"] is None:
        await show(update, context, text, markup)
        return Step.PREVIEW
    assert update.effective_chat is not None
    if len(text) <= CAPTION_LIMIT:
        await context.bot.send_photo(
            update.effective_chat.id, draft["photo"], caption=text, reply_markup=markup
        )
    else:  # three languages of long own words: the photo, then the copies under it
        await context.bot.send_photo(update.effective_chat.id, draft["photo"])
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
    return Step.PREVIEW


@farmer_only
async def post(update: Update, context: BotContext) -> int:
    """Posts the update and queues it for every adopter."""
    found = await farmer.my_farmer(update, context)
    if found is None:
        return ConversationHandler.END
    tr, draft = context.tr, context.scratch.pop(KEY)
    back = keyboard([back_button(context, routes.FARMER.data())], menu_row(context))
    try:
        result = await context.db.run(
            post_farmer_update,
            farmer_id=found.id,
            tree_id=draft["tree"],
            text=draft["text"],
            photo=draft["photo"],
            item=draft.get("item"),
            days=draft.get("days"),
        )
    except TreeNewsError as exc:
        text = {
            "no_trees": tr._("None of your trees is adopted this season, so nothing was posted."),
            "not_found": tr._("This is not one of your trees."),
        }.get(exc.code, content_error(tr))
        await show(update, context, text, back)
        return ConversationHandler.END
    text = tr.ngettext(
        "✅ Posted. {count} adopter will receive it.",
        "✅ Posted. {count} adopters will receive it.",
        result.adopters,
    ).format(count=result.adopters)
    await show(update, context, text, back)
    return ConversationHandler.END


@farmer_only
async def back_to_tree(update: Update, context: BotContext) -> int:
    """Back from the news to the choice of tree."""
    context.scratch.setdefault(KEY, {"page": 0})
    return await ask_tree(update, context)


@farmer_only
async def back_to_items(update: Update, context: BotContext) -> int:
    """Back from the photo and words (or the day count) to the choice of news item."""
    context.scratch.setdefault(KEY, {"tree": None, "label": "", "page": 0})
    return await ask_item(update, context)


@farmer_only
async def back_to_content(update: Update, context: BotContext) -> int:
    """Back from the preview to write the news again."""
    return await ask_content(update, context)


async def render_tree_news(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """One adopter's copy of a tree update, framed in their language."""
    found = await app.bot_data["db"].run(
        news_for_adopter,
        update_id=int(params["update_id"]),
        adoption_id=int(params["adoption_id"]),
    )
    if found is None:
        raise LookupError(params)
    news, view = found
    text = news_message(
        tr,
        code=view.tree.code,
        nickname=view.adoption.nickname,
        farmer=localized(view.farmer, "name", tr.language),
        item=news.item,
        days=news.days,
        text=news.text,
    )
    mine = button(
        "🌳 " + tr.pgettext("adopter", "My trees"),
        routes.MY_TREE.data(adoption_id=view.adoption.id),
    )
    return Outgoing(text, keyboard([mine]), photo=news.photo)


CONTENT = ~filters.COMMAND & ~filters.TEXT & ~filters.PHOTO & ~filters.StatusUpdate.ALL


def conversation() -> ConversationHandler[BotContext]:
    """The farmer's dialogue for posting a tree update."""
    return dialogue(
        "farmer_tree_update",
        [routes.NEWS.handler(start_update)],
        {
            Step.TREE: [
                routes.NEWS_ALL_TREES.handler(choose_tree),
                routes.NEWS_TREE.handler(choose_tree),
                routes.NEWS_PAGE.handler(turn_page),
            ],
            Step.ITEM: [
                routes.NEWS_ITEM.handler(choose_item),
                routes.NEWS_BACK_TO_TREES.handler(back_to_tree),
            ],
            Step.DAYS: [
                routes.NEWS_DAYS.handler(choose_days),
                routes.NEWS_BACK_TO_ITEMS.handler(back_to_items),
            ],
            Step.CONTENT: [
                MessageHandler(filters.PHOTO, got_photo),
                MessageHandler(filters.TEXT & ~filters.COMMAND, got_text),
                MessageHandler(CONTENT, bad_content),
                routes.NEWS_SKIP.handler(skip_content),
                routes.NEWS_BACK_TO_ITEMS.handler(back_to_items),
            ],
            Step.PREVIEW: [
                routes.NEWS_POST.handler(post),
                routes.NEWS_EDIT.handler(back_to_content),
            ],
        },
        scratch=KEY,
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The dialogue for posting a tree update."""
    return [conversation()]
