"""Every inline button's callback_data, declared once: prefix, verb and named fields.

The same `Route` builds a button's data (`ORDER.data(order_id=12)` → `"ORD view 12"`) and gives
the anchored pattern its handler is registered with (`ORDER.handler(show_detail)`); the callback
reads the fields PTB matched: `tapped(context, "order_id")` is `int(context.match["order_id"])`.
A typo in a verb or a field therefore fails at import or in tests/test_routes.py, not in a chat.

The prefix says which journey a button belongs to (and, in `handlers.kit.fallback`, which roles
may press it); the verb says what it does. Fields are separated by single spaces; a route's
`optional` fields are given all together or not at all. A `nested` field carries another
button's data (the consent screen's "Continue"); `handlers.kit.fallback.impossible_number`
checks the numbers of both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from telegram.ext import CallbackContext, CallbackQueryHandler

from bot.config import LANGUAGES

MAX_BYTES = 64  # Telegram's limit for callback_data


@dataclass(frozen=True)
class Field:
    """One named word of callback data and the regex it must match."""

    name: str
    regex: str
    number: bool = False
    nested: bool = False


def num(name: str) -> Field:
    """A non-negative integer field (an id, a page, a version)."""
    return Field(name, r"\d+", number=True)


def one_of(name: str, *choices: str) -> Field:
    """A field that is one of a few fixed words."""
    return Field(name, "|".join(re.escape(choice) for choice in choices))


def word(name: str, regex: str) -> Field:
    """A field of free text matching `regex` (a category, a payment reference)."""
    return Field(name, regex)


def nested(name: str) -> Field:
    """The rest of the data: another button's callback_data."""
    return Field(name, ".+", nested=True)


@dataclass(frozen=True)
class Route:
    """One kind of button: builds its callback_data and matches it."""

    prefix: str
    verb: str = ""
    fields: tuple[Field, ...] = ()
    optional: tuple[Field, ...] = field(default=())

    def __post_init__(self) -> None:
        assert all(route.key != self.key for route in ROUTES), f"two routes {self.key!r}"
        ROUTES.append(self)

    # cached: every button of every screen asks for them
    @cached_property
    def key(self) -> str:
        """Prefix and verb: what tells this button kind apart from every other."""
        return f"{self.prefix} {self.verb}".strip()

    @cached_property
    def every_field(self) -> tuple[Field, ...]:
        """The required fields, then the optional ones."""
        return self.fields + self.optional

    @cached_property
    def _names(self) -> frozenset[str]:
        """The names of every field."""
        return frozenset(f.name for f in self.every_field)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The anchored pattern with one named group per field."""
        body = re.escape(self.key) + "".join(f" (?P<{f.name}>{f.regex})" for f in self.fields)
        if self.optional:
            body += "(?:" + "".join(f" (?P<{f.name}>{f.regex})" for f in self.optional) + ")?"
        return re.compile(rf"^{body}\Z")

    def data(self, **values: object) -> str:
        """The callback_data for these field values (optional ones all or none)."""
        given = [f for f in self.optional if values.get(f.name) is not None]
        assert not given or len(given) == len(self.optional), (self.key, values)
        words = [self.key] + [str(values[f.name]) for f in (*self.fields, *given)]
        assert self._names.issuperset(values), (self.key, values)
        data = " ".join(words)
        assert len(data.encode()) <= MAX_BYTES, data
        return data

    def handler(self, callback: Any) -> CallbackQueryHandler[Any, Any]:
        """A CallbackQueryHandler for this route; PTB hands the match to `context.match`."""
        return CallbackQueryHandler(callback, pattern=self.regex)


ROUTES: list[Route] = []


def tapped(context: CallbackContext[Any, Any, Any, Any], name: str) -> int:
    """An integer field of the tapped button (its route's pattern ensures it is one)."""
    return int(text_field(context, name))


def text_field(context: CallbackContext[Any, Any, Any, Any], name: str) -> str:
    """A field of the tapped button as matched; '' for an optional field not given."""
    match = context.match
    assert match is not None, "only for handlers registered with Route.handler"
    return match.groupdict().get(name) or ""


def route_of(data: str) -> tuple[Route, re.Match[str]] | None:
    """The route this callback data belongs to, with the match, if any."""
    for route in ROUTES:
        match = route.regex.match(data)
        if match is not None:
            return route, match
    return None


COUNTRY = one_of("country", "CN", "LA")
CARRIER = one_of("carrier", "0", "1", "2", "3", "other")  # handlers.kit.carriers.CARRIERS


# --- account: the menu, help, language, privacy ------------------------------------------------

MENU = Route("MENU")
HELP = Route("HELP")
LANGUAGE = Route("LANG")
LANGUAGE_SET = Route("LANG", "set", (one_of("code", *LANGUAGES),))
HELP_WRITE = Route("HELP", "write")  # a message to the post office
HELP_SEND = Route("HELP", "send", (num("help_id"),))  # a voice note or photo sent outside
HELP_REPLY = Route("HLP", "reply", (num("help_id"),))  # operators: answer a message
HELP_PLAY = Route("HLP", "play", (num("help_id"),))  # operators: hear its voice note
HELP_INBOX = Route("HLP", "inbox")  # operators: the messages not answered yet
HELP_OPEN = Route("HLP", "open", (num("help_id"),))  # operators: one of them again
PRIVACY = "PRIV"  # consent screens belong to the dialogue that showed them
PRIVACY_NOTICE = Route(PRIVACY, "NOTICE")
PRIVACY_EXPORT = Route(PRIVACY, "EXPORT")
PRIVACY_DELETE = Route(PRIVACY, "DEL")
PRIVACY_DELETE_YES = Route(PRIVACY, "DEL YES")
PRIVACY_DELETE_NO = Route(PRIVACY, "DEL NO")
PRIVACY_WITHDRAW = Route(PRIVACY, "WITHDRAW")
# where the data goes (models.privacy.DataPath.code); "1" stays valid on screens made before
_CROSS = one_of("cross", "0", "1", "d", "v", "b")
# "a": every consent the screen asked for, in one tap ("n" and "x" stay valid on old screens)
CONSENT_AGREE = Route(
    PRIVACY, "OK", (one_of("consent", "a", "n", "x"), _CROSS), (nested("resume"),)
)
CONSENT_READ = Route(PRIVACY, "READ", (_CROSS,), (nested("resume"),))
CONSENT_ASK = Route(PRIVACY, "ASK", (_CROSS,), (nested("resume"),))
CONSENT_DECLINE = Route(PRIVACY, "NO", (_CROSS,), (nested("resume"),))

# --- adoption: browsing trees, adopting one, my trees ------------------------------------------

TREES = Route("TREE")
_GROUP = (one_of("by", "species", "village"), num("group_id"), num("page"))
TREE_LIST = Route("TREE", "list", _GROUP)
TREE_CARD = Route("TREE", "card", (num("tree_id"),), _GROUP)  # with the list to go back to
ADOPT_START = Route("ADOPT", "go", (num("tree_id"),))
ADOPT_SKIP = Route("ADOPT", "skip")
ADOPT_FOR = Route("ADOPT", "for", (one_of("whom", "me", "gift"),))
ADOPT_TO = Route("ADOPT", "to", (COUNTRY,))
ADOPT_SAME = Route("ADOPT", "same")  # the last delivery's address, name and phone
ADOPT_CONFIRM = Route("ADOPT", "ok")
ADOPT_BACK = Route("ADOPT", "back")
ADOPT_CANCEL = Route("ADOPT", "cancel")
ADOPT_RENEW = Route("ADOPT", "renew", (num("adoption_id"),))
MY_TREES = Route("MYT")
MY_TREE = Route("MYT", "view", (num("adoption_id"),))
MY_CERTIFICATE = Route("MYT", "certificate", (num("adoption_id"),))
MY_CERTIFICATE_FILE = Route("MYT", "certificate-file", (num("adoption_id"),))
MY_TREE_PAY = Route("MYT", "pay", (num("adoption_id"),))
MY_TREE_RECEIPT = Route("MYT", "receipt", (num("adoption_id"),))

# --- shop: shelves, cart, checkout, the buyer's orders -----------------------------------------

SHOP = Route("SHOP")
SHELF = Route("SHOP", "shelf", (word("category", "[a-z]+"),))
PRODUCT = Route("SHOP", "product", (num("product_id"),))
ADD_TO_CART = Route("SHOP", "add", (num("product_id"),))
CART = Route("CART")
_LINE = (num("product_id"), num("version"))
CART_LESS = Route("CART", "less", _LINE)
CART_MORE = Route("CART", "more", _LINE)
CART_REMOVE = Route("CART", "remove", _LINE)
CART_PICK = Route("CART", "pick", _LINE)
CART_SET = Route("CART", "set", (*_LINE, num("quantity")))
CHECKOUT = Route("CHK", "go", (num("version"),))
CHECKOUT_TO = Route("CHK", "to", (COUNTRY,))
CHECKOUT_SKIP = Route("CHK", "skip")
CHECKOUT_SAME = Route("CHK", "same")  # the last delivery's address and phone
CHECKOUT_BACK = Route("CHK", "back")
CHECKOUT_CONFIRM = Route("CHK", "ok", (num("version"),))
ORDERS = Route("ORD", "list")
ORDER = Route("ORD", "view", (num("order_id"),))
ORDER_PAY = Route("ORD", "pay", (num("order_id"),))
ORDER_CANCEL = Route("ORD", "cancel", (num("order_id"),))
ORDER_CANCEL_YES = Route("ORD", "cancel-yes", (num("order_id"),))

# --- payment: the village's ways to pay, proof of payment -------------------------------------

_REFERENCE = word("reference", "[A-Z0-9]{1,16}")
PAY_WAYS = Route("PAY", "ways", (_REFERENCE,))
PAY_WAY = Route("PAY", "how", (_REFERENCE, num("method_id")))
PAY_SLIP = Route("PAY", "slip", (_REFERENCE,))
PAY_COUNTER = Route("PAY", "counter", (_REFERENCE,))
ORDER_RECEIPT = Route("ORD", "receipt", (num("order_id"),))

# --- back office -------------------------------------------------------------------------------

BACK_OFFICE = Route("OPS")
BACK_OFFICE_MORE = Route("OPS", "more")
PAYMENTS = Route("OPS", "payments")
PAYMENT_CONFIRM = Route("OPS", "confirm", (_REFERENCE,))
PAYMENT_VIEW = Route("OPS", "payment", (_REFERENCE,))
PAYMENT_REJECT = Route("OPS", "reject", (_REFERENCE,))
PAYMENT_REJECT_WHY = Route(
    "OPS",
    "why",
    (_REFERENCE, one_of("reason", "not_received", "wrong_amount", "unreadable", "other")),
)
PAYMENT_REJECT_SEND = Route("OPS", "reject-send")
PAYMENT_LATE = Route("OPS", "late", (_REFERENCE, one_of("outcome", "refund", "reoffer")))
PAY_METHODS = Route("OPM", "list")
PAY_METHOD = Route("OPM", "view", (num("method_id"),))
PAY_METHOD_TOGGLE = Route("OPM", "toggle", (num("method_id"),))
PAY_METHOD_EDIT = Route(
    "OPM",
    "edit",
    (
        num("method_id"),
        one_of("field", "name_zh", "name_lo", "name_en", "account", "address", "hours", "hold"),
    ),
)
PAY_METHOD_QR = Route("OPM", "qr", (num("method_id"),))
PAY_METHOD_NEW = Route("OPM", "new")
PAY_METHOD_NEW_IN = Route("OPM", "new-in", (num("village_id"),))
PAY_METHOD_ADD = Route(
    "OPM",
    "add",
    (
        num("village_id"),
        one_of("method_kind", "wechat_qr", "alipay_qr", "bank_transfer", "lao_bank_qr", "counter"),
    ),
)
FARMERS = Route("OPS", "farmers")
FARMER_INVITE = Route("OPS", "invite", (num("farmer_id"),))
STATS = Route("OPS", "stats")
EXPORT = Route("OPS", "export", (word("kind", "[a-z]+"),))
BROADCAST = Route("BC")
BROADCAST_AUDIENCE = Route("BC", "AUDIENCE", (word("audience", "[a-z]+"),))
BROADCAST_SKIP = Route("BC", "SKIP")
BROADCAST_BACK = Route("BC", "BACK")
BROADCAST_SEND = Route("BC", "SEND")
BROADCAST_STOP = Route("BC", "STOP")
_PAGE = num("page")
OPS_ORDERS = Route("OPO", "list", (one_of("which", "ready", "sent"), _PAGE))
OPS_ORDER = Route("OPO", "view", (num("order_id"),))
OPS_ORDER_PACK = Route("OPO", "pack", (num("order_id"),))
OPS_ORDER_SHIP = Route("OPO", "ship", (num("order_id"),))
OPS_ORDER_DELIVERED = Route("OPO", "delivered", (num("order_id"),))
OPS_ORDER_CANCEL = Route("OPO", "cancel", (num("order_id"),))
OPS_ORDER_CARRIER = Route("OPO", "carrier", (CARRIER,))
# models.shop.orders.CANCEL_REASONS
OPS_ORDER_REASON = Route(
    "OPO", "reason", (one_of("code", "sold_out", "damaged", "unreachable", "asked", "other"),)
)
OPS_ORDER_NO_NOTE = Route("OPO", "no-note")
OPS_ORDER_FIND = Route("OPO", "find")
OPS_ORDER_BACK = Route("OPO", "back")
OPS_PRODUCTS = Route("OPP", "list")
OPS_PRODUCT = Route("OPP", "view", (num("product_id"),))
OPS_PRODUCT_STOCK = Route("OPP", "stock", (num("product_id"),))
OPS_PRODUCT_PRICE = Route("OPP", "price", (num("product_id"),))
OPS_PRODUCT_TOGGLE = Route("OPP", "toggle", (num("product_id"),))
OPS_NEW_PRODUCT = Route("OPP", "new")
OPS_NEW_VILLAGE = Route("OPP", "new-village", (num("village_id"),))
OPS_NEW_FARMER = Route("OPP", "new-farmer", (num("farmer_id"),))  # 0: the post office's own
OPS_NEW_CATEGORY = Route("OPP", "new-shelf", (word("category", "[a-z]+"),))
OPS_NEW_SKIP = Route("OPP", "new-skip")
OPS_NEW_NO_PHOTO = Route("OPP", "new-nophoto")
OPS_NEW_SAVE = Route("OPP", "new-save")
HARVESTS = Route("OPH", "list", (one_of("which", "ready", "sent"), _PAGE))
HARVEST = Route("OPH", "view", (num("adoption_id"),))
HARVEST_SHIP = Route("OPH", "ship", (num("adoption_id"),))
HARVEST_COMPLETE = Route("OPH", "complete", (num("adoption_id"),))
HARVEST_CARRIER = Route("OPH", "carrier", (CARRIER,))
HARVEST_BACK = Route("OPH", "back")

# --- farmer ------------------------------------------------------------------------------------

FARMER = Route("FRM")
FARMER_TO_PACK = Route("FRM", "to-pack")
FARMER_PACK = Route("FRM", "pack", (num("order_id"),))
FARMER_ORDERS = Route("FRM", "orders")
FARMER_EARNINGS = Route("FRM", "earnings")
FARMER_TREES = Route("FRM", "trees", (_PAGE,))
NEWS = Route("FRM", "news")
NEWS_ALL_TREES = Route("FRM", "news-all")
NEWS_TREE = Route("FRM", "news-tree", (num("tree_id"),))
NEWS_PAGE = Route("FRM", "news-page", (_PAGE,))
NEWS_BACK_TO_TREES = Route("FRM", "news-trees")
# models.catalog.news_items.NEWS_ITEMS, and "own" for a photo or own words only
NEWS_ITEM = Route(
    "FRM",
    "news-item",
    (
        one_of(
            "item",
            "blossom",
            "fruit_set",
            "new_leaves",
            "thinned",
            "pruned",
            "harvest_soon",
            "harvest_started",
            "shipped_today",
            "weather_damage",
            "own",
        ),
    ),
)
NEWS_DAYS = Route("FRM", "news-days", (one_of("days", "3", "7", "14", "30"),))  # HARVEST_DAYS
NEWS_BACK_TO_ITEMS = Route("FRM", "news-items")
NEWS_SKIP = Route("FRM", "news-skip")
NEWS_POST = Route("FRM", "news-post")
NEWS_EDIT = Route("FRM", "news-edit")
