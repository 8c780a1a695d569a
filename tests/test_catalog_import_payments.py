"""The importer reads each village's order prefix and its ways to pay (YAML and CSV): checked row
by row with line numbers, all or nothing, and the QR picture read from beside the file."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from bot.cli import main
from bot.db import Database
from models.catalog.importer import CatalogImportError, import_catalog, read_catalog_file
from models.catalog.places import Village
from models.payment.methods import VillagePaymentMethod
from tests.factories import TgUser
from tests.harness import Harness
from tests.shop_helpers import buyer, order_now

DOCS = Path(__file__).resolve().parent.parent / "docs"
QR = (DOCS / "qr-example.png").read_bytes()
VILLAGE = (
    "villages:\n"
    "  - {slug: namtha, country: LA, name_zh: 南塔村, name_lo: ບ້ານນ້ຳທາ, name_en: Ban Namtha"
)
SING = (
    "  - {slug: sing, country: LA, name_zh: 勐新, name_lo: ສິງ, name_en: Sing, order_prefix: NT}\n"
)
BAD_PREFIX = "line 2: villages: order_prefix: Value error, must be 2 to 6 capital letters or digits"


def methods(db: Database, slug: str) -> list[VillagePaymentMethod]:
    """A village's ways to pay, in the order offered."""
    with db.session() as session:
        village = session.exec(select(Village).where(Village.slug == slug)).one()
        return list(
            session.exec(
                select(VillagePaymentMethod)
                .where(VillagePaymentMethod.village_id == village.id)
                .order_by(VillagePaymentMethod.position, VillagePaymentMethod.id)  # type: ignore[arg-type]
            )
        )


def villages(db: Database) -> dict[str, Village]:
    """Every village, by slug."""
    with db.session() as session:
        return {v.slug: v for v in session.exec(select(Village))}


def snapshot(db: Database) -> tuple[object, ...]:
    """What a failed import must leave as it was."""
    prefixes = sorted((v.slug, v.order_prefix) for v in villages(db).values())
    with db.session() as session:
        rows = session.exec(select(VillagePaymentMethod).order_by(VillagePaymentMethod.id)).all()  # type: ignore[arg-type]
        return prefixes, [(m.village_id, m.kind, m.name_en, m.hold_hours, m.qr_image) for m in rows]


def test_the_yaml_example_sets_the_prefix_and_the_ways_to_pay(db: Database) -> None:
    counts = db.call(import_catalog, sections=read_catalog_file(DOCS / "catalog-example.yaml"))
    assert counts["payment_methods"] == 2 and counts["villages"] == 1
    assert villages(db)["phonsavang"].order_prefix == "PSV"
    bank, counter = methods(db, "phonsavang")  # the sample's two, updated in the file's order
    assert (bank.kind, bank.name_en, bank.hold_hours) == (
        "lao_bank_qr",
        "Lao bank QR (BCEL One)",
        24,
    )
    assert bank.qr_image == QR and not bank.qr_sample and bank.qr_file_id is None
    assert (counter.kind, counter.hold_hours, counter.enabled) == ("counter", 48, True)
    assert (counter.name_zh, counter.name_en) == ("邮政所柜台", "Post office counter")  # the usual
    assert counter.opening_hours == "ຈັນ–ສຸກ 8:00–16:30"
    db.call(import_catalog, sections=read_catalog_file(DOCS / "catalog-example.yaml"))
    assert len(methods(db, "phonsavang")) == 2  # re-importing updates


def test_the_csv_example_adds_ways_to_pay(db: Database) -> None:
    before = {m.kind for m in methods(db, "shibadong")}
    counts = db.call(
        import_catalog, sections=read_catalog_file(DOCS / "payment-methods-example.csv")
    )
    assert counts["payment_methods"] == 2
    rows = {m.kind: m for m in methods(db, "shibadong")}
    assert set(rows) == before  # both kinds were there: updated, not added
    assert rows["bank_transfer"].hold_hours == 48 and rows["bank_transfer"].qr_image is None
    assert rows["wechat_qr"].qr_image == QR and rows["wechat_qr"].position == 1


def test_villages_from_csv_with_their_prefix(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "villages.csv"
    path.write_text(
        "slug,country,name_zh,name_lo,name_en,order_prefix\n"
        "namtha,LA,南塔村,ບ້ານນ້ຳທາ,Ban Namtha,NT2\n",
        encoding="utf-8",
    )
    assert db.call(import_catalog, sections=read_catalog_file(path))["villages"] == 1
    assert villages(db)["namtha"].order_prefix == "NT2"


async def test_a_buyer_sees_the_imported_qr_code(bot: Harness, noy: TgUser) -> None:
    bot.db.call(import_catalog, sections=read_catalog_file(DOCS / "catalog-example.yaml"))
    buyer(bot.db, noy.id, "lo")
    order = order_now(bot.db, noy.id, "RICE-5KG", country="LA")
    assert order.number.startswith("PSV-")
    await bot.command(noy, "/start")
    await bot.press(noy, f"ORD pay {order.id}")
    calls = await bot.tap(noy, "BCEL One")
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    assert photo.files["photo"][1] == QR
    assert Image.open(io.BytesIO(photo.files["photo"][1])).format == "PNG"


BAD_ROWS = [
    # (the file's text after the village, the error)
    (
        ", order_prefix: psv}\n",
        BAD_PREFIX,
    ),
    (
        ", order_prefix: NAMTHA1}\n",
        BAD_PREFIX,
    ),
    (", order_prefix: SBD}\n", "line 2: villages: order_prefix 'SBD' is shibadong's already"),
    (
        ", order_prefix: NT}\n" + SING,
        "line 3: villages: order_prefix 'NT' is namtha's already",
    ),
    (
        "}\npayment_methods:\n  - {village: namtha, kind: paypal}\n",
        "line 5: payment_methods: kind: Input should be",
    ),
    (
        "}\npayment_methods:\n  - {village: namtha, kind: counter, hold_hours: 0}\n",
        "line 5: payment_methods: hold_hours: Input should be greater than or equal to 1",
    ),
    (
        "}\npayment_methods:\n  - {village: namtha, kind: counter, hold_hours: 400}\n",
        "line 5: payment_methods: hold_hours: Input should be less than or equal to 336",
    ),
    (
        f"}}\npayment_methods:\n  - {{village: namtha, kind: counter, name_en: {'x' * 61}}}\n",
        "line 5: payment_methods: name_en: String should have at most 60 characters",
    ),
    (
        "}\npayment_methods:\n  - {village: nowhere, kind: counter}\n",
        "line 5: payment_methods: unknown village 'nowhere'",
    ),
    (
        "}\npayment_methods:\n  - {village: namtha, kind: counter, colour: red}\n",
        "line 5: payment_methods: colour: Extra inputs are not permitted",
    ),
    (
        "}\npayment_methods:\n"
        "  - {village: namtha, kind: counter}\n  - {village: namtha, kind: counter}\n",
        "line 6: payment_methods: namtha has a counter already (line 5)",
    ),
    (
        "}\npayment_methods:\n  - {village: namtha, kind: wechat_qr, qr: missing.png}\n",
        "line 5: payment_methods: qr: Value error, no such file: ",
    ),
    (
        "}\npayment_methods:\n  - {village: namtha, kind: wechat_qr, qr: notes.txt}\n",
        "line 5: payment_methods: qr: Value error, ",
    ),
]


@pytest.mark.parametrize(("tail", "error"), BAD_ROWS)
def test_each_kind_of_bad_row_is_reported_by_line_and_nothing_is_imported(
    db: Database, tmp_path: Path, tail: str, error: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a picture", encoding="utf-8")
    shutil.copy(DOCS / "qr-example.png", tmp_path / "qr.png")
    path = tmp_path / "catalog.yaml"
    # a good way to pay comes first (line 4): it must not be written either
    good = "payment_methods:\n  - {village: shibadong, kind: counter, hold_hours: 99, qr: qr.png}\n"
    text = VILLAGE + tail
    text = (
        text.replace("payment_methods:\n", good, 1) if "payment_methods:" in text else text + good
    )
    path.write_text(text, encoding="utf-8")
    before = snapshot(db)
    with pytest.raises(CatalogImportError) as caught:
        db.call(import_catalog, sections=read_catalog_file(path))
    assert len(caught.value.errors) == 1 and caught.value.errors[0].startswith(error)
    assert snapshot(db) == before


def test_the_command_exits_1_on_a_bad_qr_and_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "methods.csv"
    path.write_text("village,kind,qr\nshibadong,wechat_qr,gone.png\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["import-catalog", str(path)]) == 1
    assert "line 2: payment_methods: qr: Value error, no such file" in capsys.readouterr().err


def test_a_qr_file_must_be_a_small_png_or_jpeg(tmp_path: Path) -> None:
    from models.catalog.importer import qr_image

    text = tmp_path / "notes.txt"
    text.write_text("not a picture", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a PNG or JPEG picture"):
        qr_image(str(text))
    big = tmp_path / "big.png"
    big.write_bytes(QR + b"\0" * 1_000_000)
    with pytest.raises(ValueError, match="larger than 1 MB"):
        qr_image(str(big))
    jpeg = tmp_path / "qr.jpg"
    Image.open(io.BytesIO(QR)).convert("RGB").save(jpeg, "JPEG")
    assert qr_image(str(jpeg)) == jpeg.read_bytes()
