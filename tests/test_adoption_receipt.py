"""Adoption receipts again from /mytrees: the adopter's own paid adoptions only."""

from __future__ import annotations

import io

from PIL import Image

from bot.i18n import translator
from handlers.payment.receipts import receipt_content
from models.core.payments import Payment
from models.payment.receipts import receipt_facts
from tests.adoption_helpers import paid_adoption
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import buyer


def reference_of(bot: Harness, adoption_id: int | None) -> str:
    """The adoption's payment reference."""
    from sqlmodel import select

    with bot.db.session() as session:
        return session.exec(
            select(Payment.reference).where(
                Payment.kind == "adoption", Payment.target_id == adoption_id
            )
        ).one()


async def test_adopter_resends_the_receipt_from_my_trees(bot: Harness, li: TgUser) -> None:
    buyer(bot.db, li.id, "zh")
    adoption = paid_adoption(bot.db, li.id, "PEACH-0007")
    await bot.command(li, "/mytrees")
    await bot.press(li, f"MYT view {adoption.id}")
    bot.api.clear()
    calls = await bot.tap(li, "🧾 收据")
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    assert photo.params["chat_id"] == li.id
    assert photo.params["caption"] == f"🧾 {adoption.certificate_no} 的收据。谢谢！"
    png = Image.open(io.BytesIO(photo.files["photo"][1]))
    assert png.format == "PNG" and png.width == 900
    assert [c.method for c in calls if c.method == "answerCallbackQuery"]
    # what the picture says: issuer, number, tree and season, method, reference, share
    reference = reference_of(bot, adoption.id)
    facts = bot.db.call(receipt_facts, reference=reference, user_id=li.id)
    assert facts is not None
    content = receipt_content(translator("zh"), facts)
    assert content.issuer.endswith("邮政所")
    rows = dict(content.facts)
    assert adoption.certificate_no in rows.values() and reference in rows.values()
    [(item, amount)] = content.items
    assert "PEACH-0007" in item and adoption.season in item and amount.startswith("¥")
    assert content.total[1] == amount
    assert any("村集体" in note for note in content.notes)


async def test_someone_elses_adoption_gets_no_receipt(
    bot: Harness, li: TgUser, noy: TgUser
) -> None:
    buyer(bot.db, li.id, "zh")
    buyer(bot.db, noy.id, "lo")
    adoption = paid_adoption(bot.db, li.id, "PEACH-0007")
    await bot.command(noy, "/mytrees")
    bot.api.clear()
    calls = await bot.press(noy, f"MYT receipt {adoption.id}")
    assert not [c for c in calls if c.method in ("sendPhoto", "sendDocument")]
    assert last_text(calls) == "ການຮັບລ້ຽງຕົ້ນໄມ້ນີ້ຍັງບໍ່ມີໃບຮັບເງິນ."
    assert "answerCallbackQuery" in [c.method for c in calls]  # the tap is answered
