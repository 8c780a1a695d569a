"""The sample catalog loaded on first run, so a fresh install shows a working shop."""

from __future__ import annotations

from sqlmodel import Session

from models.catalog.places import Country, Farmer, Village, has_catalog
from models.catalog.sample_payments import load_sample_payment_methods
from models.catalog.sample_products import load_sample_products
from models.catalog.sample_trees import load_sample_trees

VILLAGES = [
    Village(
        slug="shibadong",
        country=Country.CN,
        name_zh="十八洞村",
        name_lo="ບ້ານຊືປາຕົງ",
        name_en="Shibadong",
        region_zh="湖南省湘西州花垣县",
        region_lo="ເມືອງຮວາຢວນ, ເຂດຊຽງຊີ, ແຂວງຫູໜານ, ຈີນ",
        region_en="Huayuan County, Xiangxi, Hunan, China",
        collective_share_pct=18,
        order_prefix="SBD",
        currency="CNY",
    ),
    Village(
        slug="phonsavang",
        country=Country.LA,
        name_zh="蓬萨旺村",
        name_lo="ບ້ານໂພນສະຫວ່າງ",
        name_en="Ban Phonsavang",
        region_zh="老挝乌多姆赛省纳莫县",
        region_lo="ເມືອງນາໝໍ້, ແຂວງອຸດົມໄຊ, ລາວ",
        region_en="Namor District, Oudomxai, Laos",
        collective_share_pct=15,
        order_prefix="PSV",
        currency="LAK",  # its prices are whole kip
    ),
]

# (code, village slug, name zh, name lo, name en)
FARMERS = [
    ("SBD-LONG", "shibadong", "龙先念", "ລົງ ຊຽນນຽນ", "Long Xiannian"),
    ("SBD-SHI", "shibadong", "施成富", "ສື ເຊີງຟູ", "Shi Chengfu"),
    ("SBD-YANG", "shibadong", "杨秀英", "ຢາງ ຊິ່ວອິງ", "Yang Xiuying"),
    ("SBD-WU", "shibadong", "吴桂兰", "ອູ ກຸ້ຍລານ", "Wu Guilan"),
    ("PSV-KHAM", "phonsavang", "坎蓬", "ຄຳພອນ", "Khamphone"),
    ("PSV-NOY", "phonsavang", "诺伊", "ນ້ອຍ", "Noy"),
]


def load_sample_catalog(*, session: Session) -> bool:
    """Loads the sample villages and farmers unless a catalog exists; returns whether it did."""
    if has_catalog(session=session):
        return False
    villages = {}
    for template in VILLAGES:
        village = Village.model_validate(template.model_dump(exclude={"id"}))
        session.add(village)
        villages[village.slug] = village
    session.flush()
    for code, slug, name_zh, name_lo, name_en in FARMERS:
        session.add(
            Farmer(
                code=code,
                village_id=villages[slug].id,  # type: ignore[arg-type]  # set by flush
                name_zh=name_zh,
                name_lo=name_lo,
                name_en=name_en,
            )
        )
    session.flush()
    load_sample_trees(session=session)
    load_sample_products(session=session)
    load_sample_payment_methods(session=session)
    return True
