"""Adding a product from the back office: village, farmer, shelf, the texts in three languages,
price, weight and stock, a photo (or none for now), then a check and one tap to put it on sale.

The answers wait in the dialogue's scratch (`opn`) until the last tap; nothing is written
before it, and a second tap on Add finds the scratch gone and adds nothing.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import regex
from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from handlers.backoffice.photos import sent_photo
from handlers.backoffice.products import price_error
from handlers.kit import routes
from handlers.kit.common import back_button, button, esc, keyboard, show
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import operator_only
from handlers.shop.shelves import CATEGORIES, category_label
from models.catalog.places import list_villages, localized, village_currencies
from models.core.contact import clean_text
from models.core.money import CNY, LAK
from models.shop.backoffice import (
    MAX_STOCK,
    add_product,
    parse_price,
    parse_stock,
    parse_weight,
    village_farmers,
)

SCRATCH = "opn"
LANGS = ("zh", "lo", "en")
HAN = regex.compile(r"\p{Han}")
LAO = regex.compile(r"[\u0E80-\u0EFF]")
LONGEST = {"name": 80, "unit": 40, "description": 600}


class Step(IntEnum):
    """What the operator is asked."""

    VILLAGE = 1
    FARMER = 2
    CATEGORY = 3
    NAME = 4
    UNIT = 5
    DESCRIPTION = 6
    PRICE = 7
    WEIGHT = 8
    STOCK = 9
    CONFIRM = 10
    PHOTO = 11  # asked after the stock; numbered last so saved states keep their meaning


def _cancel_row(context: BotContext) -> list[Any]:
    """Back to the products, leaving the new one unsaved."""
    return [back_button(context, routes.OPS_PRODUCTS.data())]


@operator_only
async def start(update: Update, context: BotContext) -> int:
    """Asks which village sells the new product."""
    context.scratch[SCRATCH] = {}
    villages = await context.db.run(list_villages)
    rows = [
        [
            button(
                "🏡 " + localized(v, "name", context.lang),
                routes.OPS_NEW_VILLAGE.data(village_id=v.id),
            )
        ]
        for v in villages
    ]
    text = context.tr._("<b>New product</b> (1/10)\nWhich village sells it?")
    await show(update, context, text, keyboard(*rows, _cancel_row(context)))
    return Step.VILLAGE


@operator_only
async def chose_village(update: Update, context: BotContext) -> int:
    """Keeps the village and asks whose produce it is."""
    village_id = routes.tapped(context, "village_id")
    context.scratch.setdefault(SCRATCH, {})["village"] = village_id
    currencies = await context.db.read(village_currencies)
    context.scratch[SCRATCH]["currency"] = currencies.get(village_id, CNY)
    farmers = await context.db.run(village_farmers, village_id=village_id)
    tr = context.tr
    rows = [
        [
            button(
                "👩‍🌾 " + localized(f, "name", context.lang),
                routes.OPS_NEW_FARMER.data(farmer_id=f.id),
            )
        ]
        for f in farmers
    ]
    rows.append(
        [
            button(
                "🏤 " + tr._("No farmer: the post office's own"),
                routes.OPS_NEW_FARMER.data(farmer_id=0),
            )
        ]
    )
    text = tr._(
        "<b>New product</b> (2/10)\nWhose produce is it? Its orders show up in that farmer's menu."
    )
    await show(update, context, text, keyboard(*rows, _cancel_row(context)))
    return Step.FARMER


@operator_only
async def chose_farmer(update: Update, context: BotContext) -> int:
    """Keeps the farmer and asks for the shelf."""
    context.scratch.setdefault(SCRATCH, {})["farmer"] = routes.tapped(context, "farmer_id") or None
    rows = [
        [button(category_label(context, code), routes.OPS_NEW_CATEGORY.data(category=code))]
        for code in CATEGORIES
    ]
    text = context.tr._("<b>New product</b> (3/10)\nOn which shelf?")
    await show(update, context, text, keyboard(*rows, _cancel_row(context)))
    return Step.CATEGORY


@operator_only
async def chose_category(update: Update, context: BotContext) -> int:
    """Keeps the shelf and asks for the name in three languages."""
    category = routes.text_field(context, "category")
    if category not in CATEGORIES:
        return Step.CATEGORY
    context.scratch.setdefault(SCRATCH, {})["category"] = category
    return await ask(update, context, Step.NAME)


async def ask(update: Update, context: BotContext, step: Step, error: str = "") -> int:
    """Asks a typed question (after an error, if any)."""
    tr = context.tr
    rows = []
    if step is Step.NAME:
        text = tr._(
            "<b>New product</b> (4/10)\nSend its name in three lines: Chinese, Lao, English. "
            "For example:\n{example}"
        ).format(example="十八洞土蜂蜜\nນ້ຳເຜິ້ງປ່າ ຊືປາຕົງ\nShibadong wild honey")
    elif step is Step.UNIT:
        text = tr._(
            "<b>New product</b> (5/10)\nSend what one unit is, in three lines: Chinese, Lao, "
            "English. For example:\n{example}"
        ).format(example="500克瓶\nກະປ໋ອງ 500 ກຣາມ\n500 g jar")
    elif step is Step.DESCRIPTION:
        text = tr._(
            "<b>New product</b> (6/10)\nSend a short description in three lines: Chinese, Lao, "
            "English; or tap Skip."
        )
        skip = "⏭ " + tr.pgettext("button", "Skip")
        rows.append([button(skip, routes.OPS_NEW_SKIP.data())])
    elif step is Step.PRICE:
        if context.scratch.get(SCRATCH, {}).get("currency") == LAK:
            text = tr._("<b>New product</b> (7/10)\nSend the price in kip, for example 150000.")
        else:
            text = tr._(
                "<b>New product</b> (7/10)\nSend the price in yuan, for example 128 or 98.50."
            )
    elif step is Step.WEIGHT:
        text = tr._(
            "<b>New product</b> (8/10)\nHow much does one unit weigh when packed, for the "
            "shipping fee? For example 650 g or 5.5 kg."
        )
    else:
        text = tr._(
            "<b>New product</b> (9/10)\nHow many are in stock? A whole number from 0 to {max}."
        )
        text = text.format(max=tr.number(MAX_STOCK))
    if error:
        text = f"⚠️ {error}\n\n{text}"
    await show(update, context, text, keyboard(*rows, _cancel_row(context)))
    return step


def three_lines(raw: str, longest: int) -> dict[str, str] | None:
    """{zh, lo, en} from three lines (Chinese with Chinese characters, Lao with Lao letters);
    None if the text is not that."""
    lines = [line for line in (raw or "").splitlines() if line.strip()]
    if len(lines) != len(LANGS):
        return None
    texts: dict[str, str] = {}
    for lang, line in zip(LANGS, lines, strict=True):
        clean = clean_text(line, longest)
        if clean is None:
            return None
        texts[lang] = clean
    if not HAN.search(texts["zh"]) or not LAO.search(texts["lo"]):
        return None
    return texts


TEXT_FIELDS = {Step.NAME: "name", Step.UNIT: "unit", Step.DESCRIPTION: "description"}


def typed(step: Step) -> Any:
    """The handler of a typed answer at this step."""

    @operator_only
    async def answer(update: Update, context: BotContext) -> int:
        assert update.effective_message is not None
        tr, raw = context.tr, update.effective_message.text or ""
        draft = context.scratch.setdefault(SCRATCH, {})
        if step in TEXT_FIELDS:
            field = TEXT_FIELDS[step]
            value: Any = three_lines(raw, LONGEST[field])
            error = tr._(
                "Please send three lines, up to {limit} characters each: Chinese first, then "
                "Lao, then English."
            ).format(limit=LONGEST[field])
        elif step is Step.PRICE:
            currency = draft.get("currency", CNY)
            value = parse_price(raw, currency)
            error = price_error(tr, currency)
        elif step is Step.WEIGHT:
            value = parse_weight(raw)
            error = tr._("That is not a weight: send grams or kilograms, e.g. 650 g or 5.5 kg.")
        else:
            value = parse_stock(raw)
            error = tr._("That is not a whole number from 0 to {max}.").format(
                max=tr.number(MAX_STOCK)
            )
        if value is None:
            return await ask(update, context, step, error)
        draft[TEXT_FIELDS.get(step, step.name.lower())] = value
        if step is Step.STOCK:
            return await ask_photo(update, context)
        return await ask(update, context, Step(step + 1))

    answer.__doc__ = f"Checks and keeps the {step.name.lower()}, then asks the next question."
    return answer


@operator_only
async def skip_description(update: Update, context: BotContext) -> int:
    """No description: on to the price."""
    context.scratch.setdefault(SCRATCH, {})["description"] = {lang: "" for lang in LANGS}
    return await ask(update, context, Step.PRICE)


async def ask_photo(update: Update, context: BotContext, error: str = "") -> int:
    """Asks for a photo of the product, which buyers see on its card; Skip adds it without."""
    tr = context.tr
    text = tr._(
        "<b>New product</b> (10/10)\nSend a photo of the product, or tap ⏭ Skip to add it "
        "without one for now (send it later captioned /photo and the SKU)."
    )
    if error:
        text = f"⚠️ {error}\n\n{text}"
    skip = button("⏭ " + tr.pgettext("button", "Skip"), routes.OPS_NEW_NO_PHOTO.data())
    await show(update, context, text, keyboard([skip], _cancel_row(context)))
    return Step.PHOTO


@operator_only
async def got_photo(update: Update, context: BotContext) -> int:
    """Keeps the photo sent (as `/photo SKU` would store it) and shows the check."""
    assert update.effective_message is not None
    context.scratch.setdefault(SCRATCH, {})["photo"] = sent_photo(update.effective_message)
    return await confirm_screen(update, context)


@operator_only
async def skip_photo(update: Update, context: BotContext) -> int:
    """No photo for now: on to the check."""
    context.scratch.setdefault(SCRATCH, {}).pop("photo", None)
    return await confirm_screen(update, context)


@operator_only
async def not_a_photo(update: Update, context: BotContext) -> int:
    """Anything but a photo at the photo step: says what is wanted and asks again."""
    error = context.tr._(
        "That is not a photo. Send a picture as a photo (not as a file), or tap Skip."
    )
    return await ask_photo(update, context, error)


async def confirm_screen(update: Update, context: BotContext) -> int:
    """Everything typed, to check before adding."""
    tr, draft = context.tr, context.scratch[SCRATCH]
    names, units = draft["name"], draft["unit"]
    lines = [tr._("<b>Please check the new product</b>")]
    lines += [f"{esc(names[lang])} · {esc(units[lang])}" for lang in LANGS]
    lines.append(category_label(context, draft["category"]))
    lines.append(
        tr._("Price: {amount}").format(amount=tr.money(draft["price"], draft.get("currency", CNY)))
    )
    lines.append(tr._("Weight: {grams} g").format(grams=tr.number(draft["weight"])))
    lines.append(tr._("In stock: {count}").format(count=tr.number(draft["stock"])))
    if draft.get("photo"):
        lines.append("📷 " + tr._("Picture: your photo"))
    else:
        lines.append("📷 " + tr._("Picture: none yet"))
    markup = keyboard(
        [button("✅ " + tr.pgettext("button", "Add and put on sale"), routes.OPS_NEW_SAVE.data())],
        _cancel_row(context),
    )
    await show(update, context, "\n".join(lines), markup)
    return Step.CONFIRM


@operator_only
async def save(update: Update, context: BotContext) -> int:
    """Adds the product and shows its back-office screen."""
    from handlers.backoffice.products import show_product  # its screen, with stock and price

    draft = context.scratch.pop(SCRATCH, None)
    if not draft or "stock" not in draft:
        await show(update, context, context.tr._("This button is out of date."))
        return ConversationHandler.END
    product = await context.db.run(
        add_product,
        village_id=draft["village"],
        farmer_id=draft.get("farmer"),
        category=draft["category"],
        names=draft["name"],
        units=draft["unit"],
        descriptions=draft.get("description") or {},
        price_fen=draft["price"],
        weight_g=draft["weight"],
        stock=draft["stock"],
        photo=draft.get("photo"),
    )
    notice = context.tr._("Added and on sale: {sku}. Its link: /start product_{sku}").format(
        sku=product.sku
    )
    await show_product(update, context, product.id or 0, notice)
    return ConversationHandler.END


def wrong_input(step: Step) -> Any:
    """A tap on a step that wants text, or text on one that wants a tap: asks again."""

    @operator_only
    async def again(update: Update, context: BotContext) -> int:
        if step in (Step.VILLAGE, Step.FARMER, Step.CATEGORY, Step.CONFIRM):
            assert update.effective_message is not None
            await update.effective_message.reply_text(
                "⚠️ " + context.tr._("Please tap one of the buttons.")
            )
            return step
        return await ask(update, context, step, context.tr._("Please answer with a text message."))

    return again


TEXT = filters.TEXT & ~filters.COMMAND
OTHER = ~filters.COMMAND & ~filters.StatusUpdate.ALL


def conversation() -> ConversationHandler[BotContext]:
    """The new-product dialogue."""
    typed_steps = (Step.NAME, Step.UNIT, Step.DESCRIPTION, Step.PRICE, Step.WEIGHT, Step.STOCK)
    states: dict[object, list[BaseHandler[Any, Any, Any]]] = {
        Step.VILLAGE: [routes.OPS_NEW_VILLAGE.handler(chose_village)],
        Step.FARMER: [routes.OPS_NEW_FARMER.handler(chose_farmer)],
        Step.CATEGORY: [routes.OPS_NEW_CATEGORY.handler(chose_category)],
        Step.CONFIRM: [routes.OPS_NEW_SAVE.handler(save)],
    }
    for step in typed_steps:
        states[step] = [MessageHandler(TEXT, typed(step))]
    states[Step.DESCRIPTION].append(routes.OPS_NEW_SKIP.handler(skip_description))
    states[Step.PHOTO] = [
        MessageHandler(filters.PHOTO, got_photo),
        routes.OPS_NEW_NO_PHOTO.handler(skip_photo),
        MessageHandler(OTHER, not_a_photo),
    ]
    for step in Step:
        if step is not Step.PHOTO:
            states[step].append(MessageHandler(OTHER, wrong_input(step)))
    return dialogue(
        "operator_new_product",
        [routes.OPS_NEW_PRODUCT.handler(start)],
        states,
        scratch=SCRATCH,
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The new-product dialogue, for `handlers.backoffice.handlers`."""
    return [conversation()]
