"""Roles and the back office: server-side checks, confirming payments, farmer invites,
appointing operators, and broadcasts in each recipient's language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from bot.notify import deliver_pending
from models.adoption.adoptions import reserve_tree, start_draft, update_draft
from models.catalog.places import Farmer
from models.catalog.trees import Tree
from models.core.base import utcnow
from models.core.outbox import Notification, notify
from models.core.payments import (
    Payment,
    PaymentMethod,
    PaymentStatus,
    confirm_offline_payment,
    open_payment,
    register_payable,
)
from models.core.roles import FarmerInvite
from models.core.user import Role, User
from tests.factories import TgUser
from tests.harness import Harness, last_text


class FakeOrders:
    """A payable for these tests: target ids are amounts in fen; paid ones are remembered."""

    def __init__(self) -> None:
        self.paid: set[int] = set()

    def amount_due(self, session: Session, target_id: int) -> int | None:
        return None if target_id in self.paid else target_id

    def mark_paid(self, session: Session, target_id: int, payment: Payment) -> bool:
        self.paid.add(target_id)
        notify(
            session=session,
            user_id=payment.user_id,
            kind="broadcast_test_paid",
            params={"amount": target_id},
        )
        return True


@pytest.fixture
def fake_payable() -> FakeOrders:
    payable = FakeOrders()
    register_payable("test", payable)
    return payable


@pytest.mark.parametrize(
    "command", ["/ops", "/confirm P2345678", "/makeoperator 1001", "/broadcast"]
)
async def test_buyer_cannot_use_operator_commands(bot: Harness, ann: TgUser, command: str) -> None:
    calls = await bot.command(ann, command)
    assert last_text(calls) == "Sorry, this is not allowed for your account."
    with bot.db.session() as session:
        assert session.get_one(User, ann.id).role == Role.BUYER


@pytest.mark.parametrize(
    "data", ["OPS", "OPS payments", "OPS farmers", "OPS invite 1", "BC", "BC SEND"]
)
async def test_forged_operator_buttons_are_refused(bot: Harness, ann: TgUser, data: str) -> None:
    calls = await bot.press(ann, data)
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == "Sorry, this is not allowed for your account."
    with bot.db.session() as session:
        assert session.exec(select(FarmerInvite)).first() is None
        assert session.exec(select(Notification)).first() is None


async def test_forged_confirm_button_leaves_payment_pending(
    bot: Harness, ann: TgUser, fake_payable: FakeOrders
) -> None:
    await bot.command(ann, "/start")
    payment = bot.db.call(
        open_payment, kind="test", target_id=42000, user_id=ann.id, method=PaymentMethod.OFFLINE
    )
    await bot.press(ann, f"OPS confirm {payment.reference}")
    with bot.db.session() as session:
        assert session.get_one(Payment, payment.id).status == PaymentStatus.PENDING
    assert fake_payable.paid == set()


async def test_operator_confirms_offline_payment_from_the_list(
    bot: Harness, ann: TgUser, admin: TgUser, fake_payable: FakeOrders
) -> None:
    await bot.command(ann, "/start")
    payment = bot.db.call(
        open_payment, kind="test", target_id=42000, user_id=ann.id, method=PaymentMethod.OFFLINE
    )
    await bot.command(admin, "/start")
    assert any("后台管理" in text for text, _ in bot.buttons(admin))
    await bot.tap(admin, "后台管理")
    calls = await bot.tap(admin, "待确认的付款")
    assert payment.reference in last_text(calls) and "¥420.00" in last_text(calls)
    calls = await bot.tap(admin, payment.reference)  # the payment's screen, then Confirm
    assert "Ann" in last_text(calls)
    calls = await bot.tap(admin, "✅")
    assert f"✅ 付款 {payment.reference} 已确认" in last_text(calls)
    assert "目前没有待确认的付款。" in last_text(calls)
    with bot.db.session() as session:
        row = session.get_one(Payment, payment.id)
    assert (row.status, row.confirmed_by) == (PaymentStatus.PAID, admin.id)
    assert fake_payable.paid == {42000}
    calls = await bot.command(admin, f"/confirm {payment.reference.lower()}")
    assert last_text(calls) == f"付款 {payment.reference} 之前已确认。"


async def test_farmer_invite_binds_once_and_expires(
    bot: Harness, admin: TgUser, noy: TgUser, ann: TgUser
) -> None:
    await bot.command(admin, "/ops")
    await bot.tap(admin, "更多工具")  # the rarer tools are one screen further
    await bot.tap(admin, "农户")
    calls = await bot.press(admin, "OPS invite 5")  # the Lao farmer Khamphone
    link = last_text(calls).split("\n")[-1]
    token = link.split("start=")[1]
    assert token.startswith("farmer_")
    calls = await bot.command(noy, f"/start {token}")
    assert last_text(calls).startswith("ຍິນດີຕ້ອນຮັບ, ຄຳພອນ!")
    with bot.db.session() as session:
        assert session.get_one(Farmer, 5).telegram_id == noy.id
        assert session.get_one(User, noy.id).role == Role.FARMER
    calls = await bot.command(ann, f"/start {token}")
    assert last_text(calls).startswith("This invite link has already been used.")
    with bot.db.session() as session:
        assert session.get_one(User, ann.id).role == Role.BUYER
    # a fresh invite that has expired does not work either
    await bot.press(admin, "OPS invite 1")
    with bot.db.session() as session:
        session.exec(
            update(FarmerInvite).values(  # type: ignore[call-overload]
                expires_at=utcnow() - timedelta(seconds=1)
            )
        )
        session.commit()
        invite = session.exec(select(FarmerInvite).where(FarmerInvite.farmer_id == 1)).one()
    calls = await bot.command(ann, f"/start farmer_{invite.token}")
    assert last_text(calls).startswith("This invite link is not valid or has expired.")
    calls = await bot.command(ann, "/start farmer_forged-token")
    assert last_text(calls).startswith("This invite link is not valid or has expired.")


async def test_operator_appoints_another_operator(bot: Harness, admin: TgUser, li: TgUser) -> None:
    await bot.command(li, "/start")
    assert last_text(await bot.command(li, "/ops")).startswith("抱歉")
    calls = await bot.command(admin, f"/makeoperator {li.id}")
    assert last_text(calls) == "李娜 现在是工作人员了。"
    assert "后台管理" in last_text(await bot.command(li, "/ops"))


async def test_broadcast_reaches_everyone_in_their_language(
    bot: Harness, admin: TgUser, ann: TgUser, li: TgUser, noy: TgUser
) -> None:
    blocked = TgUser(id=1999, first_name="Gone", language_code="en")
    for user in (ann, li, noy, blocked):
        await bot.command(user, "/start")
    with bot.db.session() as session:
        session.exec(update(User).where(User.id == blocked.id).values(blocked_bot=True))  # type: ignore[call-overload]
        session.commit()
    await bot.command(admin, "/broadcast")
    await bot.tap(admin, "所有用户")
    await bot.text(admin, "明天 <b>采摘节</b>！")
    await bot.tap(admin, "跳过")  # no Lao text
    calls = await bot.text(admin, "Harvest festival tomorrow!")
    assert "<b>预览</b>" in last_text(calls) and "&lt;b&gt;采摘节&lt;/b&gt;" in last_text(calls)
    calls = await bot.tap(admin, "立即发送")
    assert "0/4" in last_text(calls)  # admin, ann, li, noy; the blocked user is skipped
    await deliver_pending(bot.app)
    received = {
        c.params["chat_id"]: c.params["text"]
        for c in bot.api.sent("sendMessage")
        if c.params["text"].startswith("📣")
    }
    assert received == {
        admin.id: "📣 明天 &lt;b&gt;采摘节&lt;/b&gt;！",
        li.id: "📣 明天 &lt;b&gt;采摘节&lt;/b&gt;！",
        ann.id: "📣 Harvest festival tomorrow!",
        noy.id: "📣 Harvest festival tomorrow!",  # no Lao text: the default language (en)
    }
    with bot.db.session() as session:
        rows = session.exec(select(Notification).where(Notification.kind == "broadcast")).all()
    assert sorted(r.user_id for r in rows) == sorted([admin.id, ann.id, li.id, noy.id])


async def test_broadcast_to_adopters_reaches_only_paying_adopters(
    bot: Harness, admin: TgUser, ann: TgUser, li: TgUser
) -> None:
    for user in (ann, li):
        await bot.command(user, "/start")
    with bot.db.session() as session:
        tree = session.exec(select(Tree).where(Tree.code == "PEACH-0001")).one()
    assert bot.db.call(start_draft, user_id=ann.id, tree_id=tree.id, certificate_name="Ann")
    bot.db.call(
        update_draft,
        user_id=ann.id,
        country="CN",
        address="湖南省长沙市岳麓路 12 号",
        phone="+8613812345678",
    )
    adoption = bot.db.call(reserve_tree, user_id=ann.id, minutes=15).adoption
    assert adoption is not None
    payment = bot.db.call(
        open_payment,
        kind="adoption",
        target_id=adoption.id,
        user_id=ann.id,
        method=PaymentMethod.OFFLINE,
    )
    bot.db.call(confirm_offline_payment, reference=payment.reference, operator_id=admin.id)
    await bot.command(admin, "/broadcast")
    await bot.tap(admin, "所有认养人")
    for _ in range(2):
        await bot.tap(admin, "跳过")
    await bot.text(admin, "Your trees are blossoming!")
    await bot.tap(admin, "立即发送")
    await deliver_pending(bot.app)
    received = [
        c.params["chat_id"]
        for c in bot.api.sent("sendMessage")
        if c.params["text"].startswith("📣")
    ]
    assert received == [ann.id]  # li has no adoption, the operator adopted nothing
