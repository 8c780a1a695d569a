"""Privacy in tree adoption: consents before the address, /mydata, /deletemydata, retention."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from models.adoption.adoptions import Adoption, AdoptionDraft, AdoptionStatus
from models.adoption.harvests import HarvestShipment, ship_harvest
from models.core.base import utcnow
from models.core.payments import Payment, confirm_offline_payment
from models.privacy import ANONYMOUS, ErasureRequest, purge_expired
from tests.factories import TgUser
from tests.harness import Harness, last_text
from tests.test_adopt import tree_id
from tests.test_privacy import every_value, paid_total

ADOPTER = TgUser(id=918273002, first_name="Khamla", last_name="Vongsa", language_code="lo")
ADDRESS = "ບ້ານໂພນສະຫວ່າງ, ເມືອງໄຊ, ແຂວງອຸດົມໄຊ"
NICKNAME = "ຊາຫອມ"
RECIPIENT = "Bounmy Sisouk"
MESSAGE = "ສຸກສັນວັນເກີດ ເອື້ອຍ"
TRACKING = "LA987654321CN"


def draft_of(bot: Harness, user: TgUser) -> AdoptionDraft:
    """The user's adoption draft, read now."""
    with bot.db.session() as session:
        return session.get_one(AdoptionDraft, user.id)


async def lao_gift_adoption(bot: Harness) -> Adoption:
    """A Lao adopter gives a tea tree to Laos, agreeing to both consents on the way; paid."""
    await bot.command(ADOPTER, "/start tree_TEA-0002")
    await bot.press(ADOPTER, f"ADOPT go {tree_id(bot, 'TEA-0002')}")
    await bot.text(ADOPTER, NICKNAME)
    await bot.press(ADOPTER, "ADOPT skip")  # "Khamla Vongsa" on the certificate
    await bot.press(ADOPTER, "ADOPT for gift")
    await bot.text(ADOPTER, RECIPIENT)
    await bot.text(ADOPTER, MESSAGE)
    assert "ກ່ອນໃສ່ທີ່ຢູ່" in last_text(await bot.press(ADOPTER, "ADOPT to LA"))
    assert draft_of(bot, ADOPTER).address == ""
    assert "ທີ່ຢູ່" in last_text(await bot.tap(ADOPTER, "ຂ້ອຍຍິນຍອມ"))  # both, one tap
    await bot.text(ADOPTER, ADDRESS)
    await bot.press(ADOPTER, "ADOPT skip")  # the parcel goes to the gift's recipient
    await bot.text(ADOPTER, "020 5555 4321")
    await bot.press(ADOPTER, "ADOPT ok")
    with bot.db.session() as session:
        reference = session.exec(select(Payment.reference)).one()
    bot.db.call(confirm_offline_payment, reference=reference, operator_id=0)
    with bot.db.session() as session:
        adoption = session.exec(select(Adoption)).one()
    assert (adoption.address, adoption.phone) == (ADDRESS, "+8562055554321")
    assert adoption.recipient == RECIPIENT
    assert adoption.certificate_name == "Khamla Vongsa" and adoption.status == "active"
    return adoption


def ship(bot: Harness, adoption_id: int | None) -> None:
    """The post office ships the harvest share, as the back office does."""
    assert adoption_id is not None
    bot.db.call(
        ship_harvest,
        adoption_id=adoption_id,
        carrier="Lao Post",
        tracking_number=TRACKING,
        by_user_id=7000,
    )


def set_status(bot: Harness, adoption_id: int | None, status: str, **values: object) -> None:
    """Moves an adoption on, as the harvest shipping would."""
    with bot.db.session() as session:
        session.exec(
            update(Adoption)  # type: ignore[call-overload]
            .where(col(Adoption.id) == adoption_id)
            .values(status=status, **values)
        )
        session.commit()


async def test_chinese_adopter_agrees_to_the_notice_only(bot: Harness, li: TgUser) -> None:
    await bot.command(li, "/start tree_PEACH-0005")
    await bot.press(li, f"ADOPT go {tree_id(bot, 'PEACH-0005')}")
    await bot.press(li, "ADOPT skip")
    await bot.press(li, "ADOPT skip")
    await bot.press(li, "ADOPT for me")
    assert "填写地址之前" in last_text(await bot.press(li, "ADOPT to CN"))
    calls = await bot.tap(li, "我同意")  # China, in Chinese: no cross-border consent
    assert "收货地址" in last_text(calls)  # one tap: straight to the address question
    assert "收件人" in last_text(await bot.text(li, "湖南省长沙市岳麓路 12 号"))
    assert draft_of(bot, li).address == "湖南省长沙市岳麓路 12 号"


async def test_declining_stores_no_address(bot: Harness, ann: TgUser) -> None:
    await bot.command(ann, "/start tree_PEACH-0005")
    await bot.press(ann, f"ADOPT go {tree_id(bot, 'PEACH-0005')}")
    for data in ("ADOPT skip", "ADOPT skip", "ADOPT for me"):
        await bot.press(ann, data)
    await bot.press(ann, "ADOPT to LA")  # to Laos: both consents
    assert "nothing about your address" in last_text(await bot.tap(ann, "Not now"))
    calls = await bot.text(ann, "1 Main Street, Vientiane")  # still at the destination step
    assert "Please tap one of the buttons" in last_text(calls)
    assert draft_of(bot, ann).address == ""


async def test_shipped_adoption_is_erased_and_sales_stay(bot: Harness) -> None:
    adoption = await lao_gift_adoption(bot)
    ship(bot, adoption.id)
    calls = await bot.command(ADOPTER, "/mydata")
    document = next(c for c in calls if c.method == "sendDocument")
    [mine] = json.loads(document.files["document"][1])["adoptions"]["adoptions"]
    assert (mine["address"], mine["nickname"], mine["gift_message"]) == (ADDRESS, NICKNAME, MESSAGE)
    assert mine["tree_code"] == "TEA-0002" and mine["gift_recipient"] == RECIPIENT
    assert mine["harvest_parcel"]["tracking_number"] == TRACKING

    sales = paid_total(bot)
    await bot.command(ADOPTER, "/deletemydata")
    assert "ລຶບຂໍ້ມູນສ່ວນຕົວຂອງທ່ານແລ້ວ" in last_text(await bot.tap(ADOPTER, "ແມ່ນ, ລຶບ"))

    secrets = ["Khamla", "Vongsa", ADDRESS, "4321", NICKNAME, "Bounmy", "ສຸກສັນ", TRACKING]
    for table, column, value in every_value(bot):
        assert value != ADOPTER.id, (table, column)
        if isinstance(value, str):
            for secret in secrets:
                assert secret not in value, (table, column, secret)
    assert paid_total(bot) == sales
    with bot.db.session() as session:
        kept = session.get_one(Adoption, adoption.id)
        assert session.get(ErasureRequest, ADOPTER.id) is None
    assert (kept.amount_fen, kept.season, kept.tree_id) == (
        adoption.amount_fen,
        adoption.season,
        adoption.tree_id,
    )
    assert kept.certificate_no == adoption.certificate_no and kept.user_id == 0


async def test_active_adoption_keeps_delivery_details_until_shipped(bot: Harness) -> None:
    adoption = await lao_gift_adoption(bot)
    await bot.command(ADOPTER, "/deletemydata")
    calls = await bot.tap(ADOPTER, "ແມ່ນ, ລຶບ")
    assert "ຍັງ" in last_text(calls)  # something is kept for now, and why
    with bot.db.session() as session:
        kept = session.get_one(Adoption, adoption.id)
        assert session.get(ErasureRequest, ADOPTER.id) is not None
    assert (kept.user_id, kept.address, kept.phone) == (ADOPTER.id, ADDRESS, "+8562055554321")
    assert kept.recipient == RECIPIENT  # the parcel is not shipped yet
    assert (kept.certificate_name, kept.nickname, kept.gift_recipient, kept.gift_message) == (
        ANONYMOUS,
        ANONYMOUS,
        ANONYMOUS,
        ANONYMOUS,
    )
    ship(bot, adoption.id)
    counts = bot.db.call(purge_expired, before=utcnow() - timedelta(days=180))
    assert counts["erasures_completed"] == 1
    with bot.db.session() as session:
        done = session.get_one(Adoption, adoption.id)
        assert session.get(ErasureRequest, ADOPTER.id) is None
    assert (done.user_id, done.address, done.phone) == (0, ANONYMOUS, ANONYMOUS)
    assert done.recipient == ANONYMOUS
    with bot.db.session() as session:
        assert session.exec(select(HarvestShipment.tracking_number)).one() == ANONYMOUS


async def test_retention_erases_old_finished_adoptions_only(bot: Harness) -> None:
    adoption = await lao_gift_adoption(bot)
    long_ago = utcnow() - timedelta(days=400)
    copies = {}
    with bot.db.session() as session:
        original = session.get_one(Adoption, adoption.id)
        for name, status, season, expired_at in (
            ("old_expired", AdoptionStatus.EXPIRED, "2024", long_ago),
            ("old_shipped", AdoptionStatus.HARVEST_SHIPPED, "2023", None),
            ("recent_expired", AdoptionStatus.EXPIRED, "2025", utcnow()),
        ):
            row = Adoption(
                **original.model_dump(exclude={"id", "hold_key", "certificate_no"}),
            )
            row.status, row.season, row.expired_at = status, season, expired_at
            session.add(row)
            session.flush()
            copies[name] = row.id
        session.commit()
    counts = bot.db.call(purge_expired, before=utcnow() - timedelta(days=180))
    assert counts["adoptions"] == 2
    with bot.db.session() as session:
        rows = {row.id: row for row in session.exec(select(Adoption))}
    for name in ("old_expired", "old_shipped"):
        assert (rows[copies[name]].address, rows[copies[name]].phone) == (ANONYMOUS, ANONYMOUS)
        assert rows[copies[name]].user_id == ADOPTER.id  # retention keeps the link
    assert rows[copies["recent_expired"]].address == ADDRESS
    assert rows[adoption.id].address == ADDRESS  # still active
