"""The storefront Mini App without a browser: initData checked as Telegram documents it, the
JSON API on the chat's own cart, and the ways in (menu button, "Open the shop") only when on."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from sqlmodel import select

from bot.commands import register_commands
from bot.config import Settings
from bot.db import Database
from bot.webapp.initdata import InvalidInitData, verify_init_data
from bot.webapp.server import INIT_DATA_HEADER, start_page
from handlers.kit import routes
from models.shop.orders import place_order
from models.shop.products import CartItem, view_cart
from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.miniapp_helpers import WEBAPP_URL, headers, init_data, webapp_server, webapp_settings
from tests.shop_helpers import RATES, product, ready_cart, set_stock
from tests.test_webhook import start_server

TOKEN = "123456:TEST-token"


@pytest.fixture
def settings(database_url: tuple[str, str | None]) -> Settings:
    """The Mini App is on in this module."""
    return webapp_settings(database_url[0], ADMIN_ID)


@pytest.fixture
async def page(bot: Harness) -> AsyncIterator[str]:
    """The Mini App's server for the bot under test."""
    async with webapp_server(bot.app) as url:
        yield url


def telegram_signed(fields: dict[str, str], token: str) -> str:
    """initData signed the way Telegram's documentation spells out, written out independently."""
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    signed = dict(fields, hash=hmac.new(secret, check.encode(), hashlib.sha256).hexdigest())
    return urlencode(signed)


def sample_fields(user_id: int = 1001, age: int = 10) -> dict[str, str]:
    """The fields of a real initData (a user, a query id, a fresh auth_date, a signature)."""
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "Ann", "language_code": "en"}),
        "auth_date": str(int(time.time()) - age),
        "signature": "6fbdaa2ab8d9bc8ea4c0ba9f8b1d2dbfe4c96d9a0fba3c7b8b0e6a0e5c5f1a2b",
    }


def test_genuine_init_data_gives_its_user() -> None:
    user = verify_init_data(telegram_signed(sample_fields(), TOKEN), TOKEN, max_age=3600)
    assert (user.id, user.first_name, user.language_code) == (1001, "Ann", "en")


@pytest.mark.parametrize(
    "forge",
    [
        lambda raw: raw.replace("1001", "1002"),  # another user's id
        lambda raw: raw + "&extra=1",  # a field added after signing
        lambda raw: "&".join(p for p in raw.split("&") if not p.startswith("hash=")),
        lambda raw: raw + "&hash=" + "0" * 64,  # a second hash
        lambda raw: "",
    ],
    ids=["user", "added field", "no hash", "two hashes", "empty"],
)
def test_tampered_init_data_is_refused(forge: object) -> None:
    raw = telegram_signed(sample_fields(), TOKEN)
    with pytest.raises(InvalidInitData):
        verify_init_data(forge(raw), TOKEN, max_age=3600)  # type: ignore[operator]


def test_init_data_of_another_bot_or_too_old_is_refused() -> None:
    with pytest.raises(InvalidInitData):
        verify_init_data(telegram_signed(sample_fields(), "999:other"), TOKEN, max_age=3600)
    with pytest.raises(InvalidInitData, match="too old"):
        verify_init_data(telegram_signed(sample_fields(age=7200), TOKEN), TOKEN, max_age=3600)
    fields = dict(parse_qsl(telegram_signed(sample_fields(age=-3600), TOKEN)))
    with pytest.raises(InvalidInitData, match="too old"):  # from the future
        verify_init_data(urlencode(fields), TOKEN, max_age=3600)


async def test_api_refuses_forged_init_data_and_changes_nothing(
    bot: Harness, page: str, ann: TgUser
) -> None:
    kiwi = product(bot.db, "KIWI-5KG")
    forged = init_data(bot.app, ann).replace("1001", "1002")
    body = {"product_id": kiwi.id, "action": "+", "version": 0}
    async with httpx.AsyncClient() as client:
        for given in (forged, ""):
            answer = await client.post(
                page + "api/cart", json=body, headers={INIT_DATA_HEADER: given}
            )
            assert answer.status_code == 401
            assert "Please open the shop" in answer.json()["message"]
            assert "access-control-allow-origin" not in answer.headers
    with bot.db.session() as session:
        assert session.exec(select(CartItem)).all() == []


async def test_page_and_chat_share_one_cart(bot: Harness, page: str, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    kiwi = product(bot.db, "KIWI-5KG")
    async with httpx.AsyncClient() as client:
        shop = (await client.post(page + "api/shop", json={}, headers=headers(bot.app, ann))).json()
        cards = [p for shelf in shop["shelves"] for p in shelf["products"]]
        card = next(c for c in cards if c["id"] == kiwi.id)
        assert card["photo"] == "pictures/product-kiwi-5kg.jpg"
        assert card["stock_text"] == "40 left"
        body = {"product_id": kiwi.id, "action": "+", "version": shop["cart"]["version"]}
        added = await client.post(page + "api/cart", json=body, headers=headers(bot.app, ann))
    assert added.status_code == 200
    assert added.json()["cart"]["lines"] == {str(kiwi.id): 1}
    assert "1 × CN¥128.00" in last_text(await bot.command(ann, "/cart"))

    await bot.tap(ann, "➕ More")  # the chat adds a second one; the page's version is now stale
    stale = {"product_id": kiwi.id, "action": "-", "version": added.json()["cart"]["version"]}
    async with httpx.AsyncClient() as client:
        answer = await client.post(page + "api/cart", json=stale, headers=headers(bot.app, ann))
    assert answer.json()["cart"]["lines"] == {str(kiwi.id): 2}  # nothing applied
    assert answer.json()["notice"] == "Your cart changed in the chat; here it is now."


async def test_lao_user_gets_lao_words_and_kip(bot: Harness, page: str, noy: TgUser) -> None:
    await bot.command(noy, "/start")
    async with httpx.AsyncClient() as client:
        shop = (await client.post(page + "api/shop", json={}, headers=headers(bot.app, noy))).json()
    assert shop["lang"] == "lo"
    assert shop["strings"]["add"] != "Add to cart"
    prices = [p["price"] for shelf in shop["shelves"] for p in shelf["products"]]
    assert all("ກີບ" in price for price in prices), prices


async def test_page_and_files_carry_the_security_policy(page: str) -> None:
    async with httpx.AsyncClient() as client:
        index = await client.get(page)
        script = await client.get(page + "static/app.js")
        escape = await client.get(page + "static/../server.py")
    policy = index.headers["content-security-policy"]
    assert "script-src 'self' https://telegram.org" in policy
    assert "default-src 'none'" in policy
    assert script.status_code == 200 and script.headers["content-security-policy"] == policy
    assert escape.status_code == 404
    assert "https://telegram.org/js/telegram-web-app.js" in index.text


async def test_shop_menu_offers_the_page_and_the_chat_gets_a_menu_button(
    bot: Harness, li: TgUser
) -> None:
    calls = await bot.command(li, "/shop")
    menu = [c.params for c in calls if c.method == "setChatMenuButton"]
    assert len(menu) == 1 and menu[0]["chat_id"] == li.id
    button = menu[0]["menu_button"]
    button = json.loads(button) if isinstance(button, str) else button
    assert button == {"type": "web_app", "text": "商店", "web_app": {"url": WEBAPP_URL}}
    shop_message = next(c for c in calls if c.method == "sendMessage")
    rows = shop_message.result["reply_markup"]["inline_keyboard"]
    assert rows[0][0]["web_app"] == {"url": WEBAPP_URL}
    assert "打开商店" in rows[0][0]["text"]
    again = await bot.command(li, "/shop")  # set once per language, not on every update
    assert "setChatMenuButton" not in [c.method for c in again]


async def test_register_commands_sets_the_default_menu_button(bot: Harness) -> None:
    await register_commands(bot.app)
    menu = [c.params for c in bot.api.calls if c.method == "setChatMenuButton"]
    assert len(menu) == 1 and "chat_id" not in menu[0]


async def test_webhook_mode_serves_the_mini_app_beside_telegram(
    settings: Settings, db: Database, ann: TgUser
) -> None:
    hooked = dataclasses.replace(settings, webhook_url="https://bot.example.org/telegram")
    async with start_server(hooked, db) as running:
        app = running.service.application
        async with httpx.AsyncClient() as client:
            index = await client.get(running.url + "/app/")
            shop = await client.post(
                running.url + "/app/api/shop", json={}, headers=headers(app, ann)
            )
    assert index.status_code == 200 and "app.js" in index.text
    assert shop.status_code == 200 and shop.json()["shelves"]


async def test_webhook_mode_without_the_mini_app_has_no_pages(db: Database) -> None:
    plain = Settings(database_url="sqlite://", admin_ids=(ADMIN_ID,))
    async with start_server(plain, db) as running, httpx.AsyncClient() as client:
        assert (await client.get(running.url + "/app/")).status_code == 404


async def test_page_and_chat_never_oversell(
    bot: Harness, page: str, ann: TgUser, li: TgUser
) -> None:
    set_stock(bot.db, "KIWI-5KG", 1)
    kiwi = product(bot.db, "KIWI-5KG").id
    await bot.command(ann, "/start")
    await bot.command(li, "/start")
    async with httpx.AsyncClient() as client:  # six taps at once on the last box
        body = {"product_id": kiwi, "action": "+", "version": 0}
        answers = await asyncio.gather(
            *(
                client.post(page + "api/cart", json=body, headers=headers(bot.app, ann))
                for _ in range(6)
            )
        )
    assert [a.status_code for a in answers] == [200] * 6
    assert db_cart(bot, ann.id) == {kiwi: 1}
    await bot.press(li, routes.ADD_TO_CART.data(product_id=kiwi))  # the chat takes it too
    assert db_cart(bot, li.id) == {kiwi: 1}

    versions = [ready_cart(bot.db, user.id, "KIWI-5KG", 0) for user in (ann, li)]
    outcomes = await asyncio.gather(
        *(
            bot.db.run(place_order, user_id=user.id, version=v, rates=RATES, expiry_minutes=60)
            for user, v in zip((ann, li), versions, strict=True)
        ),
        return_exceptions=True,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["OrderError", "PlacedOrder"]
    assert product(bot.db, "KIWI-5KG").stock == 0


def db_cart(bot: Harness, user_id: int) -> dict[int, int]:
    """product id -> quantity in the user's cart, read from the rows."""
    lines = bot.db.call(view_cart, user_id=user_id).lines
    return {line.product.id: line.quantity for line in lines}  # type: ignore[misc]


def test_startapp_parameters_name_a_page_or_nothing() -> None:
    assert start_page("tree_peach-0042") == {"kind": "tree", "code": "PEACH-0042"}
    assert start_page("product_HONEY-500G") == {"kind": "product", "code": "HONEY-500G"}
    assert start_page("") is None
    assert start_page("tree_<script>") is None


async def test_too_many_calls_are_refused(
    bot: Harness, ann: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.webapp.server.CALLS_PER_WINDOW", 3)
    async with webapp_server(bot.app) as url, httpx.AsyncClient() as client:
        codes = [
            (
                await client.post(url + "api/shop", json={}, headers=headers(bot.app, ann))
            ).status_code
            for _ in range(4)
        ]
    assert codes == [200, 200, 200, 429]


async def test_the_menu_button_follows_a_language_change(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    await bot.command(ann, "/language")
    await bot.press(ann, "LANG set lo")
    await bot.command(ann, "/shop")
    labels = [c.params["menu_button"] for c in bot.api.calls if c.method == "setChatMenuButton"]
    texts_ = [json.loads(b)["text"] if isinstance(b, str) else b["text"] for b in labels]
    assert texts_ == ["Shop", "ຮ້ານຄ້າ"]  # once per language, not once per update


@pytest.mark.parametrize(
    "body",
    [
        {"product_id": 2**40, "action": "+", "version": 0},
        {"product_id": "1", "action": "+", "version": 0},
        {"product_id": 1, "action": "buy", "version": 0},
        {"product_id": 1, "action": "+", "version": True},
        [1, 2],
    ],
)
async def test_bad_cart_calls_get_400_and_change_nothing(
    bot: Harness, page: str, ann: TgUser, body: object
) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(page + "api/cart", json=body, headers=headers(bot.app, ann))
    assert answer.status_code == 400
    with bot.db.session() as session:
        assert session.exec(select(CartItem)).all() == []


async def test_checkout_of_an_empty_cart_is_refused_in_the_users_language(
    bot: Harness, page: str, noy: TgUser
) -> None:
    await bot.command(noy, "/start")
    sent = len(bot.api.sent("sendMessage"))
    async with httpx.AsyncClient() as client:
        answer = await client.post(page + "api/checkout", json={}, headers=headers(bot.app, noy))
    assert answer.status_code == 409
    assert answer.json() == {"error": "empty cart", "message": "ກະຕ່າຂອງທ່ານຍັງບໍ່ມີສິນຄ້າ."}
    assert len(bot.api.sent("sendMessage")) == sent  # no "your cart is ready" in the chat


async def test_minus_on_the_last_one_keeps_it_in_the_page_as_in_the_chat(
    bot: Harness, page: str, ann: TgUser
) -> None:
    """One rule for both: − stops at 1 and says to tap Remove; Remove takes the line out."""
    await bot.command(ann, "/start")
    kiwi = product(bot.db, "KIWI-5KG")
    async with httpx.AsyncClient() as client:

        async def tap(action: str, version: int) -> Any:
            body = {"product_id": kiwi.id, "action": action, "version": version}
            answer = await client.post(page + "api/cart", json=body, headers=headers(bot.app, ann))
            return answer.json()

        added = await tap("+", 0)
        less = await tap("-", added["cart"]["version"])
        await bot.command(ann, "/cart")
        chat = last_text(await bot.tap(ann, "➖ Less"))  # the chat's −1 on the same line
        removed = await tap("x", bot.db.call(view_cart, user_id=ann.id).version)
    assert less["cart"]["lines"] == {str(kiwi.id): 1}
    assert less["notice"] == "The least is 1. To take it out of the cart, tap Remove."
    assert less["notice"] in chat and "1 × CN¥128.00" in chat
    assert removed["cart"]["lines"] == {}
    assert "Your cart is empty." in last_text(await bot.command(ann, "/cart"))
