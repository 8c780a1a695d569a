"""Webhook mode: Telegram posts each update to us; it is stored before Telegram gets its 200.

Following PTB's custom-webhook example: the Application has no Updater, a small tornado server
answers Telegram, and `bot.updates.UpdateWorker` claims the stored updates in update_id order and
hands them to the update processor (concurrent across chats, in order within one). A crash after
the 200 loses nothing: at the next start the worker first handles every stored update that was
not handled yet, once each. Several instances may share one PostgreSQL database: each claims the
updates it handles, so whichever instance Telegram posted to, one answers.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler, stream_request_body

from bot.config import Settings
from bot.db import Database
from bot.jobs import start_jobs
from bot.memory import settle_memory
from bot.updates import AnyApp, UpdateWorker
from bot.webapp import enabled
from bot.webapp.server import routes_for
from models.core.updates import count_unhandled, store_update

log = logging.getLogger(__name__)
access = logging.getLogger("tornado.access")

PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query", "pre_checkout_query"]
MAX_BODY = 1024 * 1024  # kept in memory; a larger body is read to its end, then refused
MAX_READ = 16 * MAX_BODY  # read at all: beyond this tornado closes the connection


MAX_DEPTH = 32  # real updates nest less than 10 levels deep
MAX_UPDATE_ID = 2**63 - 1  # the column is a signed 64-bit integer


class BadBody(ValueError):
    """A posted body that is not one Telegram update."""


def _refuse_constant(name: str) -> None:
    """json.loads hook: NaN and Infinity are not JSON."""
    raise BadBody(f"{name} is not JSON")


def _too_deep(value: Any) -> bool:
    """True if lists and objects nest more than MAX_DEPTH levels (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_update(body: bytes) -> tuple[int, dict[str, Any]]:
    """The update_id and payload of a posted body; BadBody says why it is not an update."""
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadBody("nested too deeply") from None
    except BadBody:
        raise
    except ValueError as exc:  # JSONDecodeError, bytes that are not UTF-8, a 5000-digit number
        raise BadBody(f"not JSON ({type(exc).__name__})") from None
    if not isinstance(payload, dict):
        raise BadBody("not a JSON object")
    update_id = payload.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        raise BadBody("update_id missing or out of range")
    if _too_deep(payload):
        raise BadBody("nested too deeply")
    try:  # what the database will be given: a lone surrogate cannot be stored as UTF-8
        json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise BadBody("a lone surrogate in a string") from None
    return update_id, payload


@stream_request_body
class TelegramHandler(RequestHandler):
    """POST /telegram: checks the secret, stores the update, then answers 200.

    The body is streamed in and kept up to MAX_BODY only, so that a larger one is read to its end
    and answered 400 (tornado's own limit would drop the connection, and the caller sees no
    answer); MAX_READ is where tornado does drop it.
    """

    def initialize(self, service: WebhookService) -> None:
        """Receives the running service."""
        self.service = service
        self.chunks: list[bytes] = []
        self.size = 0

    def data_received(self, chunk: bytes) -> None:
        """Keeps the body's first MAX_BODY bytes and counts the rest."""
        self.size += len(chunk)
        if self.size <= MAX_BODY:
            self.chunks.append(chunk)

    async def post(self) -> None:
        """Stores one update; Telegram retries on anything but 200, so errors lose nothing."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.service.secret.encode()):
            log.warning("webhook call with a wrong secret from %s", self.request.remote_ip)
            self.set_status(403)
            return
        try:
            if self.size > MAX_BODY:
                raise BadBody(f"{self.size} bytes, more than {MAX_BODY}")
            update_id, payload = parse_update(b"".join(self.chunks))
        except BadBody as exc:  # one line, no traceback: Telegram never sends these
            log.warning("webhook body from %s refused: %s", self.request.remote_ip, exc)
            self.set_status(400)
            return
        await self.service.db.run(store_update, update_id=update_id, payload=payload)
        self.service.worker.wake()
        self.set_status(200)


def _access_log(handler: RequestHandler) -> None:
    """Tornado's access log: server errors as errors, the rest at debug level.

    The handlers log a refused call themselves, in one line; tornado's own warning for each 4xx
    would make it two.
    """
    status = handler.get_status()
    level = logging.ERROR if status >= 500 else logging.DEBUG
    request = handler.request
    access.log(
        level,
        "%d %s %s %.1fms",
        status,
        request.method,
        request.uri,
        1000.0 * request.request_time(),
    )


class HealthHandler(RequestHandler):
    """GET /healthz: 200 with a small JSON while the database answers, else 503."""

    def initialize(self, service: WebhookService) -> None:
        """Receives the running service."""
        self.service = service

    async def get(self) -> None:
        """Reports whether the bot can reach its database, and how many updates wait."""
        try:
            waiting = await self.service.db.run(count_unhandled)
        except Exception:
            log.exception("health check: database unreachable")
            self.set_status(503)
            self.finish({"ok": False, "database": "unreachable"})
            return
        self.finish({"ok": True, "database": "ok", "waiting_updates": waiting})


class WebhookService:
    """The HTTP server plus the worker that handles what it stored."""

    def __init__(self, application: AnyApp, secret: str) -> None:
        self.application = application
        self.secret = secret
        self.db: Database = application.bot_data["db"]
        self.worker = UpdateWorker(application)
        self._server: HTTPServer | None = None
        self._worker_task: asyncio.Task[None] | None = None

    def web_app(self) -> WebApplication:
        """The webhook and health routes, and the Mini App's when it is on."""
        routes: list[Any] = [
            (PATH, TelegramHandler, {"service": self}),
            ("/healthz", HealthHandler, {"service": self}),
        ]
        if enabled(self.application.bot_data["settings"]):  # the Mini App, under /app/
            routes += routes_for(self.application)
        return WebApplication(routes, log_function=_access_log)

    async def start(self, address: str, port: int) -> int:
        """Handles what a previous run left, then serves; returns the port (for port 0)."""
        await self.worker.drain_all()
        settle_memory()  # start-up is over
        sockets = bind_sockets(port, address)
        self._server = HTTPServer(self.web_app(), max_body_size=MAX_READ)
        self._server.add_sockets(sockets)
        self._worker_task = asyncio.create_task(self.worker.run(), name="stored-updates")
        bound: int = sockets[0].getsockname()[1]
        log.info("webhook listening on %s:%s%s", address, bound, PATH)
        return bound

    async def stop(self) -> None:
        """Stops accepting updates, then lets the worker finish the update in hand."""
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        if self._worker_task is not None:
            self._worker_task.cancel()
            await asyncio.gather(self._worker_task, return_exceptions=True)


def missing_settings(settings: Settings) -> str | None:
    """Names what webhook mode needs and is not configured, or None."""
    missing = [
        name
        for name, value in (
            ("BOT_TOKEN", settings.bot_token),
            ("WEBHOOK_URL", settings.webhook_url),
            ("WEBHOOK_SECRET", settings.webhook_secret),
        )
        if not value
    ]
    return ", ".join(missing) + " must be set for webhook mode" if missing else None


async def serve(application: AnyApp, settings: Settings, stop: asyncio.Event) -> None:
    """Registers the webhook, serves until `stop` is set, then shuts down cleanly."""
    assert settings.webhook_url and settings.webhook_secret
    service = WebhookService(application, settings.webhook_secret)
    async with application:
        if application.post_init is not None:  # run_polling would call it: the command list
            await application.post_init(application)
        await start_jobs(application)  # the JobQueue: outbox, expiry, pruning
        await service.start(settings.listen, settings.port)
        await application.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        await stop.wait()
        log.info("stopping the webhook")
        await service.stop()
        await application.stop()


def run_webhook(settings: Settings, db: Database) -> int:
    """`python -m bot webhook`: serves until SIGTERM or Ctrl-C."""
    from bot.runtime import run_until_stopped

    return run_until_stopped(settings, db, lambda app, stop: serve(app, settings, stop))
