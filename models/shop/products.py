"""The produce shop: products with stock, and each buyer's cart (kept in the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, UniqueConstraint, bindparam, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Field, Session, SQLModel, col, select

from models.catalog.places import Farmer, Village, village_currencies
from models.core.base import telegram_id_column, utcnow
from models.core.crypto import Encrypted
from models.core.money import sum_by_currency

MAX_LINES = 20  # distinct products in one cart


class Category(StrEnum):
    """Shelves of the shop."""

    FRUIT = "fruit"
    HONEY = "honey"
    TEA = "tea"
    GRAIN = "grain"


class Product(SQLModel, table=True):
    """Something the village sells by the unit (a 5 kg box, a 500 g jar), with stock."""

    __table_args__ = (CheckConstraint("stock >= 0", name="product_stock_not_negative"),)

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(unique=True, max_length=40)
    category: str = Field(max_length=20, index=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    farmer_id: int | None = Field(default=None, foreign_key="farmer.id")
    name_zh: str = Field(max_length=80)
    name_lo: str = Field(default="", max_length=80)
    name_en: str = Field(default="", max_length=80)
    description_zh: str = Field(default="", max_length=600)
    description_lo: str = Field(default="", max_length=600)
    description_en: str = Field(default="", max_length=600)
    unit_zh: str = Field(default="", max_length=40)
    unit_lo: str = Field(default="", max_length=40)
    unit_en: str = Field(default="", max_length=40)
    price_fen: int = Field(gt=0)
    weight_g: int = Field(ge=0)
    stock: int = Field(default=0, ge=0)
    photo: str | None = Field(default=None, max_length=200)  # a Telegram file_id or an URL
    active: bool = True


class Cart(SQLModel, table=True):
    """A buyer's cart and checkout draft; `version` changes on every change to it."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=telegram_id_column(unique=True, nullable=False))
    version: int = 0
    country: str | None = Field(default=None, max_length=2)
    address: str | None = Field(sa_type=Encrypted, default=None, max_length=300)
    phone: str | None = Field(sa_type=Encrypted, default=None, max_length=20)
    note: str | None = Field(default=None, max_length=300)
    updated_at: datetime = Field(default_factory=utcnow)


class CartItem(SQLModel, table=True):
    """One product line in a cart."""

    __table_args__ = (UniqueConstraint("cart_id", "product_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cart_id: int = Field(foreign_key="cart.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    quantity: int = Field(ge=1)


@dataclass(frozen=True)
class ProductCard:
    """A product with where it comes from."""

    product: Product
    village: Village
    farmer: Farmer | None


@dataclass(frozen=True)
class CartLine:
    """A product in the cart and how many; its price is in its village's `currency`."""

    product: Product
    quantity: int
    currency: str = "CNY"

    @property
    def total_fen(self) -> int:
        """Price of the line."""
        return self.product.price_fen * self.quantity


@dataclass(frozen=True)
class CartView:
    """The cart as shown: lines, totals and the checkout draft, at one version."""

    cart: Cart
    lines: list[CartLine]

    @property
    def version(self) -> int:
        """The version buttons carry."""
        return self.cart.version

    @property
    def subtotals(self) -> dict[str, int]:
        """Sum of the lines per currency (a cart from a Chinese and a Lao village has two)."""
        return sum_by_currency((line.currency, line.total_fen) for line in self.lines)

    @property
    def weight_g(self) -> int:
        """Parcel weight."""
        return sum(line.product.weight_g * line.quantity for line in self.lines)

    @property
    def short_lines(self) -> list[CartLine]:
        """Lines asking for more than is in stock now."""
        return [line for line in self.lines if line.quantity > line.product.stock]


class CartChange(StrEnum):
    """Outcome of a tap on the cart."""

    DONE = "done"
    STALE = "stale"  # the button was on an old cart: nothing applied
    AT_MOST = "at_most"  # already as many as in stock
    AT_LEAST = "at_least"  # already one; remove instead
    GONE = "gone"  # the product is sold out or withdrawn
    FULL = "full"  # too many different products


# --- catalog -------------------------------------------------------------------------------


def categories(*, session: Session) -> list[str]:
    """Categories that have an active product, in shelf order."""
    found = set(session.exec(select(Product.category).where(col(Product.active)).distinct()))
    return [c.value for c in Category if c.value in found]


def products_in(*, session: Session, category: str) -> list[Product]:
    """Active products of one category."""
    statement = select(Product).where(Product.category == category, col(Product.active))
    return list(session.exec(statement.order_by(col(Product.id))))


def shelf(*, session: Session, category: str) -> tuple[list[Product], dict[int, str]]:
    """A shelf's active products and the villages' currencies, read at once."""
    return products_in(session=session, category=category), village_currencies(session=session)


def shop_window(*, session: Session) -> list[tuple[Product, Village]]:
    """Every active product with its village: by village, then shelf order, then id."""
    shelf = {c.value: i for i, c in enumerate(Category)}
    rows = session.exec(select(Product, Village).join(Village).where(col(Product.active)))
    found = [(product, village) for product, village in rows]
    found.sort(key=lambda r: (r[1].id or 0, shelf.get(r[0].category, len(shelf)), r[0].id or 0))
    return found


# A product's card in one statement, built once: building it on every call cost about as much
# CPU as running it (docs/performance.md, session 6).
_CARD = (
    select(Product, Village, Farmer)
    .join(Village, col(Village.id) == Product.village_id)
    .outerjoin(Farmer, col(Farmer.id) == Product.farmer_id)
    .where(col(Product.active))
)
_CARD_BY_ID = _CARD.where(col(Product.id) == bindparam("product_id"))
_CARD_BY_SKU = _CARD.where(col(Product.sku) == bindparam("sku"))


def product_card(
    *, session: Session, product_id: int | None = None, sku: str | None = None
) -> ProductCard | None:
    """An active product by id or SKU, with its village and farmer."""
    if sku is not None:
        row = session.exec(_CARD_BY_SKU, params={"sku": sku.upper()}).first()
    else:
        row = session.exec(_CARD_BY_ID, params={"product_id": product_id}).first()
    if row is None:
        return None
    product, village, farmer = row
    return ProductCard(product, village, farmer)


# --- cart ----------------------------------------------------------------------------------


def cart_of(session: Session, user_id: int, *, lock: bool = False) -> Cart:
    """The user's cart row, created on first use; `lock` holds it until the transaction ends.

    The chat and the Mini App can change one cart at the same moment: locking the row makes the
    second change wait for the first, so neither adds a line twice nor reads a stale quantity.
    """
    statement = select(Cart).where(Cart.user_id == user_id)
    if lock:
        statement = statement.with_for_update()
    cart = session.exec(statement).first()
    if cart is None:
        try:
            with session.begin_nested():
                cart = Cart(user_id=user_id)
                session.add(cart)
        except IntegrityError:  # another change created it at the same moment
            cart = session.exec(statement).one()
    return cart


def read_cart(session: Session, cart: Cart) -> CartView:
    """Reads the cart's lines (the cart row itself is current: `bump_version` keeps it so)."""
    rows = session.exec(
        select(CartItem, Product, Village.currency)
        .join(Product, col(CartItem.product_id) == Product.id)
        .join(Village, col(Product.village_id) == Village.id)
        .where(CartItem.cart_id == cart.id)
        .order_by(col(CartItem.id))
    )
    lines = [CartLine(product, item.quantity, currency) for item, product, currency in rows]
    return CartView(cart, lines)


# Plain SQL that returns the new version: the ORM's UPDATE evaluated its SET clause against the
# session's objects, and the cart was then read again, the most expensive steps of add_to_cart.
_BUMP = (
    "UPDATE cart SET version = version + 1, updated_at = :now WHERE id = :id{at} RETURNING version"
)
_NOW = bindparam("now", type_=Cart.__table__.c.updated_at.type)  # type: ignore[attr-defined]
_BUMP_ANY = text(_BUMP.format(at="")).bindparams(_NOW)
_BUMP_AT = text(_BUMP.format(at=" AND version = :version")).bindparams(_NOW)


def bump_version(session: Session, cart: Cart, version: int | None) -> bool:
    """Moves the cart to the next version, only if it is still at `version` (None: any)."""
    now = utcnow()
    if version is None:
        new = session.execute(_BUMP_ANY, {"id": cart.id, "now": now}).first()
    else:
        new = session.execute(_BUMP_AT, {"id": cart.id, "now": now, "version": version}).first()
    if new is None:
        return False
    set_committed_value(cart, "version", new[0])
    set_committed_value(cart, "updated_at", now)
    return True


def view_cart(*, session: Session, user_id: int) -> CartView:
    """The user's cart."""
    return read_cart(session, cart_of(session, user_id))


def add_to_cart(*, session: Session, user_id: int, product_id: int) -> tuple[CartChange, CartView]:
    """Adds one of a product (up to the stock)."""
    cart = cart_of(session, user_id, lock=True)
    product = session.get(Product, product_id)
    if product is None or not product.active or product.stock < 1:
        return CartChange.GONE, read_cart(session, cart)
    items = session.exec(select(CartItem).where(CartItem.cart_id == cart.id)).all()
    item = next((line for line in items if line.product_id == product_id), None)
    if item is None:
        if len(items) >= MAX_LINES:
            return CartChange.FULL, read_cart(session, cart)
        item = CartItem(cart_id=cart.id, product_id=product_id, quantity=0)  # type: ignore[arg-type]
    if item.quantity >= product.stock:
        return CartChange.AT_MOST, read_cart(session, cart)
    item.quantity += 1
    session.add(item)
    bump_version(session, cart, None)
    return CartChange.DONE, read_cart(session, cart)


def change_cart(
    *,
    session: Session,
    user_id: int,
    product_id: int,
    action: str,
    version: int,
    quantity: int = 0,
) -> tuple[CartChange, CartView]:
    """Applies "+", "-", "x" (remove) or "=" (set to `quantity`, at most what is in stock) to
    one line, only if the cart is still at `version`."""
    cart = cart_of(session, user_id, lock=True)
    if not bump_version(session, cart, version):
        return CartChange.STALE, read_cart(session, cart)
    item = session.exec(
        select(CartItem).where(CartItem.cart_id == cart.id, CartItem.product_id == product_id)
    ).first()
    product = session.get(Product, product_id)
    outcome = CartChange.DONE
    if item is None or product is None:
        outcome = CartChange.STALE
    elif action == "x":
        session.delete(item)
    elif action == "+" and item.quantity >= product.stock:
        outcome = CartChange.AT_MOST
    elif action == "-" and item.quantity <= 1:
        outcome = CartChange.AT_LEAST
    elif action in ("+", "-"):
        item.quantity += 1 if action == "+" else -1
        session.add(item)
    elif action == "=" and quantity >= 1:
        if quantity > product.stock:
            outcome, quantity = CartChange.AT_MOST, max(product.stock, 1)
        item.quantity = quantity
        session.add(item)
    else:
        outcome = CartChange.STALE
    session.flush()
    return outcome, read_cart(session, cart)


def fit_cart_to_stock(*, session: Session, user_id: int) -> CartView:
    """Lowers quantities to what is in stock, removing sold-out lines."""
    cart = cart_of(session, user_id)
    for item, product in session.exec(
        select(CartItem, Product).join(Product).where(CartItem.cart_id == cart.id)
    ):
        if product.stock < 1 or not product.active:
            session.delete(item)
        elif item.quantity > product.stock:
            item.quantity = product.stock
            session.add(item)
    bump_version(session, cart, None)
    session.flush()
    return read_cart(session, cart)


def set_draft(*, session: Session, user_id: int, **fields: str | None) -> CartView:
    """Stores checkout details (country, address, phone, note) on the cart."""
    cart = cart_of(session, user_id)
    for name, value in fields.items():
        if name not in ("country", "address", "phone", "note"):
            raise ValueError(name)
        setattr(cart, name, value)
    session.add(cart)
    session.flush()
    bump_version(session, cart, None)  # a summary shown before this change is now out of date
    return read_cart(session, cart)
