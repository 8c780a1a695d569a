"""Text at the edge: control characters removed, lengths in user-perceived characters, long and
out-of-range arguments refused (issue 14, item 4). Run on PostgreSQL too: it refuses NUL."""

from __future__ import annotations

import pytest
from sqlmodel import select
from telegram import Update

from bot.clean import bounded_int, clean, clean_update
from models.adoption.adoptions import AdoptionDraft
from models.core.contact import clean_address, clean_text, graphemes
from models.core.user import User
from tests.adoption_helpers import tree_id
from tests.conftest import ADMIN_ID
from tests.factories import TgUser, make_message_update
from tests.harness import Harness, last_text, texts
from tests.test_adopt import give_consents

LONGEST_MESSAGE = 4096
SOMSAK = "ສົມສັກ"  # 6 code points, 4 letters with their marks
OPERATOR = TgUser(id=ADMIN_ID, first_name="Operator", language_code="en")


def user_row(bot: Harness, user_id: int) -> User:
    """The user's row as stored."""
    with bot.db.session() as session:
        return session.exec(select(User).where(User.id == user_id)).one()


async def at_nickname(bot: Harness, user: TgUser) -> None:
    """An adopter opens the adoption of a tree: the first question is the nickname."""
    give_consents(bot, user)
    await bot.command(user, "/start tree_PEACH-0005")
    await bot.press(user, f"ADOPT go {tree_id(bot.db, 'PEACH-0005')}")


def nickname(bot: Harness, user: TgUser) -> str:
    """The nickname stored in the adoption draft."""
    with bot.db.session() as session:
        statement = select(AdoptionDraft.nickname).where(AdoptionDraft.user_id == user.id)
        return session.exec(statement).one()


def test_clean_removes_control_characters_but_line_breaks_and_tabs() -> None:
    assert clean("a\x00b\x07c\x7fd\x85e\r\nf\tg\ud800") == "abcde\nf\tg"
    assert clean("ສົມສັກ 🇱🇦 👨\u200d👩\u200d👧") == "ສົມສັກ 🇱🇦 👨\u200d👩\u200d👧"


def test_clean_removes_exactly_unicode_control_and_surrogate_code_points() -> None:
    """Every Cc and Cs code point but the line break and tab goes; nothing else is touched."""
    import unicodedata

    for point in range(0x110000):
        char = chr(point)
        unwanted = unicodedata.category(char) in ("Cc", "Cs") and char not in "\n\t"
        assert clean(f"a{char}b") == ("ab" if unwanted else f"a{char}b"), hex(point)


def test_lengths_count_user_perceived_characters() -> None:
    assert len(SOMSAK) == 6 and len(graphemes(SOMSAK)) == 4
    assert len(graphemes("🇱🇦👨\u200d👩\u200d👧e\u0301")) == 3
    assert clean_text(SOMSAK * 5, 20, room=40) == SOMSAK * 5  # 20 letters, 30 code points
    assert clean_text(SOMSAK * 5 + "ກ", 20, room=40) is None  # 21 letters
    assert clean_text(SOMSAK * 5, 20) is None  # the column holds 20 code points only
    assert clean_address("ເຮືອນ") is None  # 5 code points, but 4 letters: too short
    assert clean_address("ບ້ານ ເຮືອນ") == "ບ້ານ ເຮືອນ"


def test_bounded_int_refuses_what_sql_cannot_hold() -> None:
    assert bounded_int("1111111111111111111111111", 1, 2**52) is None
    assert bounded_int("٤٢", 1, 100) == 42  # Arabic-Indic digits
    assert bounded_int("²", 1, 100) is None
    assert bounded_int("-3", 1, 100) is None
    assert bounded_int("9" * 5000, 1, 100) is None


def test_clean_update_cleans_names_text_caption_contact_and_payment_details() -> None:
    user = TgUser(id=5100, first_name="Li\x00Na", last_name="W\x1bang", username="li\x00")
    data = make_message_update(user, "hi\x00 there")
    data["message"]["caption"] = "cap\x00tion"
    data["message"]["contact"] = {"phone_number": "+86\x00138", "first_name": "B\x00o"}
    update = Update.de_json(data, None)
    clean_update(update)
    message = update.effective_message
    assert message is not None and message.contact is not None and message.from_user is not None
    assert (message.text, message.caption) == ("hi there", "caption")
    assert (message.contact.phone_number, message.contact.first_name) == ("+86138", "Bo")
    sender = message.from_user
    assert (sender.first_name, sender.last_name, sender.username) == ("LiNa", "Wang", "li")
    checkout = Update.de_json(
        {
            "update_id": 9,
            "pre_checkout_query": {
                "id": "q",
                "from": user.json(),
                "currency": "CNY",
                "total_amount": 100,
                "invoice_payload": "P1\x00",
                "order_info": {
                    "name": "Bo\x00",
                    "shipping_address": {
                        "country_code": "CN",
                        "state": "",
                        "city": "Changsha\x00",
                        "street_line1": "",
                        "street_line2": "",
                        "post_code": "",
                    },
                },
            },
        },
        None,
    )
    clean_update(checkout)
    query = checkout.pre_checkout_query
    assert query is not None and query.order_info is not None
    assert query.order_info.shipping_address is not None
    assert (query.invoice_payload, query.order_info.name) == ("P1", "Bo")
    assert query.order_info.shipping_address.city == "Changsha"


async def test_a_nul_in_a_first_name_does_not_break_every_update(bot: Harness) -> None:
    user = TgUser(id=5101, first_name="Li\x00Na", last_name="Wang\x07", language_code="en")
    assert "LiNa" in last_text(await bot.command(user, "/start"))
    assert "<b>LiNa</b>" in last_text(await bot.command(user, "/start"))
    row = user_row(bot, user.id)
    assert (row.first_name, row.last_name) == ("LiNa", "Wang")


async def test_a_nul_in_typed_text_is_removed_before_the_step_sees_it(
    bot: Harness, ann: TgUser
) -> None:
    await at_nickname(bot, ann)
    await bot.text(ann, "Pea\x00chy")
    assert nickname(bot, ann) == "Peachy"


@pytest.mark.parametrize(("typed", "stored"), [(SOMSAK * 5, SOMSAK * 5), (SOMSAK * 5 + "ກ", "")])
async def test_a_lao_nickname_counts_letters_not_marks(
    bot: Harness, noy: TgUser, typed: str, stored: str
) -> None:
    await at_nickname(bot, noy)
    await bot.text(noy, typed)
    assert nickname(bot, noy) == stored


@pytest.mark.parametrize(
    "command", ["/confirm " + "A" * 4087, "/makeoperator " + "@" * 4082, "/confirm " + "桃" * 4087]
)
async def test_an_over_long_argument_is_never_echoed(bot: Harness, command: str) -> None:
    calls = await bot.command(OPERATOR, command)
    reply = last_text(calls)
    assert reply.startswith("Send /")  # how to use the command
    assert all(len(text) <= LONGEST_MESSAGE for text in texts(calls))
    assert command.split()[1][:40] not in reply


async def test_a_telegram_id_beyond_64_bits_is_a_clear_answer(bot: Harness) -> None:
    reply = last_text(await bot.command(OPERATOR, "/makeoperator 1111111111111111111111111"))
    assert reply == "No user 1111111111111111111111111 has talked to the bot yet."
    reply = last_text(await bot.command(OPERATOR, "/makeoperator ²"))
    assert reply == "No user ² has talked to the bot yet."


async def test_arguments_are_cleaned_and_escaped_in_replies(bot: Harness) -> None:
    reply = last_text(await bot.command(OPERATOR, "/confirm P\x00<b>X"))
    assert reply == "No payment has the reference P&lt;b&gt;X."
    reply = last_text(await bot.command(OPERATOR, "/makeoperator @<i>x\x00y"))
    assert reply == "No user @&lt;i&gt;xy has talked to the bot yet."
