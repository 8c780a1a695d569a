"""Sample trees for the sample villages: Shibadong's peaches and kiwifruit, Phonsavang's tea."""

from __future__ import annotations

from sqlmodel import Session, select

from models.catalog.pictures import sample_photo, tree_picture_name
from models.catalog.places import Farmer, Village
from models.catalog.trees import Species, Tree, TreeUpdate

SPECIES = [
    Species(slug="peach", emoji="🍑", name_zh="黄桃", name_lo="ໝາກພີດເຫຼືອງ", name_en="Yellow peach"),
    Species(slug="kiwi", emoji="🥝", name_zh="猕猴桃", name_lo="ໝາກກີວີ", name_en="Kiwifruit vine"),
    Species(slug="tea", emoji="🍵", name_zh="古茶树", name_lo="ຕົ້ນຊາບູຮານ", name_en="Old tea tree"),
]
PRICE_STEP = {"CNY": 1900, "LAK": 50_000}  # neighbouring trees' prices differ by this

# species: (code prefix, village, farmers, count, price in the village's currency (fen, kip),
# harvest kg, first year planted)
PLANS = [
    (
        "peach",
        "PEACH",
        "shibadong",
        ("SBD-LONG", "SBD-SHI", "SBD-YANG", "SBD-WU"),
        24,
        42000,
        20,
        2012,
    ),
    ("kiwi", "KIWI", "shibadong", ("SBD-SHI", "SBD-YANG"), 10, 36000, 15, 2015),
    ("tea", "TEA", "phonsavang", ("PSV-KHAM", "PSV-NOY"), 6, 850_000, 2, 1960),
]

# where each kind's trees stand on its village's map: peaches in rows of six on the terraces,
# a path, then the kiwifruit trellis by the stream; the old tea trees scattered on the ridge
TEA_CELLS = [(1, 2), (1, 5), (2, 1), (2, 3), (3, 4), (3, 6)]


def sample_cell(slug: str, n: int) -> tuple[int, int]:
    """The (row, column) of the n-th (1-based) sample tree of a kind on its village's map."""
    if slug == "peach":
        return 1 + (n - 1) // 6, 1 + (n - 1) % 6
    if slug == "kiwi":
        return 6 + (n - 1) // 5, 1 + (n - 1) % 5
    return TEA_CELLS[n - 1]


DESCRIPTIONS = {
    "peach": (
        "种在村子上方梯田坡地上的黄桃树，山泉灌溉，不打膨大剂，七八月成熟。",
        "ຕົ້ນໝາກພີດເຫຼືອງ ປູກຢູ່ເທິງຂັ້ນໄດຄ້ອຍພູເໜືອບ້ານ, ຫົດດ້ວຍນ້ຳພູ, ສຸກໃນເດືອນກໍລະກົດ ແລະ ສິງຫາ.",
        "A yellow peach tree on the terraced slope above the village, watered from the mountain "
        "spring, ripe in July and August.",
    ),
    "kiwi": (
        "十八洞的红心猕猴桃藤，架在溪边的棚架上，九月采摘，甜度高。",
        "ເຄືອໝາກກີວີໄສ້ແດງ ເລື້ອຍຂຶ້ນຄ້າງຢູ່ແຄມຫ້ວຍ, ເກັບໃນເດືອນກັນຍາ, ຫວານຫຼາຍ.",
        "A red-heart kiwifruit vine on a trellis by the stream, picked in September, very sweet.",
    ),
    "tea": (
        "乌多姆赛山上的古茶树，春茶手工采摘、晒干，寄给您的是晒青毛茶。",
        "ຕົ້ນຊາບູຮານ ເທິງພູແຂວງອຸດົມໄຊ, ຍອດຊາລະດູໃບໄມ້ປົ່ງເກັບດ້ວຍມື ແລະ ຕາກແດດໃຫ້ທ່ານ.",
        "An old tea tree in the Oudomxai hills; the spring leaves are hand-picked and sun-dried "
        "for you.",
    ),
}

# each kind's cultivars (zh, lo, en), given to its trees in turn: PEACH-0001 Jinxiu, -0002 Jintong
VARIETIES = {
    "peach": (("锦绣黄桃", "ຈິນຊິ່ວ", "Jinxiu"), ("金童5号", "ຈິນທົງ 5", "Jintong No. 5")),
    "kiwi": (("红阳", "ຮົງຢາງ", "Hongyang"),),
    "tea": (("古树普洱", "ຜູເອີບູຮານ", "Ancient Pu'er"),),
}


def sample_variety(slug: str, n: int) -> tuple[str, str, str]:
    """The variety (zh, lo, en) of the n-th (1-based) sample tree of a kind."""
    return VARIETIES[slug][(n - 1) % len(VARIETIES[slug])]


# (tree, news item, the farmer's own words): each adopter reads the item in their language.
NEWS = [
    ("PEACH-0001", "blossom", "满坡粉红。"),
    ("PEACH-0001", "thinned", "每枝留三个。"),
]


def load_sample_trees(*, session: Session) -> None:
    """Adds the sample species and trees (called by load_sample_catalog on first run)."""
    species = {}
    for template in SPECIES:
        row = Species.model_validate(template.model_dump(exclude={"id"}))
        session.add(row)
        species[row.slug] = row
    session.flush()
    villages = {v.slug: v for v in session.exec(select(Village)).all()}
    farmers = {f.code: f.id for f in session.exec(select(Farmer)).all()}
    for slug, prefix, village, codes, count, price, kilos, year in PLANS:
        zh, lo, en = DESCRIPTIONS[slug]
        for n in range(1, count + 1):
            grid_row, grid_col = sample_cell(slug, n)
            variety_zh, variety_lo, variety_en = sample_variety(slug, n)
            session.add(
                Tree(
                    code=f"{prefix}-{n:04d}",
                    species_id=species[slug].id,  # type: ignore[arg-type]
                    village_id=villages[village].id,  # type: ignore[arg-type]
                    farmer_id=farmers[codes[n % len(codes)]],  # type: ignore[arg-type]
                    year_planted=year + n % 5,
                    variety_zh=variety_zh,
                    variety_lo=variety_lo,
                    variety_en=variety_en,
                    photo=sample_photo(tree_picture_name(slug)),
                    description_zh=zh,
                    description_lo=lo,
                    description_en=en,
                    price_fen=price + (n % 3) * PRICE_STEP[villages[village].currency],
                    harvest_kg=kilos,
                    grid_row=grid_row,
                    grid_col=grid_col,
                )
            )
    session.flush()
    trees = {t.code: t.id for t in session.exec(select(Tree)).all()}
    for code, item, text in NEWS:
        session.add(TreeUpdate(tree_id=trees[code], item=item, text=text))  # type: ignore[arg-type]
    session.flush()
