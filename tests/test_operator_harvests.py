"""Harvest shares in the back office, adoption stats and export, and their role checks."""

from __future__ import annotations

import argparse
import csv
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import cmd_export
from bot.config import Settings
from bot.notify import deliver_pending
from models.adoption.adoptions import Adoption, AdoptionStatus
from models.adoption.harvests import HarvestError, HarvestShipment, ship_harvest
from models.catalog.trees import TreeUpdate
from models.core.outbox import Notification
from models.reporting.export import BOM
from tests.adoption_helpers import LAO_ADDRESS, adoption_row, paid_adoption
from tests.backoffice_helpers import bind_farmer
from tests.factories import TgUser
from tests.harness import Harness, last_text

NOT_ALLOWED = "Sorry, this is not allowed for your account."
FARMER = TgUser(id=2010, first_name="Shi", language_code="en")


def snapshot(bot: Harness) -> tuple[object, ...]:
    """What a refused action must leave as it was."""
    with bot.db.session() as session:
        adoptions = [(a.id, a.status) for a in session.exec(select(Adoption))]
        parcels = len(session.exec(select(HarvestShipment)).all())
        news = len(session.exec(select(TreeUpdate)).all())
        notes = len(session.exec(select(Notification)).all())
    return adoptions, parcels, news, notes


@pytest.fixture
async def adoption(bot: Harness, noy: TgUser) -> Adoption:
    """A Lao buyer's paid adoption of PEACH-0001 (farmer Shi's tree, Shi bound)."""
    bind_farmer(bot.db, FARMER.id, "SBD-SHI")
    await bot.command(noy, "/start")
    return paid_adoption(bot.db, noy.id, "PEACH-0001", nickname="ນ້ອຍ")


async def test_operator_ships_a_harvest_and_the_lao_adopter_is_told_in_lao(
    bot: Harness, admin: TgUser, noy: TgUser, adoption: Adoption
) -> None:
    admin_en = TgUser(id=admin.id, first_name="Operator", language_code="en")
    await bot.command(admin_en, "/ops")
    calls = await bot.tap(admin_en, "Harvests to ship")
    assert "PEACH-0001" in last_text(calls) and "20 kg" in last_text(calls)
    calls = await bot.press(admin_en, f"OPH view {adoption.id}")
    text = last_text(calls)
    assert LAO_ADDRESS[0] in text and LAO_ADDRESS[1] in text and "Laos" in text
    await bot.tap(admin_en, "Ship harvest")
    await bot.tap(admin_en, "EMS")
    calls = await bot.text(admin_en, "no!")
    assert "A tracking number has 6 to 40" in last_text(calls)
    calls = await bot.text(admin_en, "ea123456789cn")
    assert "Shipped. The adopter is being told" in last_text(calls)
    assert adoption_row(bot.db, adoption.id).status == AdoptionStatus.HARVEST_SHIPPED
    with bot.db.session() as session:
        parcel = session.exec(select(HarvestShipment)).one()
    assert (parcel.carrier, parcel.tracking_number, parcel.shipped_by) == (
        "ems",  # a listed carrier is stored as its code
        "EA123456789CN",
        admin.id,
    )
    bot.api.clear()
    await deliver_pending(bot.app)
    message = bot.api.sent("sendMessage")[-1].params
    assert int(message["chat_id"]) == noy.id and "EA123456789CN" in message["text"]
    assert "ກຳລັງສົ່ງໄປຫາທ່ານ" in message["text"]  # written in Lao
    calls = await bot.press(admin_en, f"OPH ship {adoption.id}")  # a second shipment
    await bot.press(admin_en, "OPH carrier 0")
    calls = await bot.text(admin_en, "EA000000000CN")
    assert "moved on in the meantime" in last_text(calls)
    assert len(bot.db.call(lambda session: session.exec(select(HarvestShipment)).all())) == 1
    calls = await bot.tap(admin_en, "Mark completed")
    assert "Marked completed." in last_text(calls)
    assert adoption_row(bot.db, adoption.id).status == AdoptionStatus.COMPLETED


async def test_operator_types_another_carrier_and_goes_back(
    bot: Harness, admin: TgUser, adoption: Adoption
) -> None:
    await bot.press(admin, f"OPH ship {adoption.id}")
    await bot.press(admin, "OPH carrier other")
    calls = await bot.text(admin, "x")
    assert "2" in last_text(calls) and "40" in last_text(calls)
    await bot.text(admin, "Lao   Express")
    calls = await bot.press(admin, "OPH back")
    assert {"🚚 EMS", "🚚 中国邮政", "🚚 顺丰速运", "🚚 老挝邮政"} <= {
        t for t, _ in bot.buttons(admin)
    }
    await bot.press(admin, "OPH carrier other")
    await bot.text(admin, "Lao Express")
    await bot.text(admin, "LX-123456")
    with bot.db.session() as session:
        assert session.exec(select(HarvestShipment.carrier)).one() == "Lao Express"


OPERATOR_BUTTONS = [
    "OPH list ready 0",
    "OPH list sent 0",
    "OPH view {id}",
    "OPH ship {id}",
    "OPH complete {id}",
    "OPH carrier 0",
    "OPH back",
    "OPS export adoptions",
]


@pytest.mark.parametrize("who", ["buyer", "farmer"])
@pytest.mark.parametrize("data", OPERATOR_BUTTONS)
async def test_forged_harvest_buttons_are_refused(
    bot: Harness, ann: TgUser, adoption: Adoption, who: str, data: str
) -> None:
    user = ann if who == "buyer" else FARMER
    before = snapshot(bot)
    calls = await bot.press(user, data.format(id=adoption.id))
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == NOT_ALLOWED
    assert snapshot(bot) == before


@pytest.mark.parametrize(
    "data", ["FRM trees 0", "FRM news", "FRM news-all", "FRM news-tree 1", "FRM news-post"]
)
async def test_forged_farmer_tree_buttons_refuse_a_buyer(
    bot: Harness, ann: TgUser, adoption: Adoption, data: str
) -> None:
    before = snapshot(bot)
    calls = await bot.press(ann, data)
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == NOT_ALLOWED
    assert snapshot(bot) == before


async def test_buyer_cannot_export_adoptions_or_type_a_tracking_number(
    bot: Harness, ann: TgUser, adoption: Adoption
) -> None:
    before = snapshot(bot)
    calls = await bot.command(ann, "/export adoptions")
    assert last_text(calls) == NOT_ALLOWED
    await bot.press(ann, f"OPH ship {adoption.id}")
    calls = await bot.text(ann, "EA123456789CN")
    assert "did not understand" in last_text(calls)
    assert snapshot(bot) == before


async def test_stats_show_adoptions_per_season_and_village(
    bot: Harness, admin: TgUser, adoption: Adoption
) -> None:
    admin_en = TgUser(id=admin.id, first_name="Operator", language_code="en")
    calls = await bot.command(admin_en, "/stats")
    text = next(c.params["text"] for c in calls if c.method == "sendMessage")
    amount = f"CN¥{adoption.amount_fen / 100:,.2f}"
    assert f"{adoption.season}: 1 tree, {amount}" in text
    share = (adoption.amount_fen * 18 + 50) // 100
    assert f"collective 18%: CN¥{share / 100:,.2f}" in text.split("Tree adoptions by village")[1]


def read_csv(content: bytes) -> list[list[str]]:
    """Rows of an export, after checking its byte-order mark."""
    text = content.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:])))


async def test_export_adoptions_in_the_chat_and_from_the_command_line(
    bot: Harness, admin: TgUser, noy: TgUser, adoption: Adoption, tmp_path: Path
) -> None:
    await bot.command(admin, "/ops")
    await bot.tap(admin, "更多工具")  # the rarer tools are one screen further
    calls = await bot.tap(admin, "CSV")  # the orders export comes first
    calls = await bot.press(admin, "OPS export adoptions")
    document = next(c for c in calls if c.method == "sendDocument")
    assert document.files["document"][0].startswith("adoptions-")
    rows = read_csv(document.files["document"][1])
    header = rows[0]  # in the operator's language (Chinese), personal data marked
    for column in ("认养人姓名", "地址", "电话", "受赠人", "昵称"):
        assert f"{column}（个人数据）" in header
    row = dict(zip(header, rows[1], strict=True))
    assert row["认养人姓名（个人数据）"] == "ນ້ອຍ"
    assert row["地址（个人数据）"] == LAO_ADDRESS[0]
    assert (row["树木编号"], row["状态"], row["国家"]) == ("PEACH-0001", "认养中", "LA")
    assert row["证书编号"] == adoption.certificate_no
    output = tmp_path / "adoptions.csv"
    args = argparse.Namespace(kind="adoptions", output=str(output))
    assert cmd_export(Settings(), bot.db, args) == 0
    codes = read_csv(output.read_bytes())  # the command line keeps the codes, for scripts
    assert "adopter_name (personal data)" in codes[0] and codes[1][1] == "active"
    assert [r[2:] for r in codes[1:]] == [r[2:] for r in rows[1:]]


def test_two_operators_shipping_at_once_ship_once(bot: Harness, adoption: Adoption) -> None:
    def attempt(tracking: str) -> str:
        try:
            bot.db.call(
                ship_harvest,
                adoption_id=adoption.id,
                carrier="EMS",
                tracking_number=tracking,
                by_user_id=7000,
            )
        except HarvestError as exc:
            return exc.code
        return "shipped"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, [f"EA00000000{i}CN" for i in range(4)]))
    assert sorted(outcomes) == ["not_allowed"] * 3 + ["shipped"]
    with bot.db.session() as session:
        assert len(session.exec(select(HarvestShipment)).all()) == 1
        kinds = [n.kind for n in session.exec(select(Notification))]
    assert kinds.count("harvest_shipped") == 1
