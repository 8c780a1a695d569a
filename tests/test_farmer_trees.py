"""The farmer's trees and tree updates: own trees only, names not contacts, news to adopters."""

from __future__ import annotations

from sqlmodel import select

from bot.notify import deliver_pending
from models.catalog.trees import TreeUpdate
from models.core.outbox import Notification
from tests.adoption_helpers import LAO_ADDRESS, paid_adoption, tree_id
from tests.backoffice_helpers import bind_farmer
from tests.factories import TgUser, make_sticker_update
from tests.harness import Harness, last_text

SHI = TgUser(id=2010, first_name="Shi", language_code="en")  # PEACH-0001, -0005 …, KIWI-0002 …
LONG = TgUser(id=2001, first_name="Long", language_code="en")  # PEACH-0004, -0008 …
PHOTO = "AgACAgIAAxkBAAIBlossoms"


def is_lao(text: str) -> bool:
    """Whether the text has Lao letters."""
    return any("\u0e80" <= ch <= "\u0eff" for ch in text)


def updates(bot: Harness) -> list[TreeUpdate]:
    """Tree updates posted in the test (the sample catalog has two on PEACH-0001)."""
    with bot.db.session() as session:
        rows = session.exec(select(TreeUpdate).order_by(TreeUpdate.id)).all()  # type: ignore[arg-type]
    return list(rows[2:])


def news_notes(bot: Harness) -> list[Notification]:
    """Queued tree-news notifications."""
    with bot.db.session() as session:
        return list(session.exec(select(Notification).where(Notification.kind == "tree_news")))


async def test_farmer_sees_only_own_trees_with_names_not_contacts(
    bot: Harness, noy: TgUser, li: TgUser
) -> None:
    bind_farmer(bot.db, SHI.id, "SBD-SHI")
    await bot.command(noy, "/start")
    await bot.command(li, "/start")
    paid_adoption(bot.db, noy.id, "PEACH-0001", nickname="ນ້ອຍນ້ອຍ")
    paid_adoption(bot.db, li.id, "PEACH-0004")  # Long's tree
    paid_adoption(bot.db, li.id, "PEACH-0005", gift_to="Bo Chen")
    await bot.command(SHI, "/farmer")
    calls = await bot.tap(SHI, "My trees")
    text = last_text(calls)
    assert "PEACH-0001" in text and "ນ້ອຍ" in text and "“ນ້ອຍນ້ອຍ”" in text
    assert "PEACH-0005" in text and "Cert 1002" in text  # a gift: the certificate's name
    assert "PEACH-0004" not in text and "Page 1 of 2" in text
    for secret in (*LAO_ADDRESS, "+856"):
        assert secret not in text
    calls = await bot.press(SHI, "FRM trees 1")
    text = last_text(calls)
    assert "PEACH-0021" in text and "PEACH-0001" not in text
    assert "not adopted in" in text


async def test_update_reaches_each_adopter_in_their_language_with_the_photo(
    bot: Harness, noy: TgUser, li: TgUser
) -> None:
    bind_farmer(bot.db, SHI.id, "SBD-SHI")
    await bot.command(noy, "/start")
    await bot.command(li, "/start")
    lao = paid_adoption(bot.db, noy.id, "PEACH-0001", nickname="ນ້ອຍ")
    paid_adoption(bot.db, li.id, "KIWI-0002")
    paid_adoption(bot.db, li.id, "PEACH-0004")  # Long's tree: not told
    await bot.command(SHI, "/farmer")
    await bot.tap(SHI, "Post a tree update")
    await bot.tap(SHI, "All my adopted trees")
    await bot.tap(SHI, "Only a photo or my own words")
    calls = await bot.photo(SHI, PHOTO, "<b>Blossoms</b> & rain")
    preview = calls[-1]
    assert preview.method == "sendPhoto" and preview.params["photo"] == PHOTO
    assert "2 adopters" in preview.params["caption"]
    assert "&lt;b&gt;Blossoms&lt;/b&gt; &amp; rain" in preview.params["caption"]
    assert updates(bot) == []  # nothing posted before the farmer confirms
    calls = await bot.tap(SHI, "Post it")
    assert "2 adopters will receive it" in last_text(calls)
    posted = updates(bot)
    assert sorted(tree_id(bot.db, c) for c in ("PEACH-0001", "KIWI-0002")) == sorted(
        u.tree_id for u in posted
    )
    assert {(u.text, u.photo) for u in posted} == {("<b>Blossoms</b> & rain", PHOTO)}
    assert sorted(n.user_id for n in news_notes(bot)) == [li.id, noy.id]
    bot.api.clear()
    await deliver_pending(bot.app)
    photos = {int(c.params["chat_id"]): c.params for c in bot.api.sent("sendPhoto")}
    assert set(photos) == {noy.id, li.id}
    assert all(p["photo"] == PHOTO for p in photos.values())
    assert is_lao(photos[noy.id]["caption"]) and "PEACH-0001 (ນ້ອຍ)" in photos[noy.id]["caption"]
    assert "KIWI-0002" in photos[li.id]["caption"] and "树" in photos[li.id]["caption"]
    for params in photos.values():
        assert "&lt;b&gt;Blossoms&lt;/b&gt; &amp; rain" in params["caption"]
    calls = await bot.press(noy, f"MYT view {lao.id}")
    assert "📷 " in last_text(calls) and "&lt;b&gt;Blossoms" in last_text(calls)


async def test_update_asks_again_on_bad_input_and_back_and_cancel_post_nothing(
    bot: Harness,
) -> None:
    bind_farmer(bot.db, SHI.id, "SBD-SHI")
    await bot.press(SHI, "FRM news")
    calls = await bot.press(SHI, f"FRM news-tree {tree_id(bot.db, 'PEACH-0004')}")  # Long's tree
    assert calls[-1].params["text"] == "This is not one of your trees."
    await bot.press(SHI, f"FRM news-tree {tree_id(bot.db, 'PEACH-0005')}")
    await bot.press(SHI, "FRM news-item own")
    calls = await bot.send(make_sticker_update(SHI))
    assert "Please send a photo" in last_text(calls) and "PEACH-0005" in last_text(calls)
    calls = await bot.text(SHI, "x" * 5000)
    assert "Please send a photo" in last_text(calls)
    calls = await bot.text(SHI, "   ")
    assert "Please send a photo" in last_text(calls)
    calls = await bot.text(SHI, "Thinned the fruit today.")
    assert "Thinned the fruit today." in last_text(calls) and "0 adopters" in last_text(calls)
    calls = await bot.tap(SHI, "Back")
    assert "send a photo" in last_text(calls)
    await bot.tap(SHI, "Back")
    assert any("Blossoming" in t for t, _ in bot.buttons(SHI))  # the news items again
    calls = await bot.tap(SHI, "Back")
    assert "Nobody has adopted your trees this season yet" in last_text(calls)
    calls = await bot.command(SHI, "/cancel")
    assert "Nothing was changed" in last_text(calls)
    await bot.text(SHI, "Thinned the fruit today.")
    assert updates(bot) == [] and news_notes(bot) == []


async def test_update_on_one_tree_without_adopters_is_posted_on_its_news(bot: Harness) -> None:
    bind_farmer(bot.db, SHI.id, "SBD-SHI")
    await bot.press(SHI, "FRM news")
    await bot.press(SHI, f"FRM news-tree {tree_id(bot.db, 'PEACH-0005')}")
    await bot.press(SHI, "FRM news-item own")
    await bot.text(SHI, "Pruned.")
    calls = await bot.press(SHI, "FRM news-post")
    assert "0 adopters" in last_text(calls)
    assert [u.text for u in updates(bot)] == ["Pruned."]
    await bot.press(SHI, "FRM news")
    calls = await bot.press(SHI, "FRM news-all")
    await bot.press(SHI, "FRM news-item own")
    await bot.text(SHI, "Nobody hears this.")
    calls = await bot.press(SHI, "FRM news-post")
    assert "None of your trees is adopted" in last_text(calls)
    assert len(updates(bot)) == 1


async def test_earnings_count_paid_adoptions_with_the_collective_share(
    bot: Harness, noy: TgUser
) -> None:
    bind_farmer(bot.db, SHI.id, "SBD-SHI")
    await bot.command(noy, "/start")
    adoption = paid_adoption(bot.db, noy.id, "PEACH-0001")
    calls = await bot.press(SHI, "FRM earnings")
    text = last_text(calls)
    amount = adoption.amount_fen
    assert f"Tree adoptions: CN¥{amount / 100:,.2f}" in text
    share = (amount * 18 + 50) // 100
    assert f"Village collective's share (18%): CN¥{share / 100:,.2f}" in text
    calls = await bot.press(LONG, "FRM earnings")  # not a farmer yet: refused
    assert calls[0].params["text"] == "Sorry, this is not allowed for your account."


async def test_a_news_item_reaches_a_lao_and_a_chinese_adopter_each_in_their_language(
    bot: Harness, noy: TgUser, li: TgUser
) -> None:
    bind_farmer(bot.db, SHI.id, "SBD-SHI")
    await bot.command(noy, "/start")
    await bot.command(li, "/start")
    paid_adoption(bot.db, noy.id, "PEACH-0001", nickname="ນ້ອຍ")
    paid_adoption(bot.db, li.id, "KIWI-0002")
    await bot.command(SHI, "/farmer")
    await bot.tap(SHI, "Post a tree update")
    await bot.tap(SHI, "All my adopted trees")
    await bot.tap(SHI, "Harvest in a few days")
    await bot.tap(SHI, "In 7 days")
    calls = await bot.text(SHI, "Sweet this year!")
    preview = last_text(calls)
    lao = "🧺 ໃກ້ຮອດລະດູເກັບກ່ຽວແລ້ວ: ອີກປະມານ 7 ມື້."
    chinese = "🧺 快到收成的时候了：大约还有 7 天。"
    # the preview shows each language's copy, as its adopter will read it, own words marked
    assert "中文, 1 adopter" in preview and "ລາວ, 1 adopter" in preview
    assert lao in preview and chinese in preview
    assert "施成富的原话：\n<i>Sweet this year!</i>" in preview
    await bot.tap(SHI, "Post it")
    assert {(u.item, u.days, u.text) for u in updates(bot)} == {
        ("harvest_soon", 7, "Sweet this year!")
    }
    bot.api.clear()
    await deliver_pending(bot.app)
    sent = {int(c.params["chat_id"]): c.params["text"] for c in bot.api.sent("sendMessage")}
    assert lao in sent[noy.id] and chinese not in sent[noy.id]
    assert "ຄຳເວົ້າຂອງ " in sent[noy.id] and "<i>Sweet this year!</i>" in sent[noy.id]
    assert chinese in sent[li.id] and "施成富的原话：" in sent[li.id]
    for text in sent.values():  # exactly what the preview promised
        assert text in preview
    calls = await bot.command(li, "/mytrees")
    calls = await bot.tap(li, "KIWI-0002")
    assert chinese in last_text(calls)


async def test_tea_trees_get_no_fruit_news_and_an_item_alone_can_be_posted(
    bot: Harness, noy: TgUser
) -> None:
    kham = TgUser(id=2020, first_name="Kham", language_code="lo")
    bind_farmer(bot.db, kham.id, "PSV-KHAM", "lo")
    await bot.command(noy, "/start")
    paid_adoption(bot.db, noy.id, "TEA-0002")  # Khamphone's
    await bot.press(kham, "FRM news")
    await bot.press(kham, "FRM news-all")
    labels = [text for text, _ in bot.buttons(kham)]
    assert "🌱 ແຕກໃບອ່ອນ" in labels and "🍏 ຕິດໝາກ" not in labels  # tea bears leaves
    await bot.tap(kham, "ແຕກໃບອ່ອນ")
    calls = await bot.tap(kham, "ຂ້າມ")  # no photo, no own words
    assert "ຕົ້ນໄມ້ຂອງທ່ານແຕກໃບອ່ອນແລ້ວ" in last_text(calls)
    await bot.tap(kham, "ໂພສເລີຍ")
    assert [(u.item, u.text) for u in updates(bot)] == [("new_leaves", "")]
    await deliver_pending(bot.app)
    told = [
        c.params["text"] for c in bot.api.sent("sendMessage") if int(c.params["chat_id"]) == noy.id
    ]
    assert "ຕົ້ນໄມ້ຂອງທ່ານແຕກໃບອ່ອນແລ້ວ" in told[-1] and "ເອງ:" not in told[-1]
