"""The adoption journey through the dispatcher: browse, card, dialogue, race, payment, My trees."""

from __future__ import annotations

import asyncio
import io
import json
import re

from PIL import Image
from sqlmodel import select

from bot.notify import deliver_pending
from models.adoption.adoptions import Adoption, AdoptionDraft, AdoptionStatus
from models.catalog.trees import Tree
from models.core.payments import Payment, confirm_offline_payment
from models.privacy import ConsentKind, record_consent
from tests.factories import TgUser
from tests.harness import Harness, last_text, texts


def tree_id(bot: Harness, code: str) -> int:
    """The id of a sample tree."""
    with bot.db.session() as session:
        found = session.exec(select(Tree.id).where(Tree.code == code)).one()
    assert found is not None
    return found


def give_consents(bot: Harness, user: TgUser) -> None:
    """Records both privacy consents, as the consent screens would (tests/test_privacy_adopt.py)."""
    for kind in ConsentKind:
        bot.db.call(record_consent, user_id=user.id, kind=kind)


async def fill_dialogue(bot: Harness, user: TgUser, code: str, gift: bool, country: str) -> None:
    """Opens the tree's link and answers every question up to the summary."""
    give_consents(bot, user)
    await bot.command(user, f"/start tree_{code}")
    await bot.press(user, f"ADOPT go {tree_id(bot, code)}")
    await bot.text(user, "小桃")
    await bot.press(user, "ADOPT skip")  # the Telegram name on the certificate
    await bot.press(user, "ADOPT for gift" if gift else "ADOPT for me")
    if gift:
        await bot.text(user, "Bo Chen")
        await bot.text(user, "生日快乐")
    await bot.press(user, f"ADOPT to {country}")
    await bot.text(
        user, "Ban Phonsavang, Oudomxai" if country == "LA" else "湖南省长沙市岳麓路 12 号"
    )
    await bot.press(user, "ADOPT skip")  # the parcel to the gift's recipient, or to the adopter
    await bot.text(user, "020 5555 1234" if country == "LA" else "138 1234 5678")


async def test_browse_pages_and_card(bot: Harness, noy: TgUser) -> None:
    await bot.command(noy, "/start")
    await bot.press(noy, "TREE")
    labels = [text for text, _ in bot.buttons(noy)]
    assert any("ໝາກພີດເຫຼືອງ (24)" in label for label in labels)
    calls = await bot.press(noy, "TREE list species 1 0")
    assert calls[0].method == "answerCallbackQuery"
    assert "ໜ້າ 1 ຈາກ 3" in last_text(calls)
    assert len([d for _, d in bot.buttons(noy) if d.startswith("TREE card ")]) == 8
    await bot.press(noy, "TREE list species 1 2")
    assert [d for _, d in bot.buttons(noy) if d.startswith("TREE card ")][-1].startswith(
        "TREE card 24"
    )
    text = last_text(await bot.press(noy, f"TREE card {tree_id(bot, 'PEACH-0003')} species 1 0"))
    assert "PEACH-0003" in text and "ບ້ານຊືປາຕົງ" in text and "20 ກິໂລ" in text
    assert "420 ຢວນ (≈ 1.260.000 ກີບ)" in text  # yuan and kip as Lao readers write them
    share = next(d for t, d in bot.buttons(noy) if "ແບ່ງປັນ" in t)
    assert "start%3Dtree_PEACH-0003" in share


async def test_gift_adoption_end_to_end_in_chinese(bot: Harness, li: TgUser) -> None:
    await fill_dialogue(bot, li, "PEACH-0005", gift=True, country="CN")
    summary = last_text(bot.api.calls)
    assert "赠送给：Bo Chen" in summary and "+8613812345678" in summary
    calls = await bot.press(li, "ADOPT ok")
    offer = next(t for t in texts(calls) if "付款方式" in t or "怎样付款" in t)  # ways to pay
    assert "金额：¥" in offer and "基普" not in offer
    assert {"💚 微信支付", "💙 支付宝", "🏦 银行转账", "🏤 邮政所柜台"} <= {
        t for t, _ in bot.buttons(li)
    }
    with bot.db.session() as session:
        adoption = session.exec(select(Adoption)).one()
        payment = session.exec(select(Payment)).one()
    assert adoption.status == AdoptionStatus.AWAITING_PAYMENT and adoption.gift
    assert (adoption.nickname, adoption.gift_recipient, adoption.country) == (
        "小桃",
        "Bo Chen",
        "CN",
    )
    bot.db.call(confirm_offline_payment, reference=payment.reference, operator_id=0)
    await deliver_pending(bot.app)
    # a photo, so the certificate shows in the chat; the receipt comes as a photo after it
    photo, receipt = bot.api.sent("sendPhoto")[-2:]
    assert "认养" in photo.params["caption"] and "收据" in receipt.params["caption"]
    png = photo.files["photo"][1]
    image = Image.open(io.BytesIO(png))
    content = json.loads(image.text["certificate"])  # type: ignore[attr-defined]
    assert content["title"] == "认养证书（赠礼）" and content["holder"] == "Bo Chen"
    assert content["preamble"] == "兹证明" and "获李娜赠送" in content["statement"]
    assert content["issuer"][0] == "十八洞村邮政所" and content["qr_url"].endswith(
        "tree_PEACH-0005"
    )
    full_size = f"MYT certificate-file {adoption.id}"
    first_row = photo.params["reply_markup"]["inline_keyboard"][0]
    assert first_row == [{"text": "📄 原图文件", "callback_data": full_size}]
    calls = await bot.press(li, full_size)  # the full-size file, for printing
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendDocument"]
    assert re.fullmatch(r"CERT-\d{4}-\w{4}-\w{4}\.png", calls[1].files["document"][0])
    assert calls[1].files["document"][1] == png
    calls = await bot.command(li, "/mytrees")
    assert "认养中" in last_text(calls)
    await bot.press(li, f"MYT view {adoption.id}")
    calls = await bot.press(li, f"MYT certificate {adoption.id}")
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendPhoto"]
    assert "原图文件" in calls[1].params["caption"]
    assert calls[1].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == full_size


async def test_bad_input_back_and_cancel(bot: Harness, noy: TgUser) -> None:
    give_consents(bot, noy)
    await bot.command(noy, "/start tree_TEA-0002")
    await bot.press(noy, f"ADOPT go {tree_id(bot, 'TEA-0002')}")
    await bot.press(noy, "ADOPT skip")
    await bot.press(noy, "ADOPT skip")
    await bot.press(noy, "ADOPT for me")
    await bot.press(noy, "ADOPT to LA")
    assert "ກະລຸນາສົ່ງທີ່ຢູ່ເຕັມ" in last_text(await bot.text(noy, "abc"))
    await bot.text(noy, "Ban Phonsavang, Oudomxai")
    await bot.text(noy, "Noy Phommavong")  # who takes the parcel
    assert "ນີ້ບໍ່ແມ່ນເບີໂທລາວ" in last_text(await bot.text(noy, "138 1234 5678"))
    assert "Noy Phommavong" in last_text(await bot.press(noy, "ADOPT back"))  # back to the name
    assert "ທີ່ຢູ່" in last_text(await bot.press(noy, "ADOPT back"))  # back to the address
    assert "ໄປໃສ" in last_text(await bot.press(noy, "ADOPT back"))  # back to the country
    calls = await bot.command(noy, "/cancel")
    assert "ຍົກເລີກ" in last_text(calls)
    with bot.db.session() as session:
        assert session.exec(select(Adoption)).all() == []
        assert session.exec(select(AdoptionDraft)).all() == []


async def test_fifty_users_confirm_the_same_tree(bot: Harness) -> None:
    languages = ["zh-hans", "lo", "en"]
    users = [
        TgUser(id=5000 + n, first_name=f"U{n}", language_code=languages[n % 3]) for n in range(50)
    ]
    await asyncio.gather(*(fill_dialogue(bot, u, "KIWI-0004", False, "CN") for u in users))
    before = len(bot.api.calls)
    await asyncio.gather(*(bot.press(u, "ADOPT ok") for u in users))
    with bot.db.session() as session:
        rows = session.exec(select(Adoption)).all()
    assert len(rows) == 1 and rows[0].status == AdoptionStatus.AWAITING_PAYMENT
    replies = {
        u.id: [c for c in bot.api.calls[before:] if c.params.get("chat_id") == u.id] for u in users
    }
    sorry = {"zh-hans": "抱歉", "lo": "ຂໍອະໄພ", "en": "Sorry"}
    for user in users:
        text = " ".join(str(c.params.get("text", "")) for c in replies[user.id])
        if user.id == rows[0].user_id:
            continue
        assert sorry[user.language_code or "en"] in text
        similar = [
            c for c in replies[user.id] if "KIWI-" in json.dumps(c.params.get("reply_markup", ""))
        ]
        assert similar, "similar trees are offered"
