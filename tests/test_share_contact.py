"""Telegram's shared contact at every phone step (issue 14, item 3): a "📱 Share my number" reply
button, the sender's own contact taken through the same phone check, anyone else's refused, and
the reply keyboard removed once a number is taken."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.offline import ApiCall
from tests.factories import TgUser, _message, next_update_id
from tests.harness import Harness, last_text
from tests.test_hardening_phone import (
    at_adoption_phone,
    at_checkout_phone,
    cart_phone,
    draft_phone,
)

Reach = Callable[[Harness, TgUser], Awaitable[None]]
STEPS: dict[str, tuple[Reach, Callable[[Harness, TgUser], Any]]] = {
    "checkout": (at_checkout_phone, cart_phone),
    "adoption": (at_adoption_phone, draft_phone),
}
SHARE = {"zh": "分享我的号码", "lo": "ແບ່ງປັນເບີຂອງຂ້ອຍ", "en": "Share my number"}


def contact_update(user: TgUser, phone: str, owner: int | None) -> dict[str, Any]:
    """A message carrying a Contact: the user's own (owner = their id) or someone else's."""
    contact: dict[str, Any] = {"phone_number": phone, "first_name": user.first_name}
    if owner is not None:
        contact["user_id"] = owner
    return {"update_id": next_update_id(), "message": _message(user, contact=contact)}


def markups(calls: list[ApiCall]) -> list[dict[str, Any]]:
    """The reply_markup of every message sent, as JSON."""
    found = []
    for call in calls:
        markup = call.params.get("reply_markup")
        if markup:
            found.append(json.loads(markup) if isinstance(markup, str) else markup)
    return found


def share_buttons(calls: list[ApiCall]) -> list[dict[str, Any]]:
    """The request_contact buttons of the reply keyboards sent."""
    return [
        button
        for markup in markups(calls)
        for row in markup.get("keyboard", [])
        for button in row
        if button.get("request_contact")
    ]


def removed(calls: list[ApiCall]) -> bool:
    """Whether a message took the reply keyboard away."""
    return any(markup.get("remove_keyboard") for markup in markups(calls))


@pytest.mark.parametrize("step", sorted(STEPS))
@pytest.mark.parametrize(("who", "lang"), [("li", "zh"), ("noy", "lo"), ("ann", "en")])
async def test_the_phone_step_offers_a_share_button(
    bot: Harness, step: str, who: str, lang: str, request: pytest.FixtureRequest
) -> None:
    user: TgUser = request.getfixturevalue(who)
    before = len(bot.api.calls)
    await STEPS[step][0](bot, user)
    [button] = share_buttons(bot.api.calls[before:])
    assert SHARE[lang] in button["text"]
    keyboard = next(m for m in markups(bot.api.calls[before:]) if "keyboard" in m)
    assert keyboard.get("one_time_keyboard") is True


@pytest.mark.parametrize("step", sorted(STEPS))
async def test_the_users_own_contact_is_taken_and_the_keyboard_removed(
    bot: Harness, li: TgUser, step: str
) -> None:
    reach, stored = STEPS[step]
    await reach(bot, li)
    calls = await bot.send(contact_update(li, "8613812345678", owner=li.id))
    assert stored(bot, li) == "+8613812345678"
    assert removed(calls)
    assert any("+8613812345678" in (c.params.get("text") or "") for c in calls)


@pytest.mark.parametrize("step", sorted(STEPS))
@pytest.mark.parametrize("owner", [4242, None], ids=["someone else", "no owner"])
async def test_someone_elses_contact_is_refused(
    bot: Harness, li: TgUser, step: str, owner: int | None
) -> None:
    reach, stored = STEPS[step]
    await reach(bot, li)
    calls = await bot.send(contact_update(li, "8613812345678", owner=owner))
    assert "不是您的" in last_text(calls)
    assert not stored(bot, li)
    assert share_buttons(calls)  # offered again: the one-time button went away when used
    assert not removed(calls)


@pytest.mark.parametrize("step", sorted(STEPS))
async def test_a_shared_number_goes_through_the_same_check(
    bot: Harness, noy: TgUser, step: str
) -> None:
    reach, stored = STEPS[step]
    await reach(bot, noy)  # delivery in China, a Lao number shared
    calls = await bot.send(contact_update(noy, "+8562055551234", owner=noy.id))
    assert not stored(bot, noy)
    assert "ຈີນ" in last_text(calls) and not removed(calls)
    await bot.text(noy, "138 1234 5678")  # typing still works, and removes the keyboard too
    assert stored(bot, noy) == "+8613812345678"
