"""/privacy in three languages, consent before an address, /mydata, /deletemydata, retention."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlmodel import SQLModel
from sqlmodel import select as sm_select

import models.privacy
from bot.config import Settings
from models.core.base import utcnow
from models.core.outbox import Notification, NotificationStatus, notify
from models.core.payments import Payment, PaymentMethod, PaymentStatus, open_payment
from models.core.state import UserScratch
from models.core.user import User
from models.privacy import (
    ANONYMOUS,
    Consent,
    ConsentKind,
    ErasureRequest,
    has_consent,
    personal_csv,
    purge_expired,
    record_consent,
)
from tests import fake_orders
from tests.factories import TgUser, _message, next_update_id
from tests.fake_orders import FakeOrder
from tests.harness import Harness, last_text

PHONE_CN = "13812345678"
PHONE_LA = "+856 20 5555 1234"
ADDRESS_CN = "湖南省长沙市芙蓉区五一路88号3栋502室"
ADDRESS_LA = "ບ້ານໂພນສະຫວ່າງ ເມືອງນາໝໍ້ ແຂວງອຸດົມໄຊ"
OTHER_PHONE = "13900001111"
OTHER_ADDRESS = "北京市海淀区中关村大街1号"
GIFT = "Happy birthday Grandma Qiaolian"
NICKNAME = "Little Sunshine Peach"
CHARGE = "tgcharge_918273645_abc"
PROVIDER_CHARGE = "ch_3QprovXYZ98765"

ZOE = TgUser(
    id=918273645,
    first_name="Zhaoxuelian",
    last_name="Wangbaoqing",
    username="zxl_peach_fan",
    language_code="zh-hans",
)
ERASED = [
    "Zhaoxuelian",
    "Wangbaoqing",
    "zxl_peach_fan",
    PHONE_CN,
    ADDRESS_CN,
    GIFT,
    NICKNAME,
    CHARGE,
    PROVIDER_CHARGE,
]


@pytest.fixture
def shop(bot: Harness) -> Harness:
    """The bot with the test-only checkout in front of the other handlers."""
    fake_orders.install(bot.app)
    return bot


def consents(bot: Harness, user_id: int) -> list[Consent]:
    """The user's consent rows."""
    with bot.db.session() as session:
        return list(session.exec(sm_select(Consent).where(Consent.user_id == user_id)))


def orders(bot: Harness) -> list[FakeOrder]:
    """Every fake order."""
    with bot.db.session() as session:
        return list(session.exec(sm_select(FakeOrder).order_by(FakeOrder.id)))  # type: ignore[arg-type]


# --- the notice -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "words"),
    [
        ("ann", ["Privacy notice", "village post office", "180 days", "China", "Laos"]),
        ("li", ["隐私说明", "村邮政所", "180", "中国", "老挝"]),
        ("noy", ["ນະໂຍບາຍ", "180", "ຈີນ", "ລາວ"]),
    ],
)
async def test_privacy_notice_in_each_language(
    bot: Harness, who: str, words: list[str], request: pytest.FixtureRequest
) -> None:
    user: TgUser = request.getfixturevalue(who)
    calls = await bot.command(user, "/privacy")
    notice = last_text(calls)
    for word in words:
        assert word in notice, word
    for command in ("/mydata", "/deletemydata"):
        assert command in notice
    assert len(notice) < 4096
    data = [d for _, d in bot.buttons(user)]
    assert data == ["PRIV EXPORT", "PRIV DEL", "MENU"]  # no withdraw button before consent


async def test_operator_settings_and_retention_days_shown(db: Any, ann: TgUser) -> None:
    from bot.app import build_application
    from bot.offline import OfflineBotAPI
    from tests.harness import Harness as H

    settings = Settings(
        database_url=db.url,
        operator_name="Shibadong <Post>",
        operator_contact="+86 743 000 0000",
        retention_days=90,
    )
    api = OfflineBotAPI()
    app = build_application(settings, db, request=api, rate_limit=False)
    async with app:
        notice = last_text(await H(app, api, db).command(ann, "/privacy"))
    assert "Shibadong &lt;Post&gt;" in notice and "+86 743 000 0000" in notice
    assert "90 days" in notice


async def test_help_has_a_privacy_button(bot: Harness, noy: TgUser) -> None:
    calls = await bot.command(noy, "/help")
    assert "/privacy" in last_text(calls)
    calls = await bot.press(noy, "PRIV NOTICE")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "/deletemydata" in last_text(calls)
    assert [d for _, d in bot.buttons(noy)][-2:] == ["HELP", "MENU"]  # a way back


# --- consent ----------------------------------------------------------------------------------


async def test_lao_buyer_gives_both_consents_in_one_tap(shop: Harness, noy: TgUser) -> None:
    calls = await shop.press(noy, "FAKE CHECKOUT LA")
    assert calls[0].method == "answerCallbackQuery"
    screen = last_text(calls)
    assert "ນະໂຍບາຍ" in screen and "ຊາຍແດນ" in screen  # the notice and the border, one screen
    assert [d for _, d in shop.buttons(noy)] == [
        "PRIV OK a d FAKE CHECKOUT LA",
        "PRIV READ d FAKE CHECKOUT LA",
        "PRIV NO d FAKE CHECKOUT LA",
    ]
    assert consents(shop, noy.id) == [] and orders(shop) == []

    # the notice is one tap away, and Back returns to the consent
    await shop.press(noy, "PRIV READ d FAKE CHECKOUT LA")
    assert [d for _, d in shop.buttons(noy)] == ["PRIV ASK d FAKE CHECKOUT LA"]
    await shop.press(noy, "PRIV ASK d FAKE CHECKOUT LA")

    # one tap stores both and goes straight on with the step that asked
    calls = await shop.press(noy, "PRIV OK a d FAKE CHECKOUT LA")
    assert last_text(calls) == "Send the address and phone number."
    assert [c.method for c in calls].count("answerCallbackQuery") == 1
    rows = consents(shop, noy.id)
    assert sorted(c.kind for c in rows) == [ConsentKind.CROSS_BORDER, ConsentKind.NOTICE]
    assert all(c.version == models.privacy.NOTICE_VERSION for c in rows)
    assert all(utcnow() - c.given_at < timedelta(minutes=1) for c in rows)

    await shop.text(noy, f"{ADDRESS_LA} 02055551234")
    assert [(o.user_id, o.address) for o in orders(shop)] == [(noy.id, ADDRESS_LA)]


async def test_an_old_two_step_consent_button_still_works(shop: Harness, noy: TgUser) -> None:
    await shop.press(noy, "FAKE CHECKOUT CN")
    calls = await shop.press(noy, "PRIV OK n 1 FAKE CHECKOUT CN")
    assert "ຊາຍແດນ" in last_text(calls) and "ນະໂຍບາຍ" not in last_text(calls)
    assert [c.kind for c in consents(shop, noy.id)] == [ConsentKind.NOTICE]
    calls = await shop.press(noy, "PRIV OK a 1 FAKE CHECKOUT CN")
    assert last_text(calls) == "Send the address and phone number."


async def test_consent_for_a_step_that_is_gone_offers_continue(shop: Harness, li: TgUser) -> None:
    await shop.press(li, "FAKE CHECKOUT CN")
    calls = await shop.press(li, "PRIV OK a 0 GONE")  # nothing takes this button any more
    assert "谢谢" in last_text(calls)
    assert [d for _, d in shop.buttons(li)] == ["GONE", "MENU"]


async def test_chinese_buyer_in_china_is_asked_the_notice_only(shop: Harness, li: TgUser) -> None:
    calls = await shop.press(li, "FAKE CHECKOUT CN")
    assert "老挝" not in last_text(calls)
    calls = await shop.press(li, "PRIV OK a 0 FAKE CHECKOUT CN")
    assert last_text(calls) == "Send the address and phone number."
    # shipping to Laos crosses the border: asked separately
    calls = await shop.press(li, "FAKE CHECKOUT LA")
    assert "老挝" in last_text(calls) and shop.buttons(li)[0][1].startswith("PRIV OK a d")


async def test_declining_stores_nothing_and_says_how_to_go_on(shop: Harness, ann: TgUser) -> None:
    await shop.press(ann, "FAKE CHECKOUT LA")
    calls = await shop.press(ann, "PRIV NO 1 FAKE CHECKOUT LA")
    assert "nothing about your address was saved" in last_text(calls)
    assert [d for _, d in shop.buttons(ann)] == ["PRIV ASK 1 FAKE CHECKOUT LA", "MENU"]
    await shop.text(ann, f"12 Kunming Road {PHONE_CN}")  # not waiting for an address
    assert consents(shop, ann.id) == [] and orders(shop) == []
    with pytest.raises(fake_orders.ConsentMissing):
        shop.db.call(
            fake_orders.place_order,
            user_id=ann.id,
            address="x",
            phone="y",
            destination="LA",
        )


async def test_a_new_notice_version_asks_again(
    shop: Harness, li: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.db.call(record_consent, user_id=li.id, kind=ConsentKind.NOTICE)
    calls = await shop.press(li, "FAKE CHECKOUT CN")
    assert last_text(calls) == "Send the address and phone number."
    monkeypatch.setattr(models.privacy, "NOTICE_VERSION", 2)
    calls = await shop.press(li, "FAKE CHECKOUT CN")
    assert shop.buttons(li)[0][1] == "PRIV OK a 0 FAKE CHECKOUT CN"
    await shop.press(li, "PRIV OK a 0 FAKE CHECKOUT CN")
    assert sorted(c.version for c in consents(shop, li.id)) == [1, 2]


async def test_withdrawing_consent_asks_again(shop: Harness, ann: TgUser) -> None:
    shop.db.call(record_consent, user_id=ann.id, kind=ConsentKind.NOTICE)
    await shop.command(ann, "/privacy")
    calls = await shop.tap(ann, "Withdraw")
    assert "/deletemydata" in last_text(calls)
    assert not shop.db.call(has_consent, user_id=ann.id, kind=ConsentKind.NOTICE)
    await shop.press(ann, "FAKE CHECKOUT CN")
    assert shop.buttons(ann)[0][1].startswith("PRIV OK a")
    await shop.press(ann, shop.buttons(ann)[0][1])  # agreeing again revives the same row
    rows = consents(shop, ann.id)
    assert [(r.kind, r.withdrawn_at) for r in rows] == [(ConsentKind.NOTICE, None)]


def test_two_taps_at_once_store_one_consent(db: Any) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(
                lambda _: db.call(record_consent, user_id=42, kind=ConsentKind.CROSS_BORDER),
                range(8),
            )
        )
    assert len({r.id for r in results}) == 1
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM consent")).scalar() == 1


# --- a buyer with a history -------------------------------------------------------------------


async def buyer_with_history(shop: Harness, user: TgUser) -> FakeOrder:
    """Consents, an order with address and phone, a Telegram payment, a sent notification."""
    await shop.command(user, "/start")
    await shop.press(user, "FAKE CHECKOUT CN")
    await shop.press(user, "PRIV OK n 0 FAKE CHECKOUT CN")
    await shop.press(user, "FAKE CHECKOUT CN")
    address, phone = (ADDRESS_CN, PHONE_CN) if user is ZOE else (OTHER_ADDRESS, OTHER_PHONE)
    await shop.text(user, f"{address} {phone}")
    order = orders(shop)[-1]
    with shop.db.session() as session:
        stored = session.get_one(FakeOrder, order.id)
        if user is ZOE:
            stored.gift_message, stored.tree_nickname = GIFT, NICKNAME
        session.add(stored)
        session.commit()
    payment = shop.db.call(
        open_payment,
        kind="fake",
        target_id=order.id,
        user_id=user.id,
        method=PaymentMethod.TELEGRAM,
    )
    paid = {
        "currency": "CNY",
        "total_amount": payment.amount_fen,
        "invoice_payload": payment.reference,
        "telegram_payment_charge_id": CHARGE if user is ZOE else f"tgcharge_{user.id}",
        "provider_payment_charge_id": PROVIDER_CHARGE if user is ZOE else f"ch_{user.id}",
    }
    await shop.send(
        {"update_id": next_update_id(), "message": _message(user, successful_payment=paid)}
    )
    shop.db.call(
        notify,
        user_id=user.id,
        kind="hello",
        params={"name": user.first_name, "address": address},
    )
    with shop.db.session() as session:
        note = session.exec(sm_select(Notification)).all()[-1]
        note.status = NotificationStatus.SENT
        session.add(note)
        session.commit()
    assert shop.db.call(fake_orders.deliver, order_id=order.id) is None
    return order


async def test_mydata_sends_everything_stored(shop: Harness) -> None:
    await buyer_with_history(shop, ZOE)
    calls = await shop.command(ZOE, "/mydata")
    sent = [c for c in calls if c.method == "sendDocument"]
    assert len(sent) == 1 and sent[0].params["chat_id"] == ZOE.id
    name, content = sent[0].files["document"][:2]
    assert name == "my-data.json"
    data = json.loads(content)
    assert data["profile"]["first_name"] == "Zhaoxuelian"
    assert data["profile"]["language"] == "zh"
    assert [c["kind"] for c in data["consents"]] == ["notice"]
    assert data["consents"][0]["version"] == models.privacy.NOTICE_VERSION
    assert data["fake_orders"][0]["address"] == ADDRESS_CN
    assert data["fake_orders"][0]["phone"] == PHONE_CN
    assert data["payments"][0]["amount_fen"] == 8800
    assert data["notifications"][0]["params"]["address"] == ADDRESS_CN
    assert "个人数据" in sent[0].params["caption"]


def every_value(bot: Harness) -> list[tuple[str, str, Any]]:
    """(table, column, value) of every cell in every table."""
    cells = []
    with bot.db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for column, value in row._mapping.items():
                    cells.append((table.name, column, value))
    return cells


def paid_total(bot: Harness) -> tuple[int, int]:
    """(sum, count) of paid payments: the shop's sales figures."""
    with bot.db.engine.connect() as connection:
        total, count = connection.execute(
            select(func.sum(Payment.amount_fen), func.count()).where(  # type: ignore[arg-type]
                Payment.status == PaymentStatus.PAID
            )  # type: ignore[arg-type]
        ).one()
    return int(total or 0), int(count)


async def test_deletemydata_leaves_nothing_and_sales_unchanged(shop: Harness, li: TgUser) -> None:
    await buyer_with_history(shop, ZOE)
    await buyer_with_history(shop, li)
    sales = paid_total(shop)
    assert sales == (17600, 2)
    await shop.command(ZOE, "/deletemydata")
    assert [d for _, d in shop.buttons(ZOE)] == ["PRIV DEL YES", "PRIV DEL NO"]
    calls = await shop.tap(ZOE, "是")
    assert "已删除" in last_text(calls)

    for table, column, value in every_value(shop):
        if isinstance(value, str):
            for erased in [*ERASED, str(ZOE.id)]:
                assert erased not in value, (table, column, erased)
        assert value != ZOE.id, (table, column)
    assert paid_total(shop) == sales
    with shop.db.session() as session:
        assert session.get(User, li.id) is not None
        li_order = session.exec(sm_select(FakeOrder).where(FakeOrder.user_id == li.id)).one()
        assert li_order.address == OTHER_ADDRESS  # someone else's data is untouched
        zoe_order = session.exec(sm_select(FakeOrder).where(FakeOrder.user_id == None)).one()  # noqa: E711
        assert (zoe_order.amount_fen, zoe_order.status) == (8800, "delivered")
        assert session.exec(sm_select(ErasureRequest)).all() == []


async def test_open_order_is_kept_until_delivered_then_erased(shop: Harness, ann: TgUser) -> None:
    await shop.press(ann, "FAKE CHECKOUT CN")
    await shop.press(ann, "PRIV OK n 0 FAKE CHECKOUT CN")
    await shop.press(ann, "FAKE CHECKOUT CN")
    await shop.text(ann, f"{ADDRESS_CN} {PHONE_CN}")
    await shop.command(ann, "/deletemydata")
    calls = await shop.press(ann, "PRIV DEL YES")
    assert "orders not delivered yet" in last_text(calls)
    order = orders(shop)[0]
    assert (order.user_id, order.address) == (ann.id, ADDRESS_CN)  # still deliverable
    with shop.db.session() as session:
        user = session.get_one(User, ann.id)
        assert (user.first_name, user.language) == (ANONYMOUS, "en")
        assert session.get(ErasureRequest, ann.id) is not None
    shop.db.call(fake_orders.deliver, order_id=order.id)
    shop.db.call(purge_expired, before=utcnow() - timedelta(days=180))
    order = orders(shop)[0]
    assert (order.user_id, order.address, order.phone) == (None, ANONYMOUS, ANONYMOUS)
    with shop.db.session() as session:
        assert session.get(User, ann.id) is None
        assert session.get(ErasureRequest, ann.id) is None


async def test_retention_erases_addresses_of_old_finished_orders(shop: Harness, li: TgUser) -> None:
    shop.db.call(record_consent, user_id=li.id, kind=ConsentKind.NOTICE)
    place = dict(user_id=li.id, phone=PHONE_CN, destination="CN")
    old = shop.db.call(fake_orders.place_order, address="old " + ADDRESS_CN, **place)
    recent = shop.db.call(fake_orders.place_order, address=ADDRESS_CN, **place)
    still_open = shop.db.call(fake_orders.place_order, address=ADDRESS_CN, **place)
    shop.db.call(fake_orders.deliver, order_id=old.id, at=utcnow() - timedelta(days=200))
    shop.db.call(fake_orders.deliver, order_id=recent.id, at=utcnow() - timedelta(days=10))
    jobs = [job.name for job in shop.app.job_queue.jobs()]  # type: ignore[union-attr]
    assert "retention" in jobs

    from handlers.account.privacy import retention_job

    context = type("Ctx", (), {})()
    context.settings = shop.app.bot_data["settings"]
    context.db = shop.db
    await retention_job(context)  # type: ignore[arg-type]
    by_id = {o.id: o for o in orders(shop)}
    assert (by_id[old.id].address, by_id[old.id].phone) == (ANONYMOUS, ANONYMOUS)
    assert by_id[old.id].amount_fen == 8800
    assert by_id[recent.id].address == ADDRESS_CN
    assert by_id[still_open.id].phone == PHONE_CN


async def test_dialogue_scratch_is_erased(shop: Harness, ann: TgUser) -> None:
    shop.db.call(record_consent, user_id=ann.id, kind=ConsentKind.NOTICE)
    await shop.press(ann, "FAKE CHECKOUT CN")  # leaves user_data with awaiting_address
    with shop.db.session() as session:
        assert session.get(UserScratch, ann.id) is not None
    await shop.command(ann, "/deletemydata")
    await shop.press(ann, "PRIV DEL YES")
    with shop.db.session() as session:
        assert session.get(UserScratch, ann.id) is None
        assert session.exec(sm_select(Consent)).all() == []


def test_csv_exports_say_they_hold_personal_data() -> None:
    content = personal_csv(["name", "phone"], [["李娜", PHONE_CN]]).decode("utf-8-sig")
    header = content.splitlines()[0]
    assert "personal data" in header and header.endswith("phone")


async def test_keeping_data_changes_nothing(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/deletemydata")
    calls = await bot.press(noy, "PRIV DEL NO")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    with bot.db.session() as session:
        assert session.get_one(User, noy.id).first_name == "ນ້ອຍ"
    with bot.db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM consent")).scalar() == 0


async def test_a_farmer_deleting_their_data_is_unlinked_from_the_catalog(
    bot: Harness, noy: TgUser
) -> None:
    from models.catalog.places import Farmer

    await bot.command(noy, "/start")
    with bot.db.session() as session:
        farmer = session.exec(sm_select(Farmer).where(Farmer.code == "PSV-NOY")).one()
        farmer.telegram_id = noy.id
        session.add(farmer)
        session.commit()
    calls = await bot.command(noy, "/mydata")
    document = next(c for c in calls if c.method == "sendDocument")
    export = json.loads(document.files["document"][1])
    assert export["roles"] == {"farmer_code": "PSV-NOY"}
    await bot.command(noy, "/deletemydata")
    await bot.press(noy, "PRIV DEL YES")
    assert not [cell for cell in every_value(bot) if cell[2] == noy.id]
    with bot.db.session() as session:
        farmer = session.exec(sm_select(Farmer).where(Farmer.code == "PSV-NOY")).one()
        assert (farmer.telegram_id, farmer.name_lo) == (None, "ນ້ອຍ")  # the catalog stays
