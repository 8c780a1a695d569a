"""Screenshots of the shop Mini App in each language, for docs/pictures/ (needs chromium):
the shop with a kiwi box in the cart, and the orchard with a tree's card open.

    .venv/bin/python scripts/miniapp_screenshots.py

Builds a throwaway SQLite database with the sample catalog, a buyer per language with a kiwi box
in the cart, serves the page as the bot does and photographs it at 360 px in Debian's Chromium.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import Route, async_playwright  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402
from tornado.netutil import bind_sockets  # noqa: E402
from tornado.web import Application as WebApplication  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.i18n import compile_catalogs  # noqa: E402
from bot.offline import OfflineBotAPI  # noqa: E402
from bot.webapp.initdata import sign_init_data  # noqa: E402
from bot.webapp.server import routes_for  # noqa: E402
from models.catalog.samples import load_sample_catalog  # noqa: E402
from models.core.user import touch_user  # noqa: E402
from models.shop.products import Product, add_to_cart  # noqa: E402

OUT = ROOT / "docs" / "pictures"
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
STUB = "window.Telegram = {WebApp: {initData: %r, ready() {}, expand() {}, close() {}}};"


def stubbed(body: str) -> Callable[[Route], Coroutine[Any, Any, None]]:
    """A route handler answering with `body` as JavaScript."""

    async def fulfill(route: Route) -> None:
        await route.fulfill(body=body, content_type="application/javascript")

    return fulfill


async def main() -> None:
    """Photographs the page for a zh, a lo and an en buyer."""
    compile_catalogs()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/shots.db"
        db = Database(url)
        db.create_all()
        db.call(load_sample_catalog)
        settings = Settings(database_url=url, webapp_url="https://bot.example.org/app/")
        app = build_application(settings, db, request=OfflineBotAPI(), rate_limit=False)
        sockets = bind_sockets(0, "127.0.0.1")
        server = HTTPServer(WebApplication(routes_for(app)))
        server.add_sockets(sockets)
        page_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/app/"
        with db.session() as session:
            kiwi = next(p.id for p in session.query(Product).filter(Product.sku == "KIWI-5KG"))
        async with app, async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
            for number, language in enumerate(("zh", "lo", "en")):
                user_id = 5001 + number
                db.call(
                    touch_user,
                    telegram_id=user_id,
                    first_name="Buyer",
                    last_name=None,
                    username=None,
                    language_code=language,
                    language=language,
                    is_admin=False,
                )
                db.call(add_to_cart, user_id=user_id, product_id=kiwi)
                init = sign_init_data({"id": user_id, "first_name": "Buyer"}, app.bot.token)
                context = await browser.new_context(viewport={"width": 360, "height": 720})
                page = await context.new_page()
                await page.route(TELEGRAM_SCRIPT, stubbed(STUB % init))
                await page.goto(page_url, wait_until="domcontentloaded")
                await page.wait_for_selector("#shop .card img")
                await page.evaluate("document.fonts.ready")
                path = OUT / f"miniapp-shop-{language}.png"
                await page.screenshot(path=str(path))
                print("wrote", path.relative_to(ROOT))
                await page.click("#tabs button[data-tab=orchard]")
                await page.wait_for_selector("#orchard .trees button")
                await page.click("#orchard .trees button.free >> nth=2")
                await page.wait_for_selector("#tree-photo")
                await page.wait_for_timeout(300)  # the tree's picture
                path = OUT / f"miniapp-orchard-{language}.png"
                await page.screenshot(path=str(path))
                print("wrote", path.relative_to(ROOT))
                await context.close()
            await browser.close()
        server.stop()
        db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
