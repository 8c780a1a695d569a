"""/mydata answers people, not only machines: a readable summary in the user's language comes
before the JSON file, with their orders, adoptions, phone numbers, addresses and consents."""

from __future__ import annotations

from models.privacy import ConsentKind, record_consent
from tests.factories import TgUser
from tests.harness import Harness
from tests.shop_helpers import order_now


async def test_mydata_starts_with_a_summary_in_the_users_language(
    bot: Harness, li: TgUser, noy: TgUser
) -> None:
    await bot.command(li, "/start")
    order_now(bot.db, li.id, "KIWI-5KG")
    bot.db.call(record_consent, user_id=li.id, kind=ConsentKind.NOTICE)
    calls = await bot.command(li, "/mydata")
    assert [c.method for c in calls] == ["sendMessage", "sendDocument"]
    text = calls[0].params["text"]
    assert text.startswith("<b>我们保存的您的信息</b>")
    assert "Telegram 名字：李娜" in text and "1 个订单" in text and "认养了 0 棵树" in text
    assert "您已同意：隐私说明" in text
    assert "• 地址：湖南省长沙市岳麓区麓山南路 1 号 李娜" in text.splitlines()
    assert "• 电话：138 0013 8000" in text.splitlines()  # stored as the helper gave it
    await bot.command(noy, "/start")
    calls = await bot.command(noy, "/mydata")
    text = calls[0].params["text"]
    assert "ຂໍ້ມູນຂອງທ່ານທີ່ພວກເຮົາເກັບໄວ້" in text and "0 ອໍເດີ" in text
    assert "ທ່ານໄດ້ຍິນຍອມ: —" in text
