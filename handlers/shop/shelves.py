"""The produce shop's shelves: categories, products with prices, a product card, deep links."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_
from handlers.kit import routes
from handlers.kit.common import back_button, button, esc, keyboard, menu_row, show
from handlers.kit.pictures import has_picture, show_picture
from handlers.shop.miniapp import open_shop_row
from models.catalog.places import localized
from models.shop.products import (
    CartChange,
    Product,
    ProductCard,
    add_to_cart,
    categories,
    product_card,
    shelf,
)

CATEGORIES = {
    "fruit": ("🥝", N_("Fruit")),
    "honey": ("🍯", N_("Honey")),
    "tea": ("🍵", N_("Tea and coffee")),
    "grain": ("🌾", N_("Rice and grains")),
}


def shelf_icon(category: str) -> str:
    """A shelf's icon (🧺 for a shelf not listed)."""
    return CATEGORIES.get(category, ("🧺", category))[0]


def category_label(context: BotContext, category: str) -> str:
    """A shelf's icon and name in the user's language."""
    icon, name = CATEGORIES.get(category, ("🧺", category))
    return f"{icon} {context.tr._(name)}"


def name_and_unit(context: BotContext, row: Any) -> str:
    """`Name (unit)` of a product or an order line, escaped."""
    name = esc(localized(row, "name", context.lang))
    unit = localized(row, "unit", context.lang)
    return context.tr.detail(name, esc(unit)) if unit else name


def price_of(context: BotContext, amount: int, currency: str) -> str:
    """A price in its currency, with the other one as an estimate where the reader uses it."""
    return context.tr.price(amount, context.settings.lak_per_cny, currency)


def prices_of(context: BotContext, totals: dict[str, int]) -> str:
    """Amounts in several currencies side by side, never added together (¥128.00 + 95,000基普)."""
    return context.tr.prices(totals, context.settings.lak_per_cny)


def stock_line(context: BotContext, product: Product) -> str:
    """How many are left, or that it is sold out."""
    if product.stock < 1:
        return context.tr._("Sold out")
    return context.tr.ngettext("{count} left", "{count} left", product.stock).format(
        count=product.stock
    )


async def shop_home(update: Update, context: BotContext, notice: str | None = None) -> None:
    """Shows the shop's shelves (after a notice, if any)."""
    shelves = await context.db.read(categories)
    buttons = [button(category_label(context, c), routes.SHELF.data(category=c)) for c in shelves]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    cart_row = [button("🛒 " + context.tr.pgettext("button", "My cart"), routes.CART.data())]
    text = context.tr._("<b>Village shop</b>\nFresh from the farmers. Choose a shelf:")
    if notice:
        text = f"{notice}\n\n{text}"
    markup = keyboard(open_shop_row(update, context), *rows, cart_row, menu_row(context))
    await show(update, context, text, markup)


async def show_category(update: Update, context: BotContext) -> None:
    """Lists one shelf's products with their prices."""
    category = routes.text_field(context, "category")
    products, currencies = await context.db.read(shelf, category=category)
    lines = [f"<b>{category_label(context, category)}</b>"]
    buttons = []
    for product in products:
        lines.append(
            f"\n• <b>{name_and_unit(context, product)}</b>\n"
            f"  {price_of(context, product.price_fen, currencies[product.village_id])}"
            f" · {stock_line(context, product)}"
        )
        label = shelf_icon(category) + " " + localized(product, "name", context.lang)
        buttons.append([button(label[:40], routes.PRODUCT.data(product_id=product.id))])
    if not products:
        lines.append(context.tr._("Nothing on this shelf right now."))
    back = [back_button(context, routes.SHOP.data())]
    markup = keyboard(*buttons, back, menu_row(context))
    await show(update, context, "\n".join(lines), markup)


def card_text(context: BotContext, card: ProductCard) -> str:
    """The product card: name, description, price, stock, origin."""
    product, lang = card.product, context.lang
    farmer = localized(card.farmer, "name", lang) if card.farmer else ""
    origin = esc(localized(card.village, "name", lang))
    if farmer:
        origin = context.tr._("{farmer} from {village}").format(farmer=esc(farmer), village=origin)
    return "\n".join(
        [
            f"<b>{name_and_unit(context, product)}</b>",
            esc(localized(product, "description", lang)),
            "",
            context.tr._("Price: {price}").format(
                price=price_of(context, product.price_fen, card.village.currency)
            ),
            stock_line(context, product),
            context.tr._("Grown by: {origin}").format(origin=origin),
        ]
    )


def card_markup(context: BotContext, card: ProductCard) -> InlineKeyboardMarkup:
    """Add to cart, see the cart, back to the shelf."""
    product = card.product
    first: list[InlineKeyboardButton] = []
    if product.stock > 0:
        add = "➕ " + context.tr.pgettext("button", "Add to cart")
        first.append(button(add, routes.ADD_TO_CART.data(product_id=product.id)))
    first.append(button("🛒 " + context.tr.pgettext("button", "My cart"), routes.CART.data()))
    back = [back_button(context, routes.SHELF.data(category=product.category))]
    return keyboard(first, back, menu_row(context))


async def send_card(update: Update, context: BotContext, card: ProductCard) -> None:
    """Shows a product card: with its photo when it has one."""
    text, markup = card_text(context, card), card_markup(context, card)
    photo = card.product.photo
    if photo and has_picture(photo):
        await show_picture(update, context, photo, text, markup)
        return
    await show(update, context, text, markup)


async def show_product(update: Update, context: BotContext) -> None:
    """Shows the product card of a tapped product."""
    product_id = routes.tapped(context, "product_id")
    card = await context.db.read(product_card, product_id=product_id)
    if card is None:
        await shop_home(update, context, context.tr._("That product is not sold any more."))
        return
    await send_card(update, context, card)


async def open_product_link(update: Update, context: BotContext) -> None:
    """Opens the card of `/start product_<SKU>`; an unknown SKU says so and opens the shop."""
    sku = (context.args or [""])[0].removeprefix("product_")
    card = await context.db.read(product_card, sku=sku)
    if card is None:
        await shop_home(update, context, context.tr._("That product is not sold any more."))
        return
    await send_card(update, context, card)


async def add_product(update: Update, context: BotContext) -> None:
    """Puts one more of the product in the cart and says so."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    product_id = routes.tapped(context, "product_id")
    change, view = await context.db.run(
        add_to_cart, user_id=update.effective_user.id, product_id=product_id
    )
    line = next((li for li in view.lines if li.product.id == product_id), None)
    tr = context.tr
    notices = {
        CartChange.DONE: tr._("Added. In your cart: {count}."),
        CartChange.AT_MOST: tr._("You already have all we have in stock ({count})."),
        CartChange.GONE: tr._("Sorry, this has just sold out."),
        CartChange.FULL: tr._("Your cart is full. Please check out first."),
    }
    notice = notices.get(change, notices[CartChange.DONE])
    if change == CartChange.DONE:  # the whole cart, not this product alone
        count = sum(li.quantity for li in view.lines)
    else:
        count = line.quantity if line else 0
    await query.answer(notice.format(count=count))


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The shop's handlers, for `bot.app.journey_handlers`."""
    return [
        CommandHandler("shop", shop_home),
        routes.SHOP.handler(shop_home),
        routes.SHELF.handler(show_category),
        routes.PRODUCT.handler(show_product),
        routes.ADD_TO_CART.handler(add_product),
    ]


def deep_links() -> list[BaseHandler[Any, BotContext, Any]]:
    """`/start product_<SKU>`: must come before the generic /start."""
    return [CommandHandler("start", open_product_link, filters.Regex(r"^/start product_"))]
