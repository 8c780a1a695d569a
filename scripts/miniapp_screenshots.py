"""Screenshots of the shop Mini App in each language, for docs/pictures/ (needs chromium):
the shop with a kiwi box in the cart, and the orchard map (a few trees adopted, some boxes sold
this season), and a tree's card open over it.

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
from sqlmodel import select  # noqa: E402
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
from models.adoption.adoptions import reserve_tree, start_draft, update_draft  # noqa: E402
from models.catalog.samples import load_sample_catalog  # noqa: E402
from models.catalog.trees import Tree  # noqa: E402
from models.core import crypto  # noqa: E402
from models.core.payments import PaymentMethod, confirm_offline_payment, open_payment  # noqa: E402
from models.core.user import touch_user  # noqa: E402
from models.shop.orders import place_order  # noqa: E402
from models.shop.products import Product, add_to_cart, set_draft, view_cart  # noqa: E402

OUT = ROOT / "docs" / "pictures"
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
STUB = "window.Telegram = {WebApp: {initData: %r, ready() {}, expand() {}, close() {}}};"


OPERATOR = 5000
ADOPTED = ("PEACH-0002", "PEACH-0009", "PEACH-0016", "KIWI-0003", "TEA-0002")
ADDRESS = ("ບ້ານໂພນໄຊ, ເມືອງໄຊເສດຖາ, ນະຄອນຫຼວງວຽງຈັນ", "+8562055551234")


def account(db: Database, user_id: int, language: str) -> None:
    """A user row with a language."""
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


def paid(db: Database, kind: str, target_id: int | None, user_id: int) -> None:
    """Pays an adoption or an order offline, confirmed by the post office."""
    payment = db.call(
        open_payment, kind=kind, target_id=target_id, user_id=user_id, method=PaymentMethod.OFFLINE
    )
    db.call(confirm_offline_payment, reference=payment.reference, operator_id=OPERATOR)


def season_so_far(db: Database) -> None:
    """A few trees adopted and a few boxes sold, so the counters and the map have something."""
    with db.session() as session:
        trees = dict(session.exec(select(Tree.code, Tree.id)).all())
        honey = session.exec(select(Product.id).where(Product.sku == "HONEY-500G")).one()
    for number, code in enumerate(ADOPTED):
        user_id = 6001 + number
        account(db, user_id, "lo")
        db.call(start_draft, user_id=user_id, tree_id=trees[code], certificate_name="Noy")
        db.call(
            update_draft,
            user_id=user_id,
            nickname="",
            gift=False,
            gift_recipient="",
            country="LA",
            address=ADDRESS[0],
            phone=ADDRESS[1],
        )
        adoption = db.call(reserve_tree, user_id=user_id, minutes=15).adoption
        paid(db, "adoption", adoption.id, user_id)
    account(db, 6100, "zh")
    for _ in range(3):
        db.call(add_to_cart, user_id=6100, product_id=honey)
    db.call(set_draft, user_id=6100, country="LA", address=ADDRESS[0], phone=ADDRESS[1])
    version = db.call(view_cart, user_id=6100).version
    rates = Settings().shipping_rates
    order = db.call(place_order, user_id=6100, version=version, rates=rates, expiry_minutes=60)
    paid(db, "order", order.order.id, 6100)


def stubbed(body: str) -> Callable[[Route], Coroutine[Any, Any, None]]:
    """A route handler answering with `body` as JavaScript."""

    async def fulfill(route: Route) -> None:
        await route.fulfill(body=body, content_type="application/javascript")

    return fulfill


async def main() -> None:
    """Photographs the page for a zh, a lo and an en buyer."""
    compile_catalogs()
    crypto.configure([crypto.new_key()])  # a throwaway key for the throwaway database
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/shots.db"
        db = Database(url)
        db.create_all()
        db.call(load_sample_catalog)
        season_so_far(db)
        settings = Settings(database_url=url, webapp_url="https://bot.example.org/app/")
        app = build_application(settings, db, request=OfflineBotAPI(), rate_limit=False)
        sockets = bind_sockets(0, "127.0.0.1")
        server = HTTPServer(WebApplication(routes_for(app)))
        server.add_sockets(sockets)
        page_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/app/"
        with db.session() as session:
            kiwi = session.exec(select(Product.id).where(Product.sku == "KIWI-5KG")).one()
        async with app, async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
            for number, language in enumerate(("zh", "lo", "en")):
                user_id = 5001 + number
                account(db, user_id, language)
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
                path = OUT / f"miniapp-orchard-{language}.png"
                await page.screenshot(path=str(path), full_page=True)  # every village's map
                print("wrote", path.relative_to(ROOT))
                await page.click("#orchard .trees button.free >> nth=2")
                await page.wait_for_selector("#tree-photo")
                await page.wait_for_timeout(300)  # the tree's picture
                path = OUT / f"miniapp-tree-{language}.png"
                await page.screenshot(path=str(path))
                print("wrote", path.relative_to(ROOT))
                await context.close()
            await browser.close()
        server.stop()
        db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
