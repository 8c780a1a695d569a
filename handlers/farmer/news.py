"""A farmer posts news of a tree: choose the tree, send a photo or text, preview, confirm.

Every adopter of the tree (paid, this season) gets it through the outbox, framed in their own
language; the farmer's words are sent as written (escaped), the photo by its Telegram file_id.
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
from bot.i18n import Translator
from bot.notify import AnyApp, Outgoing
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
    own_tree,
    post_farmer_update,
)
from models.catalog.places import localized
from models.core.contact import clean_text

KEY = "frmup"


class Step(IntEnum):
    """Where the farmer is in posting an update."""

    TREE = 0
    CONTENT = 1
    PREVIEW = 2


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
    return await ask_content(update, context)


def target_text(tr: Translator, draft: dict[str, Any]) -> str:
    """Which tree(s) the update is for, in words."""
    if draft.get("tree") is None:
        return tr._("all my adopted trees")
    return esc(draft["label"])


async def ask_content(update: Update, context: BotContext, error: str | None = None) -> int:
    """Asks for a photo (a caption is optional) or a short text."""
    tr, draft = context.tr, context.scratch[KEY]
    text = tr._(
        "News for {target}: send a photo (with or without a caption) or a short text, "
        "at most {limit} characters."
    ).format(target=target_text(tr, draft), limit=MAX_UPDATE_TEXT)
    found = await farmer.my_farmer(update, context)
    if found is None:
        return ConversationHandler.END
    count = await context.db.run(news_audience, farmer_id=found.id, tree_id=draft.get("tree"))
    if not count:
        text = (
            tr._(
                "ℹ️ Nobody has adopted this tree this season: nobody gets a message now. The "
                "news is kept with the tree for its next adopter."
            )
            + "\n\n"
            + text
        )
    if error:
        text = f"{error}\n\n{text}"
    await show(
        update, context, text, keyboard([back_button(context, routes.NEWS_BACK_TO_TREES.data())])
    )
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


async def preview(update: Update, context: BotContext) -> int:
    """Shows the update as it will be posted and how many adopters it reaches."""
    found = await farmer.my_farmer(update, context)
    if found is None:
        return ConversationHandler.END
    tr, draft = context.tr, context.scratch[KEY]
    count = await context.db.run(news_audience, farmer_id=found.id, tree_id=draft["tree"])
    reach = tr.ngettext(
        "It goes to {count} adopter, in their own language.",
        "It goes to {count} adopters, in their own language.",
        count,
    ).format(count=count)
    text = "\n\n".join(
        part
        for part in (
            tr._("<b>Preview</b> — news for {target}").format(target=target_text(tr, draft)),
            esc(draft["text"]),
            reach,
        )
        if part
    )
    markup = keyboard(
        [button("📣 " + tr.pgettext("button", "Post it"), routes.NEWS_POST.data())],
        [back_button(context, routes.NEWS_EDIT.data())],
    )
    if draft["photo"] is None:
        await show(update, context, text, markup)
    else:
        assert update.effective_chat is not None
        await context.bot.send_photo(
            update.effective_chat.id, draft["photo"], caption=text, reply_markup=markup
        )
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
    facts = {
        "code": esc(view.tree.code),
        "nickname": esc(view.adoption.nickname),
        "farmer": esc(localized(view.farmer, "name", tr.language)),
    }
    if view.adoption.nickname:
        head = tr._("📰 News from your tree {code} ({nickname}) by {farmer}:").format(**facts)
    else:
        head = tr._("📰 News from your tree {code} by {farmer}:").format(**facts)
    text = f"{head}\n\n{esc(news.text)}" if news.text else head
    mine = button("🌳 " + tr._("My trees"), routes.MY_TREE.data(adoption_id=view.adoption.id))
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
            Step.CONTENT: [
                MessageHandler(filters.PHOTO, got_photo),
                MessageHandler(filters.TEXT & ~filters.COMMAND, got_text),
                MessageHandler(CONTENT, bad_content),
                routes.NEWS_BACK_TO_TREES.handler(back_to_tree),
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
