"""The sample shop: what Shibadong and Ban Phonsavang sell, with prices (in the village's
currency: fen in Shibadong, kip in Ban Phonsavang) and stock."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from models.catalog.pictures import product_picture_name, sample_photo
from models.catalog.places import Farmer, Village
from models.shop.products import Category, Product

# Each product: SKU, village slug, farmer code, category, price (minor units of the village's
# currency), weight (g), stock, texts.
PRODUCTS: list[dict[str, Any]] = [
    {
        "sku": "KIWI-5KG",
        "village": "shibadong",
        "farmer": "SBD-LONG",
        "category": Category.FRUIT,
        "price_fen": 12800,
        "weight_g": 5500,
        "stock": 40,
        "name_zh": "十八洞红心猕猴桃",
        "name_lo": "ໝາກກີວີໄສ້ແດງ ຊືປາຕົງ",
        "name_en": "Shibadong red-heart kiwifruit",
        "unit_zh": "5公斤箱",
        "unit_lo": "ແກັດ 5 ກິໂລ",
        "unit_en": "5 kg box",
        "description_zh": "高山种植，自然成熟，甜度高。约 40 个。",
        "description_lo": "ປູກເທິງພູ, ສຸກຄາເຄືອ, ຫວານຫຼາຍ. ປະມານ 40 ໜ່ວຍ.",
        "description_en": "Mountain-grown, vine-ripened, very sweet. About 40 fruits.",
    },
    {
        "sku": "PEACH-5KG",
        "village": "shibadong",
        "farmer": "SBD-SHI",
        "category": Category.FRUIT,
        "price_fen": 9800,
        "weight_g": 5400,
        "stock": 30,
        "name_zh": "十八洞黄桃",
        "name_lo": "ໝາກພີດເຫຼືອງ ຊືປາຕົງ",
        "name_en": "Shibadong yellow peaches",
        "unit_zh": "5公斤箱",
        "unit_lo": "ແກັດ 5 ກິໂລ",
        "unit_en": "5 kg box",
        "description_zh": "七月采摘，果肉金黄，香甜多汁。",
        "description_lo": "ເກັບໃນເດືອນກໍລະກົດ, ເນື້ອສີເຫຼືອງ, ຫອມຫວານ ແລະ ມີນ້ຳຫຼາຍ.",
        "description_en": "Picked in July: golden, fragrant and juicy.",
    },
    {
        "sku": "HONEY-500G",
        "village": "shibadong",
        "farmer": "SBD-YANG",
        "category": Category.HONEY,
        "price_fen": 8800,
        "weight_g": 700,
        "stock": 50,
        "name_zh": "十八洞土蜂蜜",
        "name_lo": "ນ້ຳເຜິ້ງປ່າ ຊືປາຕົງ",
        "name_en": "Shibadong wild honey",
        "unit_zh": "500克瓶",
        "unit_lo": "ກະປຸກ 500 ກຣາມ",
        "unit_en": "500 g jar",
        "description_zh": "中华蜜蜂百花蜜，一年只取一次。",
        "description_lo": "ນ້ຳເຜິ້ງດອກໄມ້ປ່າ ຈາກເຜິ້ງພື້ນເມືອງ, ເກັບປີລະເທື່ອດຽວ.",
        "description_en": "Wildflower honey from Chinese honeybees, harvested once a year.",
    },
    {
        "sku": "TEA-250G",
        "village": "shibadong",
        "farmer": "SBD-WU",
        "category": Category.TEA,
        "price_fen": 16800,
        "weight_g": 350,
        "stock": 25,
        "name_zh": "十八洞高山绿茶",
        "name_lo": "ຊາຂຽວພູສູງ ຊືປາຕົງ",
        "name_en": "Shibadong mountain green tea",
        "unit_zh": "250克罐",
        "unit_lo": "ກະປ໋ອງ 250 ກຣາມ",
        "unit_en": "250 g tin",
        "description_zh": "明前手工炒制，清香回甘。",
        "description_lo": "ຂົ້ວດ້ວຍມື ກ່ອນເທດສະການເຊັງເມັງ, ຫອມ ແລະ ມີລົດຫວານຕິດປາກ.",
        "description_en": "Hand-roasted before Qingming: fresh and sweet.",
    },
    {
        "sku": "COFFEE-500G",
        "village": "phonsavang",
        "farmer": "PSV-KHAM",
        "category": Category.TEA,
        "price_fen": 150_000,  # kip
        "weight_g": 550,
        "stock": 20,
        "name_zh": "乌多姆赛山地咖啡豆",
        "name_lo": "ເມັດກາເຟພູດອຍ ອຸດົມໄຊ",
        "name_en": "Oudomxai mountain coffee beans",
        "unit_zh": "500克袋",
        "unit_lo": "ຖົງ 500 ກຣາມ",
        "unit_en": "500 g bag",
        "description_zh": "阿拉比卡咖啡豆，中度烘焙。",
        "description_lo": "ເມັດກາເຟອາຣາບິກາ, ຂົ້ວລະດັບກາງ.",
        "description_en": "Arabica beans, medium roast.",
    },
    {
        "sku": "RICE-5KG",
        "village": "phonsavang",
        "farmer": "PSV-NOY",
        "category": Category.GRAIN,
        "price_fen": 95_000,  # kip
        "weight_g": 5200,
        "stock": 30,
        "name_zh": "蓬萨旺山地糯米",
        "name_lo": "ເຂົ້າໜຽວໄຮ່ ບ້ານໂພນສະຫວ່າງ",
        "name_en": "Ban Phonsavang upland sticky rice",
        "unit_zh": "5公斤袋",
        "unit_lo": "ຖົງ 5 ກິໂລ",
        "unit_en": "5 kg bag",
        "description_zh": "山坡旱地种植，软糯清香。",
        "description_lo": "ປູກເທິງໄຮ່, ໜຽວ ແລະ ຫອມ.",
        "description_en": "Grown on hillside fields: soft and fragrant.",
    },
]


def load_sample_products(*, session: Session) -> None:
    """Adds the sample products of the sample villages and farmers."""
    villages: dict[str, int] = {v.slug: v.id for v in session.exec(select(Village)) if v.id}
    farmers = {f.code: f.id for f in session.exec(select(Farmer))}
    for spec in PRODUCTS:
        values = {k: v for k, v in spec.items() if k not in ("village", "farmer")}
        product = Product(
            village_id=villages[spec["village"]],
            farmer_id=farmers.get(spec["farmer"]),
            photo=sample_photo(product_picture_name(spec["sku"])),
            **values,
        )
        session.add(product)
    session.flush()
