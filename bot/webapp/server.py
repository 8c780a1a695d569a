"""The Mini App's HTTP side: static pages, pictures, and a JSON API that trusts only initData.

Mounted in webhook mode's tornado app (bot/webhook.py) under PREFIX; in polling and console mode
`start_local` serves the same routes on LISTEN:WEBAPP_PORT (a reverse proxy gives it the public
https address, WEBAPP_URL). Every API call carries Telegram's initData in a header; the user id
is read from it only after the HMAC check (bot/webapp/initdata.py), else 401 and nothing changes.
No CORS header is ever sent, so other sites' pages cannot call the API from a browser.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler, StaticFileHandler

from bot.config import Settings
from bot.db import Database
from bot.i18n import Translator, language_from_code, translator
from bot.updates import AnyApp
from bot.webapp import PREFIX, enabled
from bot.webapp.initdata import InvalidInitData, WebAppUser, sign_init_data, verify_init_data
from bot.webapp.orchard import orchard_state
from bot.webapp.photos import KINDS, PhotoCache, image_type, is_file_id
from bot.webapp.shop import ACTIONS, shop_state, tap
from handlers.kit import routes
from handlers.kit.common import button, keyboard
from models.adoption.browse import tree_card
from models.catalog.pictures import PICTURES_DIR, catalog_photo
from models.catalog.places import localized
from models.core.user import get_user
from models.shop.products import view_cart

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
FONTS_DIR = Path(__file__).resolve().parent.parent / "render" / "fonts"
INIT_DATA_HEADER = "X-Telegram-Init-Data"
MAX_BODY = 4096
CALLS_PER_WINDOW = 30  # API calls one user may make per window: far above a person tapping
WINDOW_SECONDS = 10.0
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' https://telegram.org",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self' https://web.telegram.org",
    ]
)


def _secure(handler: RequestHandler) -> None:
    """Headers every answer carries: the CSP, no sniffing, no referrer."""
    handler.set_header("Content-Security-Policy", CSP)
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.set_header("Referrer-Policy", "no-referrer")


class PageHandler(RequestHandler):
    """GET /app/: the shop page."""

    def set_default_headers(self) -> None:
        """The security headers."""
        _secure(self)

    def get(self) -> None:
        """Sends index.html (it loads its own CSS and JS, and Telegram's script)."""
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish((STATIC_DIR / "index.html").read_bytes())


class FileHandler(StaticFileHandler):
    """The page's own CSS, JS, font and the catalog's pictures, with the security headers."""

    def set_default_headers(self) -> None:
        """The security headers."""
        _secure(self)


class PhotoHandler(RequestHandler):
    """GET /app/photos/<tree|product>/<CODE>.jpg: a picture set from the chat (a file_id)."""

    def initialize(self, bot_app: AnyApp, cache: PhotoCache) -> None:
        """Receives the running Application (its bot and database) and the photo cache."""
        self.application_ = bot_app
        self.cache = cache

    def set_default_headers(self) -> None:
        """The security headers."""
        _secure(self)

    async def get(self, kind: str, code: str) -> None:
        """Sends the row's current photo, fetched through the Bot API once; else 404."""
        db: Database = self.application_.bot_data["db"]
        photo = await db.run(catalog_photo, kind=kind, code=code)
        data = None
        if photo is not None and is_file_id(photo):
            data = await self.cache.get(self.application_.bot, photo)
        if data is None:
            self.set_status(404)
            self.finish()
            return
        self.set_header("Content-Type", image_type(data) or "application/octet-stream")
        self.set_header("Cache-Control", "public, max-age=86400")  # ?v= changes with the photo
        self.finish(data)


def _small_int(value: object) -> bool:
    """A JSON whole number that fits the database's integer columns."""
    return type(value) is int and 0 <= value < 2**31


class CallLimiter:
    """At most CALLS_PER_WINDOW API calls per user in any WINDOW_SECONDS, in this process."""

    def __init__(self) -> None:
        self.calls: dict[int, deque[float]] = {}

    def allow(self, user_id: int, now: float | None = None) -> bool:
        """Counts a call; False when the user has made too many lately."""
        moment = time.monotonic() if now is None else now
        recent = self.calls.setdefault(user_id, deque())
        while recent and recent[0] <= moment - WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= CALLS_PER_WINDOW:
            return False
        recent.append(moment)
        if len(self.calls) > 10_000:  # forget the quiet ones
            for quiet in [uid for uid, times in self.calls.items() if not times]:
                del self.calls[quiet]
        return True


class ApiHandler(RequestHandler):
    """POST /app/api/<call>: checks initData, then answers JSON in the user's language."""

    def initialize(self, bot_app: AnyApp, limiter: CallLimiter) -> None:
        """Receives the running Application (its bot token, database and settings)."""
        self.limiter = limiter
        self.application_ = bot_app
        self.settings_: Settings = bot_app.bot_data["settings"]
        self.db: Database = bot_app.bot_data["db"]

    def set_default_headers(self) -> None:
        """The security headers; API answers are never cached."""
        _secure(self)
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "application/json; charset=utf-8")

    def _refuse(self, status: int, error: str) -> None:
        """Ends the call with an error status and a short JSON reason."""
        self.set_status(status)
        self.finish(json.dumps({"error": error}))

    def _tell(self, status: int, error: str, message: str) -> None:
        """Ends the call with an error status and words for the user (the page shows them)."""
        self.set_status(status)
        self.finish(json.dumps({"error": error, "message": message}, ensure_ascii=False))

    def _user(self) -> WebAppUser | None:
        """The verified user of this call, or None (the caller answers 401)."""
        raw = self.request.headers.get(INIT_DATA_HEADER, "")
        try:
            return verify_init_data(raw, self.application_.bot.token, self.settings_.webapp_max_age)
        except InvalidInitData as exc:
            log.warning("mini app call refused from %s: %s", self.request.remote_ip, exc)
            return None

    def _body(self) -> dict[str, Any] | None:
        """The JSON object posted, or None."""
        if len(self.request.body) > MAX_BODY:
            return None
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    async def _translator(self, user: WebAppUser) -> Translator:
        """The user's stored language, else their Telegram language, else the default."""
        account = await self.db.run(get_user, telegram_id=user.id)
        if account is not None:
            return translator(account.language)
        return translator(language_from_code(user.language_code, self.settings_.default_language))

    async def post(self, call: str) -> None:
        """Answers one API call."""
        user = self._user()
        if user is None:  # said in the browser's language: nobody verified is asking
            code = self.request.headers.get("Accept-Language", "").split(",")[0].split(";")[0]
            tr = translator(language_from_code(code.strip(), self.settings_.default_language))
            message = tr._("Please open the shop from the bot's menu in Telegram.")
            self._tell(401, "unauthorized", message)
            return
        if not self.limiter.allow(user.id):
            self._refuse(429, "too many calls")
            return
        body = self._body()
        if body is None:
            self._refuse(400, "bad request")
            return
        tr = await self._translator(user)
        rate = self.settings_.lak_per_cny
        if call == "shop":
            state = await self.db.run(shop_state, tr=tr, user_id=user.id, lak_per_cny=rate)
            state["start"] = start_page(user.start_param)
        elif call == "cart":
            product_id, action, version = (body.get(k) for k in ("product_id", "action", "version"))
            if not (_small_int(product_id) and _small_int(version) and action in ACTIONS):
                self._refuse(400, "bad request")
                return
            state = await self.db.run(
                tap,
                tr=tr,
                user_id=user.id,
                product_id=product_id,
                action=action,
                version=version,
                lak_per_cny=rate,
            )
        elif call == "orchard":
            state = await self.db.run(
                orchard_state, tr=tr, lak_per_cny=rate, username=self._username()
            )
        elif call == "checkout":
            await self._checkout(user, tr)
            return
        elif call == "adopt":
            await self._adopt(user, tr, body.get("code"))
            return
        else:
            self._refuse(404, "no such call")
            return
        self.finish(json.dumps(state, ensure_ascii=False))

    def _username(self) -> str:
        """The bot's @username, for the deep links into the chat."""
        try:
            return str(self.application_.bot.username)
        except RuntimeError:  # not initialized: no getMe answer yet
            return self.settings_.bot_username

    async def _checkout(self, user: WebAppUser, tr: Translator) -> None:
        """Puts a "My cart" button in the user's chat, where checkout and payment happen; an
        empty cart (emptied in the chat since the page was drawn) is refused, nothing sent."""
        view = await self.db.run(view_cart, user_id=user.id)
        if not view.lines:
            self._tell(409, "empty cart", tr._("Your cart is empty."))
            return
        text = tr._("Your cart is ready. Tap the button below to check out.")
        markup = keyboard([button("🛒 " + tr.pgettext("button", "My cart"), routes.CART.data())])
        if not await self._send(user, text, markup):
            self._refuse(502, "telegram unreachable")
            return
        self.finish(json.dumps({"ok": True}))

    async def _adopt(self, user: WebAppUser, tr: Translator, code: object) -> None:
        """Puts the chosen free tree's card button in the user's chat, where the adoption
        dialogue (consent, address, payment) goes on: the page's "Adopt" outside Telegram."""
        card = None
        if isinstance(code, str) and TREE_CODE.match(code):
            card = await self.db.run(tree_card, code=code)
        if card is None or card.tree.id is None:
            self._refuse(404, "no such tree")
            return
        if not card.available:
            self._tell(409, "taken", tr._("Sorry, someone else has just adopted this tree."))
            return
        title = tr.then(localized(card.species, "name", tr.language), card.tree.code)
        text = tr._("You chose {tree} in the shop. Tap the button below to adopt it.").format(
            tree=html.escape(title)
        )
        markup = keyboard([button("🌳 " + title, routes.TREE_CARD.data(tree_id=card.tree.id))])
        if not await self._send(user, text, markup):
            self._refuse(502, "telegram unreachable")
            return
        self.finish(json.dumps({"ok": True}))

    async def _send(self, user: WebAppUser, text: str, markup: InlineKeyboardMarkup) -> bool:
        """Sends a message with buttons to the user's chat; False if Telegram refused it."""
        try:
            await self.application_.bot.send_message(user.id, text, reply_markup=markup)
        except TelegramError as exc:
            log.warning("mini app: message to %s not sent: %s", user.id, exc)
            return False
        return True


TREE_CODE = re.compile(r"^[A-Z0-9-]{1,40}$")
START = re.compile(r"^(tree|product)_([A-Za-z0-9-]{1,40})$")


def start_page(start_param: str) -> dict[str, str] | None:
    """Where a `startapp=tree_PEACH-0042` (or `product_HONEY-500G`) link asks the page to open."""
    match = START.match(start_param)
    if match is None:
        return None
    return {"kind": match.group(1), "code": match.group(2).upper()}


def routes_for(application: AnyApp) -> list[Any]:
    """The Mini App's routes, to mount in a tornado Application."""
    limiter = CallLimiter()
    photos = {"bot_app": application, "cache": PhotoCache()}
    return [
        (PREFIX + "/", PageHandler),
        (PREFIX + r"/static/([a-z0-9-]+\.(?:css|js))", FileHandler, {"path": str(STATIC_DIR)}),
        (
            PREFIX
            + r"/fonts/(NotoSansLao-(?:Regular|Bold)\.ttf|NotoSansCJKsc-Regular-subset\.otf)",
            FileHandler,
            {"path": str(FONTS_DIR)},
        ),
        (PREFIX + r"/pictures/([a-z0-9-]+\.jpg)", FileHandler, {"path": str(PICTURES_DIR)}),
        (PREFIX + rf"/photos/({'|'.join(KINDS)})/([A-Z0-9-]{{1,40}})\.jpg", PhotoHandler, photos),
        (PREFIX + r"/api/([a-z]+)", ApiHandler, {"bot_app": application, "limiter": limiter}),
    ]


def _serve(application: AnyApp, settings: Settings) -> tuple[HTTPServer, int]:
    """Serves the Mini App's routes on LISTEN:WEBAPP_PORT; returns the server and its port."""
    sockets = bind_sockets(settings.webapp_port, settings.listen)
    server = HTTPServer(WebApplication(routes_for(application)), max_body_size=MAX_BODY * 4)
    server.add_sockets(sockets)
    return server, sockets[0].getsockname()[1]


def dev_page_url(application: AnyApp, address: str, port: int, user: dict[str, Any]) -> str:
    """A local address of the page with initData signed for `user` in the fragment, where
    Telegram puts it (tgWebAppData): opens the Mini App in any browser, as that user."""
    fields = {k: user[k] for k in ("id", "first_name", "language_code") if user.get(k)}
    signed = sign_init_data(fields, application.bot.token)
    return f"http://{address}:{port}{PREFIX}/#" + urlencode({"tgWebAppData": signed})


async def start_local_server(
    application: AnyApp, settings: Settings, user: dict[str, Any] | None
) -> tuple[HTTPServer | None, str]:
    """Serves the Mini App on LISTEN:WEBAPP_PORT; returns the server (None if the port is
    taken) and the line to print: the local address, with initData signed for `user` if given."""
    try:
        server, port = _serve(application, settings)
    except OSError as exc:
        return None, f"Mini App not served: port {settings.webapp_port} ({exc.strerror})"
    if user is None:
        return server, f"Mini App: http://{settings.listen}:{port}{PREFIX}/"
    return server, "Mini App: " + dev_page_url(application, settings.listen, port, user)


async def start_console(
    application: AnyApp, settings: Settings, user: dict[str, Any]
) -> tuple[HTTPServer | None, str]:
    """Console mode: serves the Mini App locally; returns the server and a line to print."""
    return await start_local_server(application, settings, user)


def first_admin(settings: Settings) -> dict[str, Any] | None:
    """The user a polling bot's local address is signed for: the first of ADMIN_IDS."""
    return {"id": settings.admin_ids[0], "first_name": "Admin"} if settings.admin_ids else None


async def start_local(application: AnyApp, settings: Settings) -> HTTPServer | None:
    """In polling mode: serves the Mini App on LISTEN:WEBAPP_PORT, if it is on, and prints its
    local address (signed for the first admin, to open in a browser against this database)."""
    if not enabled(settings):
        log.info("mini app off: WEBAPP_URL (an https address) is not set")
        return None
    server, line = await start_local_server(application, settings, first_admin(settings))
    print(line, flush=True)
    log.info("mini app public address: %s", settings.webapp_url)
    return server
