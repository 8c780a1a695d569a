"""Adoption certificate rendering: scripts, fonts, coverage, layout bounds and PNG metadata."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image, ImageDraw, ImageFont

from bot.render import certificate, fonts
from bot.render.certificate import (
    HEIGHT,
    MARGIN,
    METADATA_KEY,
    QR_SIZE,
    WIDTH,
    CertificateContent,
    render_certificate,
)
from bot.render.fonts import CJK, EMOJI, LAO, LATIN, MISSING, font_coverage, load_font, read_cmap
from bot.render.text import (
    REPLACEMENT,
    Run,
    Style,
    drawn_text,
    line_metrics,
    split_runs,
    text_width,
    wrap_text,
)

URL = "https://t.me/VillageOrchardBot?start=tree_PEACH-0042"
LONG_LAO = ("ຂໍໃຫ້ຕົ້ນໄມ້ນີ້ເຕີບໃຫຍ່ແຂງແຮງແລະໃຫ້ໝາກຫຼາຍໆຄືກັບມິດຕະພາບຂອງພວກເຮົາທີ່ຍືນຍົງຕະຫຼອດໄປເປັນເວລາດົນນານ") * 3

CONTENT = {
    "zh": CertificateContent(
        title="认养证书",
        preamble="兹证明",
        holder="王喆堃",
        statement="认养了十八洞村种植户龙先念的一棵黄桃（PEACH-0042），认养季为2025年。",
        issuer=("十八洞村邮政所", "湖南省湘西州花垣县", "2025年3月1日"),
        emblem="peach",
        seal="2025",
        lines=(
            ("树木编号", "PEACH-0042"),
            ("品种", "黄桃（锦绣）"),
            ("村庄", "云南省勐腊县磨憨镇曼庄村"),
            ("昵称", "小犇"),
            ("认养季", "2025 春夏季"),
            ("证书编号", "CERT-2025-7QX4-K9M2"),
            ("赠言", "愿这棵桃树和我们的友谊一样，年年开花结果。祝你生日快乐！🎂"),
        ),
        footer="感谢您支持村里的果农。果实成熟时我们会通知您。",
        qr_url=URL,
    ),
    "lo": CertificateContent(
        title="ໃບຢັ້ງຢືນການຮັບລ້ຽງ",
        preamble="ໃບຢັ້ງຢືນນີ້ຢັ້ງຢືນວ່າ",
        holder="ນາງ ສຸກສະຫວັນ ພົມມະວົງ",
        statement="ໄດ້ຮັບລ້ຽງຕົ້ນຊາບູຮານ TEA-0003 ຂອງ ຄຳພອນ ທີ່ບ້ານໂພນສະຫວ່າງ ສຳລັບລະດູ 2025.",
        issuer=("ໄປສະນີ ບ້ານໂພນສະຫວ່າງ", "ເມືອງນາໝໍ້, ແຂວງອຸດົມໄຊ", "1 ມີນາ 2025"),
        emblem="tea",
        seal="2025",
        lines=(
            ("ລະຫັດຕົ້ນໄມ້", "PEACH-0042"),
            ("ພັນ", "ໝາກກ້ຽງ"),
            ("ບ້ານ", "ບ້ານນາຊາຍທອງ, ເມືອງໄຊທານີ, ນະຄອນຫຼວງວຽງຈັນ"),
            ("ຊື່ຫຼິ້ນ", "ນ້ອງກ້ຽງ"),
            ("ລະດູການ", "ລະດູຝົນ 2025"),
            ("ເລກທີໃບຢັ້ງຢືນ", "CERT-2025-7QX4-K9M2"),
            ("ຂໍ້ຄວາມ", "ຂໍໃຫ້ຕົ້ນໄມ້ນີ້ເຕີບໃຫຍ່ແຂງແຮງ ແລະ ໃຫ້ໝາກຫຼາຍໆ"),
        ),
        footer="ຂອບໃຈທີ່ສະໜັບສະໜູນຊາວສວນໃນບ້ານ. ພວກເຮົາຈະແຈ້ງໃຫ້ທ່ານຮູ້ເມື່ອໝາກສຸກ.",
        qr_url=URL,
    ),
    "en": CertificateContent(
        title="Certificate of Adoption",
        preamble="This certifies that",
        holder="Maria-José O'Connor",
        statement="has adopted the tree KIWI-0002 (Kiwifruit vine), grown by Shi Chengfu in "
        "Shibadong, for the 2025 season.",
        issuer=("Post office of Shibadong", "Huayuan County, Hunan, China", "1 March 2025"),
        emblem="kiwi",
        seal="2025",
        lines=(
            ("Tree code", "PEACH-0042"),
            ("Species", "Yellow peach (Jinxiu)"),
            ("Village", "Manzhuang, Mohan, Mengla County, Yunnan"),
            ("Nickname", "Little Peachy"),
            ("Season", "Spring–Summer 2025"),
            ("Certificate no.", "CERT-2025-7QX4-K9M2"),
            ("Gift message", "Happy birthday, Anna! May this tree grow as strong as we are."),
        ),
        footer="Thank you for supporting the village's fruit growers.",
        qr_url=URL,
    ),
}


def _decode(png: bytes) -> Image.Image:
    """Opens PNG bytes and fully decodes them."""
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def _as_json(content: CertificateContent) -> dict[str, object]:
    """What the metadata should hold for this content."""
    return {
        "title": content.title,
        "preamble": content.preamble,
        "holder": content.holder,
        "statement": content.statement,
        "lines": [[label, value] for label, value in content.lines],
        "footer": content.footer,
        "issuer": list(content.issuer),
        "qr_url": content.qr_url,
    }


Box = tuple[float, float, float, float]


@pytest.fixture
def drawn_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Box]]]:
    """Records the text and ink box (by font metrics) of every line the renderer draws."""
    calls: list[tuple[str, Box]] = []
    original = certificate.draw_line

    def spy(draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, style: Style) -> float:
        ascent, descent = line_metrics([text], style)
        calls.append(
            (text, (x, baseline - ascent, x + text_width(text, style), baseline + descent))
        )
        return original(draw, x, baseline, text, style)

    monkeypatch.setattr(certificate, "draw_line", spy)
    yield calls


def _overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share more than a pixel or two."""
    return min(a[2], b[2]) - max(a[0], b[0]) > 2 and min(a[3], b[3]) - max(a[1], b[1]) > 2


def _assert_inside_and_apart(calls: list[tuple[str, Box]]) -> None:
    """Every line lies inside the frame, left of nothing it overlaps, and clear of the QR code."""
    qr = (WIDTH - 105 - QR_SIZE, HEIGHT - 105 - QR_SIZE, WIDTH - 105, HEIGHT - 105)
    for text, box in calls:
        assert box[0] >= MARGIN - 1 and box[2] <= WIDTH - MARGIN + 1, (text, box)
        assert box[1] >= 66 and box[3] <= HEIGHT - 66, (text, box)
        assert not _overlap(box, qr), (text, box)
    for i, (text, box) in enumerate(calls):
        for other, other_box in calls[i + 1 :]:
            assert not _overlap(box, other_box), (text, other)


@pytest.mark.parametrize("language", ["zh", "lo", "en"])
def test_renders_each_language_with_metadata(language: str) -> None:
    content = CONTENT[language]
    image = _decode(render_certificate(content))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (1240, 1754)
    assert json.loads(image.text[METADATA_KEY]) == _as_json(content)
    assert image.convert("L").getextrema()[0] < 60  # dark text and QR modules were drawn


@pytest.mark.parametrize("language", ["zh", "lo", "en"])
def test_layout_stays_inside_and_nothing_overlaps(
    language: str, drawn_lines: list[tuple[str, Box]]
) -> None:
    render_certificate(CONTENT[language])
    texts = [text for text, _ in drawn_lines]
    assert texts[0] == CONTENT[language].title
    assert len(texts) >= 2 + 2 * len(CONTENT[language].lines)
    _assert_inside_and_apart(drawn_lines)


def test_run_splitting_uses_one_font_per_script() -> None:
    runs = split_runs("ຕົ້ນໝາກກ້ຽງ PEACH-0042 桃树")
    assert runs == [
        Run("ຕົ້ນໝາກກ້ຽງ", LAO),
        Run(" PEACH-0042 ", LATIN),
        Run("桃树", CJK),
    ]
    families = [load_font(run.font, False, 30).getname()[0] for run in runs]
    assert families == ["Noto Sans Lao", "Noto Sans", "Noto Sans CJK SC"]


def test_lao_marks_stay_in_the_lao_run_and_digits_go_to_latin() -> None:
    assert split_runs("ໝາກຫຼິ້ນ 2025") == [Run("ໝາກຫຼິ້ນ", LAO), Run(" 2025", LATIN)]
    assert split_runs("李·约翰，你好") == [Run("李", CJK), Run("·", LATIN), Run("约翰，你好", CJK)]


def test_lao_marks_stack_with_raqm() -> None:
    font = load_font(LAO, False, 100)
    assert font.layout_engine == ImageFont.Layout.RAQM
    vowel_top = font.getbbox("ກີ", anchor="ls")[1]
    stacked_top = font.getbbox("ກີ້", anchor="ls")[1]
    # Shaped, the tone mark sits on top of the vowel (the basic engine draws both at one height).
    assert stacked_top < vowel_top - 15
    assert font.getlength("ກີ້") == pytest.approx(font.getlength("ກ"), abs=2)


@pytest.mark.parametrize("char", ["堃", "喆", "犇", "龘", "㐀", "蘋"])
def test_rare_name_characters_are_in_the_cjk_font(char: str) -> None:
    assert ord(char) in font_coverage(CJK)
    assert split_runs(char) == [Run(char, CJK)]


def test_cmap_reader_agrees_with_fonttools() -> None:
    ttlib = pytest.importorskip("fontTools.ttLib")
    for name in (
        "NotoSansLao-Regular.ttf",
        "NotoSans-Bold.ttf",
        "NotoSansCJKsc-Regular-subset.otf",
        "NotoColorEmoji.ttf",
    ):
        path = fonts.FONT_DIR / name
        expected = set(ttlib.TTFont(path).getBestCmap())
        assert read_cmap(path) == expected, name


def test_fonts_have_the_expected_coverage() -> None:
    lao, latin, cjk = font_coverage(LAO), font_coverage(LATIN), font_coverage(CJK)
    assert all(cp in lao for cp in map(ord, "ກຂຄງຈຊຍດຕຖທນບປຜຝພຟມຢຣລວສຫອຮະາິີຶືຸູົຼຽເແໂໃໄ່້໊໋ໆໜໝ"))
    assert ord("A") not in lao and ord("7") not in lao  # why text is drawn in runs
    assert all(cp in latin for cp in map(ord, "AZaz09-–—…·₭¥€ÀéŒßДжΩ"))
    assert sum(1 for cp in range(0x4E00, 0xA000) if cp in cjk) > 20900
    assert all(cp in cjk for cp in map(ord, "，。：；！？（）《》【】、"))


# U+1FADF (splatter) is an Emoji 16.0 character, newer than the shipped Noto Color Emoji 2.042.
@pytest.mark.parametrize("char", ["\U0010fffd", "\U00010000", "ไ", "\U0001fadf"])
def test_uncovered_character_is_replaced_not_dropped(char: str) -> None:
    runs = split_runs(f"A{char}B")
    assert runs == [Run("A", LATIN), Run(char, MISSING), Run("B", LATIN)]
    assert drawn_text(f"A{char}B") == f"A{REPLACEMENT}B"
    style = Style(40)
    assert text_width(f"A{char}B", style) > text_width("AB", style) + 20
    image = Image.new("RGB", (200, 80), "white")
    draw = ImageDraw.Draw(image)
    x_end_of_a = 10 + text_width("A", style)
    certificate.draw_line(draw, 10, 60, f"A{char}B", style)
    box = image.crop((int(x_end_of_a) + 2, 0, int(x_end_of_a + style.size * 0.8) - 2, 80))
    assert box.convert("L").getextrema()[0] < 128  # the replacement box has ink


def test_emoji_sequences_become_one_emoji_run_each() -> None:
    runs = split_runs("👨‍👩‍👧 🇱🇦 ❤️ 👍🏽 1️⃣")
    assert [run.text for run in runs if run.font == EMOJI] == ["👨‍👩‍👧", "🇱🇦", "❤️", "👍🏽", "1️⃣"]
    assert REPLACEMENT not in drawn_text("👨‍👩‍👧 🇱🇦 ❤️ 👍🏽 1️⃣")


def test_digits_and_signs_stay_text_unless_asked_to_be_emoji() -> None:
    assert split_runs("2025 © #1") == [Run("2025 © #1", LATIN)]
    assert split_runs("©\ufe0f")[0].font == EMOJI


def test_rare_character_draws_ink() -> None:
    image = Image.new("RGB", (120, 120), "white")
    certificate.draw_line(ImageDraw.Draw(image), 10, 90, "堃", Style(80))
    assert image.convert("L").getextrema()[0] < 60


def test_wrapping_never_exceeds_the_width_or_splits_a_lao_cluster() -> None:
    style = Style(30)
    lines = wrap_text(LONG_LAO, style, 500)
    assert len(lines) > 3
    assert "".join(lines) == LONG_LAO
    for line in lines:
        assert text_width(line, style) <= 500
        assert line[0] not in "ິີຶືຸູົຼັ່້໊໋ໍ"  # no line starts with a mark


def test_wrapping_breaks_chinese_between_characters_but_not_before_punctuation() -> None:
    style = Style(30)
    text = "愿这棵桃树和我们的友谊一样，年年开花结果，枝繁叶茂。" * 3
    lines = wrap_text(text, style, 400)
    assert "".join(lines) == text
    assert all(text_width(line, style) <= 400 for line in lines)
    assert not any(line[0] in "，。" for line in lines)


def test_long_name_and_long_lao_values_fit(drawn_lines: list[tuple[str, Box]]) -> None:
    holder = "Bartholomew Maximilian Fitzgerald-Montgomery de la Cruz-Ortega"
    assert len(holder) >= 60
    content = CertificateContent(
        title=LONG_LAO[:90],
        holder=holder,
        lines=(("ລະຫັດຕົ້ນໄມ້", "PEACH-0042"), ("ຂໍ້ຄວາມ", LONG_LAO), ("ບ້ານ", LONG_LAO)),
        footer=LONG_LAO,
        qr_url=URL,
    )
    image = _decode(render_certificate(content))
    assert image.size == (WIDTH, HEIGHT)
    assert json.loads(image.text[METADATA_KEY]) == _as_json(content)
    _assert_inside_and_apart(drawn_lines)


def test_many_rows_of_long_text_are_cut_not_overflowed(drawn_lines: list[tuple[str, Box]]) -> None:
    rows = tuple(
        (f"ແຖວທີ {i}", LONG_LAO if i % 2 else "https://example.org/" + "x" * 300) for i in range(25)
    )
    name = "王" * 40 + "ສຸກສະຫວັນ" * 6
    content = CertificateContent(
        title="T" * 200, holder=name, lines=rows, footer="F " * 300, qr_url=URL
    )
    render_certificate(content)
    _assert_inside_and_apart(drawn_lines)


def test_odd_input_still_renders() -> None:
    content = CertificateContent(
        title="",
        holder="Line\nbreak\ttab \ud800 lone surrogate \x00",
        lines=(),
        footer="",
        qr_url="",
    )
    image = _decode(render_certificate(content))
    assert json.loads(image.text[METADATA_KEY]) == _as_json(content)


def test_basic_layout_is_the_fallback_without_raqm(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts.features, "check_feature", lambda feature: False)
    with caplog.at_level(logging.WARNING, logger="bot.render.fonts"):
        assert fonts._layout_engine() == ImageFont.Layout.BASIC
    assert "raqm" in caplog.text


def test_rendering_is_fast_once_fonts_are_loaded() -> None:
    render_certificate(CONTENT["lo"])
    timings = []
    for language in ("zh", "lo", "en"):
        start = time.perf_counter()
        render_certificate(CONTENT[language])
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[1] < 1.0  # about 0.05 s here; generous for slow CI machines


def test_threads_render_the_same_bytes() -> None:
    expected = {language: render_certificate(CONTENT[language]) for language in CONTENT}
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(render_certificate, [CONTENT[lang] for lang in CONTENT] * 2))
    assert results == list(expected.values()) * 2
