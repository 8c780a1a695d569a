"""Shortcuts for Mini App tests: the settings that turn it on, its server, signed initData."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application as WebApplication

from bot.app import App
from bot.config import Settings
from bot.webapp.initdata import sign_init_data
from bot.webapp.server import INIT_DATA_HEADER, routes_for
from tests.factories import TgUser

WEBAPP_URL = "https://shop.example.org/app/"


def webapp_settings(database_url: str, admin_id: int) -> Settings:
    """The tests' usual settings, with the Mini App on."""
    return Settings(
        database_url=database_url,
        admin_ids=(admin_id,),
        default_language="en",
        webapp_url=WEBAPP_URL,
    )


def init_data(app: App, user: TgUser, **extra: str) -> str:
    """initData for `user`, signed with the bot's token as Telegram would sign it."""
    fields: dict[str, object] = {"id": user.id, "first_name": user.first_name}
    if user.language_code:
        fields["language_code"] = user.language_code
    return sign_init_data(fields, app.bot.token, **extra)


def headers(app: App, user: TgUser) -> dict[str, str]:
    """Request headers of an API call the page would make for `user`."""
    return {INIT_DATA_HEADER: init_data(app, user), "Content-Type": "application/json"}


@asynccontextmanager
async def webapp_server(app: App) -> AsyncIterator[str]:
    """Serves the Mini App's routes on a free local port; yields the page's URL."""
    sockets = bind_sockets(0, "127.0.0.1")
    server = HTTPServer(WebApplication(routes_for(app)))
    server.add_sockets(sockets)
    try:
        yield f"http://127.0.0.1:{sockets[0].getsockname()[1]}/app/"
    finally:
        server.stop()
        await server.close_all_connections()
