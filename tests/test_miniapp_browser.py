"""The shop page in a real browser (Playwright driving Debian's Chromium): the page and the chat
fill one cart, forged initData is refused with nothing changed, and the Lao page renders in Lao.

Telegram's telegram-web-app.js is replaced by a stub that hands the page initData signed with
the test bot's token; nothing is fetched from outside 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.webapp.server import start_console
from models.catalog.pictures import PICTURES_DIR
from models.shop.products import CartItem, add_to_cart
from tests.adoption_helpers import paid_adoption
from tests.backoffice_helpers import paid_order
from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.miniapp_helpers import init_data, webapp_server, webapp_settings
from tests.shop_helpers import product, set_stock

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
  initData: %s, initDataUnsafe: {}, platform: "android", colorScheme: "light", themeParams: {},
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

        await bot.tap(ann, "➕ More")  # the chat adds one; the page shows it after a reload
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


async def test_outside_telegram_the_page_hands_checkout_and_adoption_to_the_chat(
    bot: Harness, browser: object, settings: Settings, noy: TgUser, li: TgUser
) -> None:
    """The console's address in a browser has no Telegram to go back to: the bot puts the
    cart's and the chosen tree's buttons in the chat, and the page says so."""
    await bot.command(noy, "/start")
    await bot.command(li, "/start")
    local = dataclasses.replace(settings, webapp_port=0)
    server, line = await start_console(bot.app, local, noy.json())
    assert server is not None
    try:
        phone = await browser.new_context(viewport={"width": 360, "height": 740})  # type: ignore[attr-defined]
        page = await phone.new_page()
        await page.route(TELEGRAM_SCRIPT, lambda route: route.abort())
        await page.goto(line.removeprefix("Mini App: "))
        await page.click(f'[data-product="{product(bot.db, "KIWI-5KG").id}"] button.add')
        await page.wait_for_selector(".qty:text-is('1')")
        await page.click("#checkout")
        cart_notice = await (await page.wait_for_selector("#notice")).text_content()
        notice, bar = (
            await page.locator("#notice").bounding_box(),
            await page.locator("#bar").bounding_box(),
        )
        cart_link = bot.api.sent("sendMessage")[-1]
        await page.click("#tabs button[data-tab=orchard]")
        await page.click('[data-code="PEACH-0004"]')
        await page.click("#tree-adopt")
        await page.wait_for_selector("#tree", state="hidden")
        tree_notice = await page.text_content("#notice")
        still_here = page.url.startswith("http://127.0.0.1:")
        paid_adoption(bot.db, li.id, "PEACH-0005")  # someone else was quicker
        await page.click('[data-code="PEACH-0005"]')
        await page.click("#tree-adopt")
        await page.wait_for_selector('[data-code="PEACH-0005"][disabled]')
        taken_notice = await page.text_content("#notice")
    finally:
        server.stop()
    assert "ແຊັດ" in (cart_notice or "") and cart_notice == tree_notice and still_here
    assert notice["y"] + notice["height"] <= bar["y"]  # above the cart's bar, not behind it
    assert "ກະຕ່າ" in cart_link.params["text"]
    tree_link = bot.api.sent("sendMessage")[-1]
    assert tree_link.params["chat_id"] == noy.id and "PEACH-0004" in tree_link.params["text"]
    ((label, data),) = [
        (b["text"], b["callback_data"])
        for row in tree_link.result["reply_markup"]["inline_keyboard"]
        for b in row
    ]
    assert label.startswith("🌳") and "PEACH-0004" in label
    card = last_text(await bot.press(noy, data, message=tree_link.result))
    assert "PEACH-0004" in card and "ປູກປີ" in card
    assert taken_notice == "ຂໍອະໄພ, ມີຄົນອື່ນຫາກໍຮັບລ້ຽງຕົ້ນນີ້ໄປແລ້ວ."


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


DARK = {  # Telegram's dark theme, as telegram-web-app.js sets it on the page
    "bg-color": "#000000",
    "secondary-bg-color": "#1c1c1d",
    "text-color": "#ffffff",
    "hint-color": "#98989e",
    "button-color": "#3e88f7",
    "button-text-color": "#ffffff",
}
COLOURS = """(selector) => {
  const node = document.querySelector(selector);
  const style = getComputedStyle(node);
  let under = node;  // the text stands on its nearest ancestor with a background
  const clear = "rgba(0, 0, 0, 0)";
  while (getComputedStyle(under).backgroundColor === clear) under = under.parentElement;
  return [style.color, getComputedStyle(under).backgroundColor, style.opacity,
          getComputedStyle(document.body).backgroundColor];
}"""


KIND_TILES = """() => {  // a free tile of each of the six kind colours, drawn on the map
  const map = document.querySelector("#orchard .trees");
  return [0, 1, 2, 3, 4, 5].map((index) => {
    const tile = document.createElement("button");
    tile.className = "free k" + index;
    tile.textContent = "7";
    map.append(tile);
    const style = getComputedStyle(tile);
    const drawn = [style.color, style.backgroundColor, style.opacity,
                   getComputedStyle(document.body).backgroundColor];
    tile.remove();
    return drawn;
  });
}"""


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels)."""
    linear = [(c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4) for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def drawn_contrast(text: str, back: str, opacity: str, page: str) -> float:
    """The contrast of a tile's label as drawn: text and tile blended over the page by the
    tile's opacity."""

    def rgb(css: str) -> tuple[float, float, float]:
        r, g, b = (float(v) for v in css[css.index("(") + 1 : -1].split(",")[:3])
        return r, g, b

    alpha, under = float(opacity), rgb(page)

    def blend(c: tuple[float, float, float]) -> tuple[float, float, float]:
        r, g, b = (alpha * x + (1 - alpha) * y for x, y in zip(c, under, strict=True))
        return r, g, b

    a, b = sorted((luminance(blend(rgb(text))), luminance(blend(rgb(back)))))
    return (b + 0.05) / (a + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_taken_trees_and_low_stock_are_readable_in_light_and_dark(
    bot: Harness, browser: object, li: TgUser, theme: str
) -> None:
    await bot.command(li, "/start")
    paid_adoption(bot.db, li.id, "KIWI-0004")
    set_stock(bot.db, "HONEY-500G", 3)
    honey = product(bot.db, "HONEY-500G").id
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, li), locale="zh-CN")
        if theme == "dark":
            await page.evaluate(  # type: ignore[attr-defined]
                """(theme) => { for (const [key, value] of Object.entries(theme))
                    document.documentElement.style.setProperty("--tg-theme-" + key, value); }""",
                DARK,
            )
        await page.wait_for_selector(f'[data-product="{honey}"] .stock')  # type: ignore[attr-defined]
        low = await page.evaluate(COLOURS, f'[data-product="{honey}"] .stock')  # type: ignore[attr-defined]
        stock_text = await page.text_content(f'[data-product="{honey}"] .stock')  # type: ignore[attr-defined]
        await page.click("#tabs button[data-tab=orchard]")  # type: ignore[attr-defined]
        await page.wait_for_selector('[data-code="KIWI-0004"]')  # type: ignore[attr-defined]
        taken = await page.evaluate(COLOURS, '[data-code="KIWI-0004"]')  # type: ignore[attr-defined]
        free = {
            code: await page.evaluate(COLOURS, f'[data-code="{code}"]')  # type: ignore[attr-defined]
            for code in ("PEACH-0001", "KIWI-0001", "TEA-0001")
        }
        every_kind = await page.evaluate(KIND_TILES)  # type: ignore[attr-defined]
    assert stock_text == "剩 3 件"
    assert drawn_contrast(*taken) >= 4.5, taken
    assert drawn_contrast(*low) >= 4.5, low
    for tile in [*free.values(), *every_kind]:  # white labels on each kind's colour
        assert drawn_contrast(*tile) >= 4.5, tile
        assert drawn_contrast(tile[1], tile[3], "1", tile[3]) >= 3, tile  # the tile on the page


async def test_startapp_link_opens_the_tree_card(
    bot: Harness, browser: object, ann: TgUser
) -> None:
    await bot.command(ann, "/start")
    init = init_data(bot.app, ann, start_param="tree_PEACH-0003")
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init)
        title = await page.wait_for_selector("#tree-title")  # type: ignore[attr-defined]
        assert "PEACH-0003" in (await title.text_content() or "")
        variety = await page.text_content("#tree-variety")  # type: ignore[attr-defined]
        assert variety == "Variety: Jinxiu" and await page.is_visible("#tree-variety")  # type: ignore[attr-defined]
        assert await page.is_visible("#tree-adopt")  # type: ignore[attr-defined]
        assert await page.is_hidden("#bar")  # type: ignore[attr-defined]


LAO_PROBE = """(chars) => {
  const probe = document.createElement("div");
  probe.id = "probe";
  probe.style.cssText = "position:fixed;top:0;left:0;background:#fff;color:#000;z-index:9";
  for (const char of chars) {
    const span = document.createElement("span");
    span.textContent = char;
    span.style.cssText = "display:inline-block;font-size:40px;line-height:60px;padding:0 6px";
    probe.append(span);
  }
  document.body.append(probe);
}"""
TOFU = "\u0e80"  # in the Lao block but no letter: no font has it, so it is drawn as a box


async def fonts_drawing(page: object, selector: str) -> list[dict[str, object]]:
    """The fonts Chromium really drew the text of `selector` with (DevTools'
    CSS.getPlatformFontsForNode): family, whether it is a web font, and how many glyphs."""
    cdp = await page.context.new_cdp_session(page)  # type: ignore[attr-defined]
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    root = await cdp.send("DOM.getDocument")
    node = await cdp.send(
        "DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector}
    )
    fonts = await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    await cdp.detach()
    return list(fonts["fonts"])


async def lao_drawn_in_the_bundled_font(page: object, selector: str) -> bool:
    """Whether every Lao letter of `selector` is drawn with the bundled Noto Sans Lao (only
    punctuation and spaces with other fonts), and drawn as real glyphs: each letter's picture
    differs from the others and from the box a missing glyph is drawn as (tofu)."""
    text = await page.text_content(selector)  # type: ignore[attr-defined]
    fonts = await fonts_drawing(page, selector)
    lao = sum(1 for c in text or "" if "\u0e80" <= c <= "\u0eff")
    ours = sum(int(f["glyphCount"]) for f in fonts if bundled_lao(f))  # type: ignore[call-overload]
    others = sum(int(f["glyphCount"]) for f in fonts if not bundled_lao(f))  # type: ignore[call-overload]
    drawn_by_us = lao > 0 and ours >= lao and others <= len(text or "") - lao
    letters = list(dict.fromkeys(c for c in text or "" if "\u0e81" <= c <= "\u0eae"))[:4]
    await page.evaluate(LAO_PROBE, [*letters, TOFU])  # type: ignore[attr-defined]
    spans = await page.query_selector_all("#probe span")  # type: ignore[attr-defined]
    pictures = [await span.screenshot() for span in spans]
    await page.evaluate("document.getElementById('probe').remove()")  # type: ignore[attr-defined]
    glyphs = len(letters) >= 3 and len(set(pictures)) == len(pictures)
    return drawn_by_us and glyphs


def bundled_lao(font: dict[str, object]) -> bool:
    """The page's own web font, not a system font of the same name."""
    return font["familyName"] == "Noto Sans Lao" and font["isCustomFont"] is True


async def test_lao_page_speaks_lao_in_the_lao_font(
    bot: Harness, browser: object, noy: TgUser, tmp_path: Path
) -> None:
    await bot.command(noy, "/start")
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, noy), locale="lo-LA")
        await page.wait_for_selector("#shop .card")  # type: ignore[attr-defined]
        title = await page.text_content("h1")  # type: ignore[attr-defined]
        assert title == "ຮ້ານຄ້າຂອງບ້ານ"
        assert await page.get_attribute("html", "lang") == "lo"  # type: ignore[attr-defined]
        prices = await page.locator("#shop .price").all_text_contents()  # type: ignore[attr-defined]
        assert prices and all("ກີບ" in price for price in prices)
        fonts = await page.evaluate(  # type: ignore[attr-defined]
            """async () => { await document.fonts.ready;
                return {check: document.fonts.check('16px "Noto Sans Lao"', "ສວນ"),
                        loaded: [...document.fonts].filter(f => f.family.includes("Noto Sans Lao")
                                 && f.status === "loaded").length}; }"""
        )
        assert fonts["check"] and fonts["loaded"] >= 1, fonts
        await page.screenshot(path=str(tmp_path / "shop-lo.png"))  # type: ignore[attr-defined]
        assert (tmp_path / "shop-lo.png").stat().st_size > 10_000
        for selector in ("h1", "#shop h2"):
            assert await lao_drawn_in_the_bundled_font(page, selector), selector
        width = await page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        assert width <= 360  # nothing wider than the phone


async def test_the_lao_font_check_fails_without_the_bundled_font(
    bot: Harness, browser: object, noy: TgUser
) -> None:
    """The check above can fail: with the font files refused, the title is drawn by a system
    font (DejaVu Sans here) or as boxes, and it says so."""
    await bot.command(noy, "/start")
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, noy), locale="lo-LA")
        await page.route("**/fonts/NotoSansLao-*", lambda route: route.abort())  # type: ignore[attr-defined]
        await page.reload()  # type: ignore[attr-defined]
        await page.wait_for_selector("#shop .card")  # type: ignore[attr-defined]
        await page.evaluate("document.fonts.ready")  # type: ignore[attr-defined]
        fonts = await fonts_drawing(page, "h1")
        assert not await lao_drawn_in_the_bundled_font(page, "h1")
    assert not any(f["isCustomFont"] for f in fonts), fonts


async def test_orchard_draws_each_tree_at_its_cell(
    bot: Harness, browser: object, ann: TgUser
) -> None:
    await bot.command(ann, "/start")
    paid_order(bot.db, ann.id, "KIWI-5KG", quantity=2)
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, ann))
        await page.click("#tabs button[data-tab=orchard]")  # type: ignore[attr-defined]
        await page.wait_for_selector('[data-code="KIWI-0001"]')  # type: ignore[attr-defined]

        async def box(code: str) -> dict[str, float]:
            tile = await page.query_selector(f'[data-code="{code}"]')  # type: ignore[attr-defined]
            return dict(await tile.bounding_box())

        first, second, below = (
            await box("PEACH-0001"),
            await box("PEACH-0002"),
            await box("PEACH-0007"),
        )
        kiwi = await box("KIWI-0001")
        counters = await page.locator("#orchard .counter").all_text_contents()  # type: ignore[attr-defined]
        await page.click('.kinds button[data-kind="kiwi"]')  # type: ignore[attr-defined]
        kiwi_filtered = await box("KIWI-0001")
        width = await page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert second["y"] == first["y"] and second["x"] > first["x"]  # the same row, next column
    assert below["x"] == first["x"] and below["y"] > first["y"]  # row 2, column 1
    assert kiwi["x"] == first["x"] and kiwi["y"] > below["y"] + 3 * first["height"]  # row 6
    assert kiwi_filtered == kiwi  # filtering leaves the map as it stands
    assert counters[:2] == [
        "0 of 34 trees adopted this season",
        "2 boxes of produce sold this season",
    ]
    assert width <= 360


async def test_a_photo_set_from_the_chat_shows_in_the_page(
    bot: Harness, browser: object, admin: TgUser, ann: TgUser
) -> None:
    await bot.photo(admin, "AgAChoneyFromThePostOffice", "/photo HONEY-500G")
    bot.api.stored_files["AgAChoneyFromThePostOffice"] = (
        PICTURES_DIR / "product-kiwi-5kg.jpg"
    ).read_bytes()
    honey = product(bot.db, "HONEY-500G")
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, ann))
        img = await page.wait_for_selector(f'[data-product="{honey.id}"] img')  # type: ignore[attr-defined]
        await page.wait_for_function(  # type: ignore[attr-defined]
            "(img) => img.complete && img.naturalWidth > 0", arg=img
        )
        source = await img.get_attribute("src")
    assert source is not None and source.startswith("photos/product/HONEY-500G.jpg?v=")
    assert [c.params["file_id"] for c in bot.api.sent("getFile")] == ["AgAChoneyFromThePostOffice"]


DRAWN_LINES = """(selector) => [...document.querySelectorAll(selector)].map((node) => {
  // each node's text, and for each character the top of the line it is drawn on
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  let text = "";
  const tops = [];
  for (let part = walker.nextNode(); part; part = walker.nextNode()) {
    for (let i = 0; i < part.data.length; i++) {
      const range = document.createRange();
      range.setStart(part, i);
      range.setEnd(part, i + 1);
      const rect = range.getBoundingClientRect();
      text += part.data[i];
      tops.push(rect.height ? rect.top : null);
    }
  }
  return [text, tops];
})"""
AMOUNT = r"\(≈[^)]*\)|\d[\d.,]*\s(?:ກີບ|ຢວນ)|LAK\s[\d,]+"  # "(≈ 384.000 ກີບ)", "150.000 ກີບ"
CODE = r"[A-Z]+-\d{4}"  # a tree's code, PEACH-0003


async def split_across_lines(page: object, selector: str, pattern: str) -> list[str]:
    """The pieces of `selector`'s text matching `pattern` that the browser broke over lines."""
    split = []
    for text, tops in await page.evaluate(DRAWN_LINES, selector):  # type: ignore[attr-defined]
        for match in re.finditer(pattern, text):
            lines = [top for top in tops[match.start() : match.end()] if top is not None]
            if max(lines) - min(lines) > 8:  # more than half a line apart
                split.append(match.group())
    return split


def fill_cart(bot: Harness, user: TgUser) -> None:
    """A kiwi box (yuan) and coffee (kip) in the cart: the bar's longest subtotal."""
    for sku in ("KIWI-5KG", "COFFEE-500G"):
        bot.db.call(add_to_cart, user_id=user.id, product_id=product(bot.db, sku).id)


async def test_lao_prices_keep_the_kip_estimate_on_one_line(
    bot: Harness, browser: object, noy: TgUser
) -> None:
    await bot.command(noy, "/start")
    fill_cart(bot, noy)
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, noy), locale="lo-LA")
        await page.wait_for_selector("#shop .card")  # type: ignore[attr-defined]
        await page.evaluate("document.fonts.ready")  # type: ignore[attr-defined]
        prices = await split_across_lines(page, "#shop .price, #subtotal", AMOUNT)
        texts = await page.locator("#shop .price").all_text_contents()  # type: ignore[attr-defined]
        overflowing = await page.evaluate(  # type: ignore[attr-defined]
            """[...document.querySelectorAll("#shop .price, #subtotal")]
                .filter((node) => node.scrollWidth > node.clientWidth).length"""
        )
    assert any("(≈" in text for text in texts), texts
    assert prices == []  # not "(≈ / 384.000 ກີບ)" nor "150.000 / ກີບ"
    assert overflowing == 0  # kept together, and still inside the card


@pytest.mark.parametrize("who", ["ann", "noy"])
async def test_a_tree_card_keeps_its_code_and_price_whole(
    bot: Harness, browser: object, request: pytest.FixtureRequest, who: str
) -> None:
    user: TgUser = request.getfixturevalue(who)
    await bot.command(user, "/start")
    init = init_data(bot.app, user, start_param="tree_PEACH-0003")
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init, locale=user.language_code or "en")
        await page.wait_for_selector("#tree-title:has-text('PEACH-0003')")  # type: ignore[attr-defined]
        await page.evaluate("document.fonts.ready")  # type: ignore[attr-defined]
        code = await split_across_lines(page, "#tree-title", CODE)
        price = await split_across_lines(page, "#tree-price", AMOUNT)
        title = await page.text_content("#tree-title")  # type: ignore[attr-defined]
    assert title is not None and "PEACH-0003" in title  # the code as typed, not a look-alike
    assert code == [] and price == []  # not "PEACH- / 0003"


# The page's ResizeObserver has caught up: the bottom space is as tall as the element (an id).
CLEARED = (
    "() => parseFloat(getComputedStyle(document.body).paddingBottom)"
    " >= document.getElementById('%s').offsetHeight"
)


@pytest.mark.parametrize("who", ["noy", "ann"])
async def test_the_cart_bar_never_covers_the_last_card(
    bot: Harness, browser: object, request: pytest.FixtureRequest, who: str
) -> None:
    """The bar grows with its lines (Lao's are taller, two currencies add one): the page's
    bottom space follows it, and the tree card's, so nothing is left under them."""
    user: TgUser = request.getfixturevalue(who)
    await bot.command(user, "/start")
    fill_cart(bot, user)
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, user), locale=user.language_code)
        await page.wait_for_selector("#shop .card")  # type: ignore[attr-defined]
        await page.evaluate("document.fonts.ready")  # type: ignore[attr-defined]
        await page.wait_for_function(CLEARED % "bar")  # type: ignore[attr-defined]
        await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # type: ignore[attr-defined]
        bar = await page.locator("#bar").bounding_box()  # type: ignore[attr-defined]
        last = page.locator("#shop .card").last  # type: ignore[attr-defined]
        card, buttons = await last.bounding_box(), await last.locator("button").last.bounding_box()
        await page.click("#tabs button[data-tab=orchard]")  # type: ignore[attr-defined]
        await page.click('[data-code="PEACH-0001"]')  # type: ignore[attr-defined]
        await page.wait_for_function(CLEARED % "tree")  # type: ignore[attr-defined]
        await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # type: ignore[attr-defined]
        tree = await page.locator("#tree").bounding_box()  # type: ignore[attr-defined]
        tile = await page.locator("#orchard .trees button").last.bounding_box()  # type: ignore[attr-defined]
    assert bar["height"] > 96  # taller than the space the page used to keep
    assert buttons["y"] + buttons["height"] <= card["y"] + card["height"] <= bar["y"]
    assert tile["y"] + tile["height"] <= tree["y"]  # the map's last row, above the tree's card


async def test_minus_stops_at_one_and_remove_takes_the_line_out(
    bot: Harness, browser: object, ann: TgUser
) -> None:
    """The page's rule is the chat's: − never goes below 1 (it is off there), Remove takes
    the line out."""
    await bot.command(ann, "/start")
    kiwi = product(bot.db, "KIWI-5KG")
    card = f'[data-product="{kiwi.id}"]'
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, ann))
        await page.click(f"{card} button.add")  # type: ignore[attr-defined]
        await page.wait_for_selector(f"{card} .qty:text-is('1')")  # type: ignore[attr-defined]
        at_one = await page.is_disabled(f"{card} button.less")  # type: ignore[attr-defined]
        await page.click(f"{card} button.more")  # type: ignore[attr-defined]
        await page.wait_for_selector(f"{card} .qty:text-is('2')")  # type: ignore[attr-defined]
        at_two = await page.is_enabled(f"{card} button.less")  # type: ignore[attr-defined]
        await page.click(f"{card} button.less")  # type: ignore[attr-defined]
        await page.wait_for_selector(f"{card} .qty:text-is('1')")  # type: ignore[attr-defined]
        in_chat = last_text(await bot.command(ann, "/cart"))
        remove = await page.text_content(f"{card} button.remove")  # type: ignore[attr-defined]
        await page.click(f"{card} button.remove")  # type: ignore[attr-defined]
        await page.wait_for_selector(f"{card} button.add")  # type: ignore[attr-defined]
    assert at_one and at_two and remove == "Remove"
    assert "1 × CN¥128.00" in in_chat
    assert "Your cart is empty." in last_text(await bot.command(ann, "/cart"))


async def test_checking_out_a_cart_emptied_in_the_chat_says_so(
    bot: Harness, browser: object, noy: TgUser
) -> None:
    await bot.command(noy, "/start")
    kiwi = product(bot.db, "KIWI-5KG")
    bot.db.call(add_to_cart, user_id=noy.id, product_id=kiwi.id)
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, noy), locale="lo-LA")
        await page.wait_for_selector(f'[data-product="{kiwi.id}"] .qty:text-is("1")')  # type: ignore[attr-defined]
        await bot.command(noy, "/cart")
        await bot.tap(noy, "🗑 ເອົາອອກ")  # the chat's Remove, while the page shows the box
        sent = len(bot.api.sent("sendMessage"))
        await page.click("#checkout")  # type: ignore[attr-defined]
        await page.wait_for_selector("#checkout[disabled]")  # type: ignore[attr-defined]
        notice = await page.text_content("#notice")  # type: ignore[attr-defined]
        closed = await page.evaluate("() => window.closedByPage === true")  # type: ignore[attr-defined]
        redrawn = await page.is_visible(f'[data-product="{kiwi.id}"] button.add')  # type: ignore[attr-defined]
    assert notice == "ກະຕ່າຂອງທ່ານຍັງບໍ່ມີສິນຄ້າ." and not closed and redrawn
    assert len(bot.api.sent("sendMessage")) == sent  # nothing in the chat


async def test_the_last_box_tapped_in_the_page_and_the_chat_at_once_is_sold_once(
    bot: Harness, browser: object, ann: TgUser, li: TgUser, noy: TgUser
) -> None:
    """Ann taps "add" in the page as Li taps it in the chat, on the last box; both check out at
    once: one order, stock 0, and the next shopper's page cannot add it any more."""
    import asyncio

    from handlers.kit import routes
    from models.shop.orders import place_order
    from tests.shop_helpers import RATES, ready_cart

    set_stock(bot.db, "KIWI-5KG", 1)
    for user in (ann, li, noy):
        await bot.command(user, "/start")
    kiwi = product(bot.db, "KIWI-5KG")
    card = f'[data-product="{kiwi.id}"]'
    async with webapp_server(bot.app) as url:
        page = await open_page(browser, url, init_data(bot.app, ann))
        await asyncio.gather(
            page.click(f"{card} button.add"),  # type: ignore[attr-defined]
            bot.press(li, routes.ADD_TO_CART.data(product_id=kiwi.id)),
        )
        await page.wait_for_selector(f"{card} .qty:text-is('1')")  # type: ignore[attr-defined]
        versions = [ready_cart(bot.db, user.id, "KIWI-5KG", 0) for user in (ann, li)]
        outcomes = await asyncio.gather(
            *(
                bot.db.run(place_order, user_id=u.id, version=v, rates=RATES, expiry_minutes=60)
                for u, v in zip((ann, li), versions, strict=True)
            ),
            return_exceptions=True,
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["OrderError", "PlacedOrder"]
        assert product(bot.db, "KIWI-5KG").stock == 0
        later = await open_page(browser, url, init_data(bot.app, noy))
        await later.wait_for_selector(f"{card} button.add[disabled]")  # type: ignore[attr-defined]
