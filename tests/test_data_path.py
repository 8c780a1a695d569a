"""Whether the cross-border consent is asked follows where the personal data really goes: kept
in DATA_COUNTRY, the parcel's details to the destination's post, the farmers' view to the
selling village's country; the buyer's language plays no part. The screens say where it goes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.config import ConfigError, Settings
from models.privacy import Consent, ConsentKind, DataPath, is_cross_border
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.shop_helpers import ready_cart


def operator_in(bot: Harness, country: str) -> None:
    """Runs the bot as a post office that keeps its data in `country`."""
    bot.app.bot_data["settings"] = replace(bot.app.bot_data["settings"], data_country=country)


def consents(bot: Harness, user: TgUser) -> list[str]:
    """The kinds of consent the user has given."""
    from sqlmodel import select

    with bot.db.session() as session:
        return sorted(
            c.kind for c in session.exec(select(Consent).where(Consent.user_id == user.id))
        )


async def checkout_to(bot: Harness, user: TgUser, sku: str, country: str) -> str:
    """Fills the cart with `sku`, checks out and picks the destination: the screen shown."""
    ready_cart(bot.db, user.id, sku, country=country)
    await bot.command(user, "/cart")
    version = next(d for _, d in bot.buttons(user) if d.startswith("CHK go"))
    await bot.press(user, version)
    return last_text(await bot.press(user, f"CHK to {country}"))


def test_the_path_decides_not_the_language() -> None:
    assert not is_cross_border(kept_in="CN", destination="CN", villages={"CN"})
    assert is_cross_border(kept_in="CN", destination="LA", villages={"LA"})
    assert is_cross_border(kept_in="CN", destination="CN", villages={"CN", "LA"})
    assert not is_cross_border(kept_in="LA", destination="LA", villages={"LA"})
    assert is_cross_border(kept_in="LA", destination="CN", villages={"LA"})
    for path in (
        DataPath("CN", "CN", frozenset({"CN"})),
        DataPath("CN", "LA", frozenset({"CN"})),
        DataPath("CN", "CN", frozenset({"LA"})),
        DataPath("LA", "CN", frozenset({"CN"})),
    ):
        again = DataPath.from_code(path.code, path.kept_in)
        assert again is not None and again.code == path.code
        assert (again.abroad_destination, again.abroad_villages) == (
            path.abroad_destination,
            path.abroad_villages,
        )
    assert DataPath.from_code("1", "CN") is None  # a screen made before: the general wording
    assert Settings().data_country == "CN"
    assert Settings.from_env({"DATA_COUNTRY": "la"}, env_file=None).data_country == "LA"
    with pytest.raises(ConfigError, match="DATA_COUNTRY"):
        Settings.from_env({"DATA_COUNTRY": "TH"}, env_file=None)


async def test_chinese_buyer_within_china_is_not_asked_about_the_border(
    bot: Harness, li: TgUser
) -> None:
    screen = await checkout_to(bot, li, "KIWI-5KG", "CN")
    assert "填写地址之前" in screen and "数据跨境" not in screen
    assert bot.buttons(li)[0][1] == "PRIV OK a 0 CHK to CN"
    calls = await bot.press(li, "PRIV OK a 0 CHK to CN")
    assert "请发送中国的收货地址" in last_text(calls)
    assert consents(bot, li) == [ConsentKind.NOTICE]


async def test_lao_speaker_buying_chinese_kiwifruit_for_china_is_not_asked(
    bot: Harness, noy: TgUser
) -> None:
    # the data stays in China whatever language its owner reads
    screen = await checkout_to(bot, noy, "KIWI-5KG", "CN")
    assert "ຊາຍແດນ" not in screen and bot.buttons(noy)[0][1] == "PRIV OK a 0 CHK to CN"


async def test_lao_villages_rice_to_laos_asks_and_says_where_the_data_goes(
    bot: Harness, noy: TgUser
) -> None:
    screen = await checkout_to(bot, noy, "RICE-5KG", "LA")
    assert "<b>ຂໍ້ມູນຂ້າມຊາຍແດນ</b>" in screen
    assert "ໄປສະນີເກັບຂໍ້ມູນຂອງທ່ານໄວ້ຢູ່ປະເທດຈີນ." in screen  # kept in China
    assert "ໃຫ້ໄປສະນີລາວ" in screen  # the parcel's details go to Lao Post
    assert "ຊາວສວນຢູ່ປະເທດລາວ" in screen  # the farmers in Laos see their part
    assert bot.buttons(noy)[0][1] == "PRIV OK a b CHK to LA"
    calls = await bot.press(noy, "PRIV OK a b CHK to LA")
    assert "ບ້ານ, ເມືອງ, ແຂວງ" in last_text(calls)
    assert consents(bot, noy) == [ConsentKind.CROSS_BORDER, ConsentKind.NOTICE]


async def test_english_consent_screen_names_the_countries_and_the_post(
    bot: Harness, ann: TgUser
) -> None:
    screen = await checkout_to(bot, ann, "RICE-5KG", "LA")
    assert (
        "The post office keeps your data in China.\n"
        "This parcel goes to Laos: the recipient's name, phone number and address go to Lao "
        "Post, only to deliver it.\n"
        "The farmers in Laos who grow your tree or pack your order see your Telegram name,"
    ) in screen


async def test_with_a_lao_operator_the_lao_domestic_order_is_not_asked(
    bot: Harness, noy: TgUser
) -> None:
    operator_in(bot, "LA")
    screen = await checkout_to(bot, noy, "RICE-5KG", "LA")
    assert "ຊາຍແດນ" not in screen and bot.buttons(noy)[0][1] == "PRIV OK a 0 CHK to LA"
    await bot.press(noy, "PRIV OK a 0 CHK to LA")
    assert consents(bot, noy) == [ConsentKind.NOTICE]


async def test_with_a_lao_operator_chinese_kiwifruit_to_china_is_asked(
    bot: Harness, li: TgUser
) -> None:
    operator_in(bot, "LA")
    screen = await checkout_to(bot, li, "KIWI-5KG", "CN")
    assert "邮政所把您的数据保存在老挝。" in screen and "中国邮政" in screen
    assert "在中国为您种树或打包订单的农户" in screen


async def adopt_to(bot: Harness, user: TgUser, code: str, country: str) -> str:
    """Opens a tree, goes through to the destination and picks it: the screen shown."""
    from tests.adoption_helpers import tree_id

    await bot.command(user, f"/start tree_{code}")
    await bot.press(user, f"ADOPT go {tree_id(bot.db, code)}")
    for data in ("ADOPT skip", "ADOPT skip", "ADOPT for me"):
        await bot.press(user, data)
    return last_text(await bot.press(user, f"ADOPT to {country}"))


async def test_adoption_follows_the_trees_village(bot: Harness, noy: TgUser, li: TgUser) -> None:
    # a Lao speaker adopting a Chinese peach for China: nothing leaves China
    screen = await adopt_to(bot, noy, "PEACH-0005", "CN")
    assert "ຊາຍແດນ" not in screen and bot.buttons(noy)[0][1] == "PRIV OK a 0 ADOPT to CN"
    # a Lao tea tree, its harvest to China: the tea farmers in Laos see their part
    screen = await adopt_to(bot, li, "TEA-0002", "CN")
    assert "在老挝为您种树或打包订单的农户" in screen
    assert bot.buttons(li)[0][1] == "PRIV OK a v ADOPT to CN"


async def test_adoption_with_a_lao_operator_lao_tea_to_laos_is_not_asked(
    bot: Harness, noy: TgUser
) -> None:
    operator_in(bot, "LA")
    screen = await adopt_to(bot, noy, "TEA-0002", "LA")
    assert "ຊາຍແດນ" not in screen and bot.buttons(noy)[0][1] == "PRIV OK a 0 ADOPT to LA"


async def test_the_notice_names_the_country_the_data_is_kept_in(
    bot: Harness, ann: TgUser, noy: TgUser
) -> None:
    notice = last_text(await bot.command(ann, "/privacy"))
    assert "<b>Where.</b> The post office keeps your data in China." in notice
    assert "villages in China and Laos" in notice and "(China Post and Lao Post)" in notice
    operator_in(bot, "LA")
    notice = last_text(await bot.command(noy, "/privacy"))
    assert "ໄປສະນີເກັບຂໍ້ມູນຂອງທ່ານໄວ້ຢູ່ປະເທດລາວ." in notice
    assert "ກ່ອນຂໍ້ມູນຂອງທ່ານອອກຈາກປະເທດລາວ" in notice
