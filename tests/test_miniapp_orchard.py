"""The Mini App's orchard map and pictures without a browser: trees drawn at their row and column,
the season's counters read from real rows (a paid order in the chat moves "boxes sold"), photos
set from the chat served through the bot, and polling mode's local address."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col, select
from telegram import Bot

from bot.app import build_application
from bot.config import Settings
from bot.console import ConsoleBotAPI
from bot.db import Database
from bot.offline import OfflineBotAPI
from bot.webapp.initdata import verify_init_data
from bot.webapp.photos import PhotoCache
from bot.webapp.server import start_local
from models.catalog.trees import Tree, current_season, season_end
from models.shop.orders import Order, OrderStatus
from tests.backoffice_helpers import paid_order
from tests.conftest import ADMIN_ID
from tests.factories import TgUser
from tests.harness import Harness
from tests.miniapp_helpers import headers, webapp_server, webapp_settings
from tests.shop_helpers import product
from tests.test_payment_invoice import pre_checkout, successful_payment

JPEG = b"\xff\xd8\xff\xe0" + b"peach tree photo" * 64


@pytest.fixture
def settings(database_url: tuple[str, str | None]) -> Settings:
    """The Mini App is on in this module."""
    return webapp_settings(database_url[0], ADMIN_ID)


async def orchard(bot: Harness, user: TgUser) -> dict[str, Any]:
    """The orchard page's data for `user`, as the page asks for it."""
    async with webapp_server(bot.app) as url, httpx.AsyncClient() as client:
        answer = await client.post(url + "api/orchard", json={}, headers=headers(bot.app, user))
    assert answer.status_code == 200
    return dict(answer.json())


def village(state: dict[str, Any], heading: str) -> dict[str, Any]:
    """One village's map in the orchard data."""
    return next(v for v in state["villages"] if v["heading"] == heading)


async def test_trees_stand_at_their_cells_on_the_village_map(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start")
    shibadong = village(await orchard(bot, ann), "Shibadong")
    cells = {t["code"]: (t["row"], t["col"]) for t in shibadong["trees"]}
    assert cells["PEACH-0001"] == (1, 1) and cells["PEACH-0007"] == (2, 1)
    assert cells["KIWI-0001"] == (6, 1) and cells["KIWI-0010"] == (7, 5)  # past the path, row 5
    assert len(set(cells.values())) == len(cells) == 34
    assert (shibadong["rows"], shibadong["cols"]) == (7, 6)
    with bot.db.session() as session:  # a tree without a cell is drawn after the placed ones
        session.exec(update(Tree).where(col(Tree.code) == "PEACH-0003").values(grid_row=None))  # type: ignore[call-overload]
        session.commit()
    moved = village(await orchard(bot, ann), "Shibadong")
    assert next(t for t in moved["trees"] if t["code"] == "PEACH-0003")["row"] == 8
    assert [t["code"] for t in moved["trees"]][:3] == ["PEACH-0001", "PEACH-0002", "PEACH-0004"]


async def test_a_tree_card_shows_its_variety_in_the_readers_language(
    bot: Harness, noy: TgUser
) -> None:
    await bot.command(noy, "/start")
    trees = {t["code"]: t for t in village(await orchard(bot, noy), "ບ້ານຊືປາຕົງ")["trees"]}
    assert trees["PEACH-0002"]["variety"] == "ສາຍພັນ: ຈິນທົງ 5"
    assert trees["KIWI-0001"]["variety"] == "ສາຍພັນ: ຮົງຢາງ"
    with bot.db.session() as session:  # a tree without one: no line (the page hides it)
        session.exec(
            update(Tree)
            .where(col(Tree.code) == "KIWI-0001")
            .values(variety_lo="", variety_zh="", variety_en="")
        )  # type: ignore[call-overload]
        session.commit()
    trees = {t["code"]: t for t in village(await orchard(bot, noy), "ບ້ານຊືປາຕົງ")["trees"]}
    assert trees["KIWI-0001"]["variety"] is None


@pytest.fixture
async def paybot(settings: Settings, db: Database) -> AsyncIterator[Harness]:
    """The bot with a payment provider token: an order is paid by a Telegram invoice."""
    settings = dataclasses.replace(settings, payment_provider_token="284685063:TEST:provider")
    api = OfflineBotAPI()
    application = build_application(settings, db, request=api, rate_limit=False)
    async with application:
        yield Harness(application, api, db)


async def order_honey_in_the_chat(bot: Harness, li: TgUser, boxes: int) -> dict[str, Any]:
    """Li puts honey in the cart and checks out in the chat; returns the invoice sent."""
    honey = product(bot.db, "HONEY-500G")
    for _ in range(boxes):
        await bot.press(li, f"SHOP add {honey.id}")
    await bot.command(li, "/cart")
    await bot.tap(li, "去结算")
    await bot.tap(li, "中国")
    await bot.tap(li, "我同意")
    await bot.text(li, "湖南省长沙市岳麓区麓山南路 1 号 李娜")
    await bot.text(li, "+86 138 0013 8000")
    await bot.tap(li, "跳过")
    await bot.tap(li, "确认下单")
    return bot.api.sent("sendInvoice")[-1].params


async def test_a_paid_order_in_the_chat_moves_the_boxes_sold_counter(
    paybot: Harness, li: TgUser
) -> None:
    await paybot.command(li, "/start")
    before = village(await orchard(paybot, li), "十八洞村")["counters"]
    assert before == ["本季已认养 0 棵，共 34 棵", "本季已售出农产品 0 件"]
    invoice = await order_honey_in_the_chat(paybot, li, boxes=2)
    unpaid = village(await orchard(paybot, li), "十八洞村")["counters"]
    assert unpaid[1] == "本季已售出农产品 0 件"  # placed, not paid: not sold
    await paybot.send(pre_checkout(li, invoice))
    await paybot.send(successful_payment(li, invoice, "tg_charge_honey"))
    with paybot.db.session() as session:
        assert session.exec(select(Order)).one().status == OrderStatus.PAID
    after = village(await orchard(paybot, li), "十八洞村")["counters"]
    assert after[1] == "本季已售出农产品 2 件"
    assert village(await orchard(paybot, li), "蓬萨旺村")["counters"][1].endswith(" 0 件")


async def test_boxes_sold_last_season_do_not_count(bot: Harness, ann: TgUser) -> None:
    order = paid_order(bot.db, ann.id, "KIWI-5KG", quantity=3)
    assert village(await orchard(bot, ann), "Shibadong")["counters"][1] == (
        "3 boxes of produce sold this season"
    )
    with bot.db.session() as session:  # placed a moment before last season ended
        last = season_end(str(int(current_season()) - 1)) - timedelta(seconds=1)
        session.exec(update(Order).where(col(Order.id) == order.id).values(created_at=last))  # type: ignore[call-overload]
        session.commit()
    assert village(await orchard(bot, ann), "Shibadong")["counters"][1] == (
        "0 boxes of produce sold this season"
    )


async def test_a_photo_set_from_the_chat_is_served_through_the_bot(
    bot: Harness, admin: TgUser, ann: TgUser
) -> None:
    await bot.photo(admin, "AgACpeach3fromTheChat", "/photo PEACH-0003")
    bot.api.stored_files["AgACpeach3fromTheChat"] = JPEG  # what Telegram holds under that id
    await bot.command(ann, "/start")
    async with webapp_server(bot.app) as url, httpx.AsyncClient() as client:
        state = await client.post(url + "api/orchard", json={}, headers=headers(bot.app, ann))
        assert "AgACpeach3fromTheChat" not in state.text  # the page never sees a file_id
        tree = next(
            t for v in state.json()["villages"] for t in v["trees"] if t["code"] == "PEACH-0003"
        )
        assert tree["photo"].startswith("photos/tree/PEACH-0003.jpg?v=")
        first = await client.get(url + tree["photo"])
        again = await client.get(url + tree["photo"])
        sample = next(
            t for v in state.json()["villages"] for t in v["trees"] if t["code"] == "PEACH-0004"
        )
        drawn = await client.get(url + sample["photo"])  # a generated picture still works
        unknown = await client.get(url + "photos/tree/PEACH-9999.jpg")
        not_file_id = await client.get(url + "photos/tree/PEACH-0004.jpg")
    assert first.status_code == 200 and first.content == JPEG
    assert first.headers["content-type"] == "image/jpeg"
    assert again.content == JPEG
    assert [c.params["file_id"] for c in bot.api.sent("getFile")] == ["AgACpeach3fromTheChat"]
    assert len(bot.api.sent("downloadFile")) == 1  # fetched once, then from the cache
    assert drawn.status_code == 200 and drawn.content[:3] == b"\xff\xd8\xff"
    assert (unknown.status_code, not_file_id.status_code) == (404, 404)


async def test_a_photo_telegram_does_not_have_is_a_404_and_asked_once(
    bot: Harness, admin: TgUser
) -> None:
    await bot.photo(admin, "AgACgoneHoney", "/photo HONEY-500G")
    async with webapp_server(bot.app) as url, httpx.AsyncClient() as client:
        answers = [await client.get(url + "photos/product/HONEY-500G.jpg") for _ in range(3)]
    assert [a.status_code for a in answers] == [404] * 3
    assert len(bot.api.sent("getFile")) == 1  # not one Bot API call per request


async def test_the_photo_cache_stays_within_its_size(bot: Harness) -> None:
    for name in ("a", "b", "c"):
        bot.api.stored_files[name] = JPEG
    cache = PhotoCache(max_bytes=2 * len(JPEG))
    for name in ("a", "b", "a", "c"):  # "a" was used again: "b" is the one dropped
        assert await cache.get(bot.app.bot, name) == JPEG
    assert list(cache.files) == ["a", "c"] and cache.size == 2 * len(JPEG)


async def test_polling_mode_prints_a_signed_local_address(
    bot: Harness, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    local = dataclasses.replace(settings, webapp_port=0)
    server = await start_local(bot.app, local)
    assert server is not None
    try:
        line = capsys.readouterr().out.strip()
        assert line.startswith("Mini App: http://127.0.0.1:")
        address = line.removeprefix("Mini App: ")
        signed = dict(parse_qsl(urlsplit(address).fragment))["tgWebAppData"]
        user = verify_init_data(signed, bot.app.bot.token, local.webapp_max_age)
        async with httpx.AsyncClient() as client:
            page = await client.get(address.split("#")[0])
    finally:
        server.stop()
    assert user.id == ADMIN_ID
    assert page.status_code == 200 and "app.js" in page.text
    off = dataclasses.replace(local, webapp_url=None)
    assert await start_local(bot.app, off) is None
    assert capsys.readouterr().out == ""


async def test_console_photos_are_read_from_their_files(tmp_path: Path) -> None:
    """In the console a photo's file_id is its path (!photo PATH), so getFile can serve it."""
    picture = tmp_path / "peach.jpg"
    picture.write_bytes(JPEG)
    api = ConsoleBotAPI(io.StringIO(), tmp_path / "files")
    bot = Bot("123:console", request=api)
    async with bot:
        assert await PhotoCache().get(bot, str(picture)) == JPEG
        assert await PhotoCache().get(bot, str(tmp_path / "missing.jpg")) is None
