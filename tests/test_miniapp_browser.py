"""The shop page in a real browser (Playwright driving Debian's Chromium): the page and the chat
fill one cart, forged initData is refused with nothing changed, and the Lao page renders in Lao.

Telegram's telegram-web-app.js is replaced by a stub that hands the page initData signed with
the test bot's token; nothing is fetched from outside 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.webapp.server import start_console
from models.shop.products import CartItem
from tests.adoption_helpers import paid_adoption
from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.miniapp_helpers import init_data, webapp_server, webapp_settings
from tests.shop_helpers import product

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).is_file()), None
)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"
    ),
]
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
STUB = """
window.Telegram = { WebApp: {
  initData: %s, initDataUnsafe: {}, colorScheme: "light", themeParams: {},
  ready() {}, expand() {}, close() { window.closedByPage = true; },
  openTelegramLink(url) { window.openedLink = url; },
  HapticFeedback: { selectionChanged() {} },
} };
"""


@pytest.fixture
def settings(database_url: tuple[str, str | None]) -> Settings:
    """The Mini App is on in this module."""
    return webapp_settings(database_url[0], ADMIN_ID)


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    """Debian's Chromium, headless, through Playwright (no browser download)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        await chromium.close()


async def open_page(browser: object, url: str, init: str, locale: str = "en-US") -> object:
    """A 360 px wide phone page at `url`, Telegram's script stubbed with `init`."""
    context = await browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 360, "height": 740}, locale=locale, device_scale_factor=2
    )
    page = await context.new_page()
    stub = STUB % json.dumps(init)

    async def telegram(route: object) -> None:
        await route.fulfill(body=stub, content_type="application/javascript")  # type: ignore[attr-defined]

    await page.route(TELEGRAM_SCRIPT, telegram)
    await page.goto(url)
    return page


async def test_page_and_chat_fill_one_cart(bot: Harness, browser: object, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    kiwi = product(bot.db, "KIWI-5KG")
    card = f'[data-product="{kiwi.id}"]'
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, ann))
        await page.click(f"{card} button.add")  # type: ignore[attr-defined]
        await page.wait_for_selector(f"{card} .qty:text-is('1')")  # type: ignore[attr-defined]
        assert "1 × CN¥128.00" in last_text(await bot.command(ann, "/cart"))

        await bot.tap(ann, "+1")  # the chat adds one; the page shows it after a reload
        await page.reload()  # type: ignore[attr-defined]
        await page.wait_for_selector(f"{card} .qty:text-is('2')")  # type: ignore[attr-defined]
        await page.click(f"{card} button.less")  # type: ignore[attr-defined]
        await page.wait_for_selector(f"{card} .qty:text-is('1')")  # type: ignore[attr-defined]
        assert "1 × CN¥128.00" in last_text(await bot.command(ann, "/cart"))

        await page.click("#checkout")  # type: ignore[attr-defined]
        await page.wait_for_function("() => window.closedByPage === true")  # type: ignore[attr-defined]
    sent = bot.api.sent("sendMessage")[-1]
    assert sent.params["chat_id"] == ann.id
    assert "check out" in sent.params["text"]
    ((label, data),) = [
        (b["text"], b["callback_data"])
        for r in sent.result["reply_markup"]["inline_keyboard"]
        for b in r
    ]
    assert "My cart" in label
    assert "1 × CN¥128.00" in last_text(await bot.press(ann, data, message=sent.result))


async def test_forged_init_data_is_refused_and_nothing_changes(
    bot: Harness, browser: object, ann: TgUser
) -> None:
    forged = init_data(bot.app, ann).replace(str(ann.id), "1002")
    kiwi = product(bot.db, "KIWI-5KG")
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, forged)
        message = await page.wait_for_selector("#shop .message")  # type: ignore[attr-defined]
        assert "Please open the shop" in await message.text_content()
        status = await page.evaluate(  # type: ignore[attr-defined]
            """async (id) => (await fetch("api/cart", {method: "POST",
                headers: {"Content-Type": "application/json",
                          "X-Telegram-Init-Data": window.Telegram.WebApp.initData},
                body: JSON.stringify({product_id: id, action: "+", version: 0})})).status""",
            kiwi.id,
        )
    assert status == 401
    with bot.db.session() as session:
        assert session.exec(select(CartItem)).all() == []


async def test_console_address_opens_the_page_as_the_console_user(
    bot: Harness, browser: object, settings: Settings, ann: TgUser
) -> None:
    await bot.command(ann, "/start")
    local = dataclasses.replace(settings, webapp_port=0)
    server, line = await start_console(bot.app, local, ann.json())
    assert server is not None and line.startswith("Mini App: http://127.0.0.1:")
    try:
        context = await browser.new_context()  # type: ignore[attr-defined]
        page = await context.new_page()
        await page.route(TELEGRAM_SCRIPT, lambda route: route.abort())  # offline, no Telegram
        await page.goto(line.removeprefix("Mini App: "))
        await page.click(f'[data-product="{product(bot.db, "HONEY-500G").id}"] button.add')
        await page.wait_for_selector(".qty:text-is('1')")
    finally:
        server.stop()
    assert "wild honey" in last_text(await bot.command(ann, "/cart"))


async def test_orchard_shows_a_tree_adopted_in_the_chat_as_taken(
    bot: Harness, browser: object, li: TgUser
) -> None:
    await bot.command(li, "/start")
    paid_adoption(bot.db, li.id, "PEACH-0001")
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, li), locale="zh-CN")
        await page.click("#tabs button[data-tab=orchard]")  # type: ignore[attr-defined]
        taken = await page.wait_for_selector('[data-code="PEACH-0001"]')  # type: ignore[attr-defined]
        assert await taken.is_disabled() and "已认养" in await taken.get_attribute("aria-label")
        counter = await page.text_content(".counter")  # type: ignore[attr-defined]
        assert counter is not None and counter.startswith("本季已认养 1 棵")
        await page.click('.kinds button:text-is("猕猴桃")')  # type: ignore[attr-defined]
        assert await page.is_hidden('[data-code="PEACH-0002"]')  # type: ignore[attr-defined]
        await page.click('.kinds button[data-kind=""]')  # type: ignore[attr-defined]
        await page.click('[data-code="PEACH-0002"]')  # type: ignore[attr-defined]
        assert "PEACH-0002" in (await page.text_content("#tree-title") or "")  # type: ignore[attr-defined]
        await page.click("#tree-adopt")  # type: ignore[attr-defined]
        link = await page.evaluate("() => window.openedLink")  # type: ignore[attr-defined]
    assert link == "https://t.me/orchard_village_bot?start=tree_PEACH-0002"
    card = last_text(await bot.command(li, "/start tree_PEACH-0002"))  # where the link leads
    assert "PEACH-0002" in card


async def test_startapp_link_opens_the_tree_card(
    bot: Harness, browser: object, ann: TgUser
) -> None:
    await bot.command(ann, "/start")
    init = init_data(bot.app, ann, start_param="tree_PEACH-0003")
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init)
        title = await page.wait_for_selector("#tree-title")  # type: ignore[attr-defined]
        assert "PEACH-0003" in (await title.text_content() or "")
        assert await page.is_visible("#tree-adopt")  # type: ignore[attr-defined]
        assert await page.is_hidden("#bar")  # type: ignore[attr-defined]


async def test_lao_page_speaks_lao_in_the_lao_font(
    bot: Harness, browser: object, noy: TgUser, tmp_path: Path
) -> None:
    await bot.command(noy, "/start")
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, noy), locale="lo-LA")
        await page.wait_for_selector("#shop .card")  # type: ignore[attr-defined]
        assert await page.text_content("h1") == "ຮ້ານຄ້າຂອງບ້ານ"  # type: ignore[attr-defined]
        assert await page.get_attribute("html", "lang") == "lo"  # type: ignore[attr-defined]
        prices = await page.locator("#shop .price").all_text_contents()  # type: ignore[attr-defined]
        assert prices and all("ກີບ" in price for price in prices)
        lao_font = await page.evaluate(  # type: ignore[attr-defined]
            """async () => { await document.fonts.ready;
                return [...document.fonts].some(f => f.family.includes("Noto Sans Lao")
                                                  && f.status === "loaded"); }"""
        )
        assert lao_font, "the bundled Noto Sans Lao was not loaded for Lao text"
        width = await page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        assert width <= 360  # nothing wider than the phone
