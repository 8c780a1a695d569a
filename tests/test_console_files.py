"""Console sessions: each user's files in their own folder, and a banner that says how to be an
operator and how to play a second user."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import console_banner, console_files_dir
from tests.test_console import run_console  # noqa: F401  (the fixture)


def test_a_console_clears_only_its_own_users_files(tmp_path: Path) -> None:
    base = tmp_path / "console-files"
    for user in ("user-1001", "user-1002"):
        (base / user).mkdir(parents=True)
        (base / user / "certificate.png").write_bytes(b"png")
    folder = console_files_dir(base, 1001)
    assert folder == base / "user-1001" and not folder.exists()
    assert (base / "user-1002" / "certificate.png").read_bytes() == b"png"


def test_starting_a_console_keeps_another_consoles_files(
    run_console: Callable[..., str],  # noqa: F811
    tmp_path: Path,
) -> None:
    other = tmp_path / "files" / "user-1002" / "0001-certificate.png"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"png")
    run_console("/start\n", "--user-id", "1001")
    assert other.exists()


def test_banner_says_how_to_be_an_operator_and_a_second_user() -> None:
    buyer = console_banner({"id": 1001, "first_name": "Ann"}, ())
    assert "Ann (id 1001), a buyer" in buyer
    assert "ADMIN_IDS=1001" in buyer and "--user-id 1002" in buyer
    operator = console_banner({"id": 7000, "first_name": "Op"}, (7000,))
    assert "an operator (in ADMIN_IDS)" in operator and "--user-id 1001" in operator


class _Terminal(io.StringIO):
    """Typed input from a terminal."""

    def isatty(self) -> bool:
        return True


def test_an_interactive_console_prints_the_banner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "")
    monkeypatch.setenv("ADMIN_IDS", "1001")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'console.db'}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    assert main(["console", "--files-dir", str(tmp_path / "files")]) == 0
    out = capsys.readouterr().out
    assert "an operator (in ADMIN_IDS)" in out and "second user" in out


def test_a_voice_note_in_the_console_can_go_to_the_post_office(
    run_console: Callable[..., str],  # noqa: F811
) -> None:
    out = run_console("/start\n!voice\n#1\n", "--lang", "en")
    assert "Would you like the post office to get this?" in out
    assert "Sent to the post office" in out


def test_a_picture_for_another_user_lands_in_their_folder_with_its_kind_of_file(
    run_console: Callable[..., str],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    adopt = "/start tree_PEACH-0001\n#1\n#1\n#1\n#1\n#1\n#1\n"
    delivery = "88 Furong Road, Changsha\n#1\n138 0013 8000\n#1\n"
    out = run_console(adopt + delivery, "--lang", "en")
    reference = out.split("Reference: ")[1].split()[0]
    monkeypatch.setenv("ADMIN_IDS", "7000")
    out = run_console(f"/confirm {reference}\n", "--user-id", "7000")
    buyer = tmp_path / "files" / "user-1001"
    saved = sorted(path.name for path in buyer.iterdir() if "photo" in path.name)
    assert saved == ["0001-photo.png", "0002-photo.png"]  # the certificate and the receipt
    assert f"[to 1001] [photo: {buyer}/" in out
    assert not (tmp_path / "files" / "user-7000").exists()


def test_a_receipt_sent_to_the_console_is_saved_as_a_png(
    run_console: Callable[..., str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1001")  # the buyer confirms their own counter payment
    script = (
        "/shop\n#1\n#1\n#1\n/cart\n#5\n#1\n#1\n"
        "88 Furong Road, Yuelu District, Changsha, Hunan, Ann Smith\n138 0013 8000\n"
        "#1\n#1\n#4\n#2\n/ops\n#1\n#1\n#1\n"
    )
    out = run_console(script, "--lang", "en")
    assert "🧾 Your receipt for SBD-" in out
    [receipt] = [line for line in out.splitlines() if "[photo:" in line and "0002-" in line]
    path = Path(receipt.split("[photo: ")[1].rstrip("]"))
    assert path.name == "0002-photo.png" and path.read_bytes().startswith(b"\x89PNG")


def test_a_product_card_in_the_console_is_the_shelf_turned_into_its_picture(
    run_console: Callable[..., str],  # noqa: F811
) -> None:
    out = run_console("/shop\n#1\n#1\n#1\n", "--lang", "zh")
    card = out.split("bot (edited)> [photo: ")[1]
    path = Path(card.split("]")[0])
    assert path.name == "0001-product-kiwi-5kg.jpg" and path.read_bytes()[:3] == b"\xff\xd8\xff"
    assert "十八洞红心猕猴桃" in card.split("you>")[0]  # the caption, under the picture
    assert "[1] ➕ 加入购物车" in card.split("you>")[0]  # and its buttons
    assert "bot (notice)> 已加入。购物车里有 1 件。" in out  # its first button works
