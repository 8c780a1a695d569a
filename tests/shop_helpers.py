"""Shortcuts for shop tests: products by SKU, filled carts, placed orders."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from bot.config import Settings
from bot.db import Database
from models.core.user import touch_user
from models.shop.orders import Order, PlacedOrder, place_order
from models.shop.products import Product, add_to_cart, set_draft, view_cart

RATES = Settings().shipping_rates
ADDRESSES = {
    "CN": ("湖南省长沙市岳麓区麓山南路 1 号 李娜", "138 0013 8000"),
    "LA": ("ນະຄອນຫຼວງວຽງຈັນ, ເມືອງໄຊເສດຖາ, ບ້ານໂພນໄຊ, ເຮືອນ 12", "+856 20 5555 1234"),
}


def product(db: Database, sku: str) -> Product:
    """The product with this SKU, read now."""
    with db.session() as session:
        return session.exec(select(Product).where(Product.sku == sku)).one()


def set_stock(db: Database, sku: str, stock: int) -> None:
    """Puts exactly `stock` of a product on the shelf."""
    with db.session() as session:
        session.exec(update(Product).where(col(Product.sku) == sku).values(stock=stock))  # type: ignore[call-overload]
        session.commit()


def buyer(db: Database, user_id: int, language: str) -> None:
    """Creates the buyer's account with a language."""
    db.call(
        touch_user,
        telegram_id=user_id,
        first_name=f"b{user_id}",
        last_name=None,
        username=None,
        language_code=language,
        language=language,
        is_admin=False,
    )


def ready_cart(db: Database, user_id: int, sku: str, quantity: int = 1, country: str = "CN") -> int:
    """Fills a cart and the checkout details; returns the cart version to confirm."""
    product_id = product(db, sku).id
    for _ in range(quantity):
        db.call(add_to_cart, user_id=user_id, product_id=product_id)
    address, phone = ADDRESSES[country]
    db.call(set_draft, user_id=user_id, country=country, address=address, phone=phone)
    return db.call(view_cart, user_id=user_id).version


def order_now(
    db: Database, user_id: int, sku: str, quantity: int = 1, country: str = "CN"
) -> Order:
    """Places an order straight through the domain."""
    version = ready_cart(db, user_id, sku, quantity, country)
    placed: PlacedOrder = db.call(
        place_order, user_id=user_id, version=version, rates=RATES, expiry_minutes=60
    )
    return placed.order
