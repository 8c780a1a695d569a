"""A card with a picture opened from a list takes the list's place (editMessageMedia)."""

from __future__ import annotations

from typing import Any

from handlers.kit.pictures import CACHE_KEY
from tests.adoption_helpers import tree_id
from tests.factories import TgUser
from tests.harness import Harness, last_text, texts
from tests.shop_helpers import product


def the_edit(calls: list[Any]) -> Any:
    """The one editMessageMedia among a tap's calls."""
    [edit] = [call for call in calls if call.method == "editMessageMedia"]
    return edit


def callback_data(call: Any) -> list[str]:
    """The callback data of every button of an edit's keyboard."""
    rows = call.params["reply_markup"]["inline_keyboard"]
    return [button.get("callback_data", "") for row in rows for button in row]


async def peach_list(bot: Harness, user: TgUser) -> int:
    """Opens the first page of the peach trees; returns the list's message id."""
    await bot.command(user, "/start")
    await bot.press(user, "TREE")
    listed = await bot.press(user, "TREE list species 1 0")
    return int(listed[-1].result["message_id"])


async def test_a_product_tapped_on_its_shelf_becomes_its_card_in_place(
    bot: Harness, ann: TgUser
) -> None:
    await bot.command(ann, "/shop")
    await bot.tap(ann, "Honey")
    shelf = bot._last_keyboard[ann.id]
    honey = product(bot.db, "HONEY-500G")
    calls = await bot.press(ann, f"SHOP product {honey.id}")
    assert sorted(call.method for call in calls) == ["answerCallbackQuery", "editMessageMedia"]
    edit = the_edit(calls)
    assert edit.params["message_id"] == shelf["message_id"]  # the shelf's own message
    assert edit.params["media"]["type"] == "photo"
    assert edit.files["media"][1][:3] == b"\xff\xd8\xff"  # the sample JPEG, uploaded once
    assert "Shibadong wild honey" in edit.params["media"]["caption"]
    assert f"SHOP add {honey.id}" in callback_data(edit)
    card = bot.api.sent_messages[(ann.id, shelf["message_id"])]
    assert card["photo"] and "text" not in card and card["caption"] == last_text(calls)
    calls = await bot.tap(ann, "Add to cart")
    assert [call.method for call in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == "Added. In your cart: 1."
    calls = await bot.tap(ann, "Back")  # a photo cannot become text: the shelf comes anew
    assert [call.method for call in calls] == ["answerCallbackQuery", "sendMessage"]
    assert "Shibadong wild honey" in last_text(calls)
    calls = await bot.press(ann, f"SHOP product {honey.id}")
    edit = the_edit(calls)
    assert not edit.files  # the file_id Telegram gave the first upload
    cached = bot.app.bot_data[CACHE_KEY]["sample:product-honey-500g.jpg"]
    assert edit.params["media"]["media"] == cached


async def test_a_tree_tapped_in_its_list_becomes_its_card_in_lao(bot: Harness, noy: TgUser) -> None:
    list_id = await peach_list(bot, noy)
    calls = await bot.press(noy, f"TREE card {tree_id(bot.db, 'PEACH-0001')} species 1 0")
    assert sorted(call.method for call in calls) == ["answerCallbackQuery", "editMessageMedia"]
    edit = the_edit(calls)
    assert edit.params["message_id"] == list_id
    assert "PEACH-0001" in edit.params["media"]["caption"]
    assert "ປູກປີ" in edit.params["media"]["caption"]  # "planted in", in Lao
    assert "TREE list species 1 0" in callback_data(edit)  # back to the same page
    calls = await bot.tap(noy, "ຮັບລ້ຽງຕົ້ນນີ້")  # adopt this tree: its first question, anew
    assert [call.method for call in calls] == ["answerCallbackQuery", "sendMessage"]


async def test_a_card_telegram_will_not_edit_comes_as_a_new_picture(
    bot: Harness, li: TgUser
) -> None:
    await peach_list(bot, li)
    bot.api.fail_next("editMessageMedia", description="Bad Request: message can't be edited")
    calls = await bot.press(li, f"TREE card {tree_id(bot.db, 'PEACH-0002')} species 1 0")
    methods = sorted(call.method for call in calls)
    assert methods == ["answerCallbackQuery", "editMessageMedia", "sendPhoto"]
    [photo] = bot.api.sent("sendPhoto")
    assert "PEACH-0002" in photo.params["caption"] and "种植于" in photo.params["caption"]
    assert not any("抱歉" in text for text in texts(calls))


async def test_the_same_card_tapped_twice_changes_nothing_and_says_nothing(
    bot: Harness, ann: TgUser
) -> None:
    await peach_list(bot, ann)
    card = f"TREE card {tree_id(bot.db, 'PEACH-0003')} species 1 0"
    await bot.press(ann, card)
    bot.api.fail_next(
        "editMessageMedia",
        description="Bad Request: message is not modified: specified new message content and "
        "reply markup are exactly the same as a current content and reply markup of the message",
    )
    calls = await bot.press(ann, card)
    assert sorted(call.method for call in calls) == ["answerCallbackQuery", "editMessageMedia"]
    assert not any("Sorry" in text for text in texts(calls))
