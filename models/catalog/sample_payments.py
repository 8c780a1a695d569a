"""The sample villages' ways to pay, with placeholder QR codes, so a fresh install shows the
whole offline payment: choose a method, see its QR code, send the slip, get the receipt."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from models.catalog.places import Village
from models.payment.methods import MethodKind, VillagePaymentMethod

# Each: village slug, kind, names, details; every QR one is a placeholder that says "sample".
METHODS: list[dict[str, Any]] = [
    {
        "village": "shibadong",
        "kind": MethodKind.WECHAT_QR,
        "name_zh": "微信支付",
        "name_lo": "ວີແຊັດເພ (WeChat Pay)",
        "name_en": "WeChat Pay",
        "account_text": "十八洞村邮政所（样例）",
        "qr_sample": True,
    },
    {
        "village": "shibadong",
        "kind": MethodKind.ALIPAY_QR,
        "name_zh": "支付宝",
        "name_lo": "ອາລີເພ (Alipay)",
        "name_en": "Alipay",
        "account_text": "十八洞村邮政所（样例）",
        "qr_sample": True,
    },
    {
        "village": "shibadong",
        "kind": MethodKind.BANK_TRANSFER,
        "name_zh": "银行转账",
        "name_lo": "ໂອນເງິນຜ່ານທະນາຄານ",
        "name_en": "Bank transfer",
        "account_text": (
            "中国邮政储蓄银行 花垣县支行 · 户名：十八洞村邮政所 · 账号：6221 0000 0000 0018（样例）"
        ),
        "hold_hours": 48,
    },
    {
        "village": "shibadong",
        "kind": MethodKind.COUNTER,
        "name_zh": "邮政所柜台",
        "name_lo": "ຈ່າຍທີ່ໄປສະນີ",
        "name_en": "Post office counter",
        "counter_address": "湖南省湘西州花垣县双龙镇十八洞村 村部一楼 邮政所",
        "opening_hours": "周一至周六 8:30–17:30",
    },
    {
        "village": "phonsavang",
        "kind": MethodKind.LAO_BANK_QR,
        "name_zh": "老挝银行扫码（BCEL One）",
        "name_lo": "ສະແກນ QR ທະນາຄານ (BCEL One)",
        "name_en": "Lao bank QR (BCEL One)",
        "account_text": "ໄປສະນີບ້ານໂພນສະຫວ່າງ (ຕົວຢ່າງ)",
        "qr_sample": True,
    },
    {
        "village": "phonsavang",
        "kind": MethodKind.COUNTER,
        "name_zh": "邮政所柜台",
        "name_lo": "ຈ່າຍທີ່ໄປສະນີ",
        "name_en": "Post office counter",
        "counter_address": "ບ້ານໂພນສະຫວ່າງ, ເມືອງນາໝໍ້, ແຂວງອຸດົມໄຊ",
        "opening_hours": "ຈັນ–ສຸກ 8:00–16:30",
    },
]


def load_sample_payment_methods(*, session: Session) -> None:
    """Adds the sample villages' payment methods."""
    villages = {v.slug: v.id for v in session.exec(select(Village)) if v.id}
    for position, spec in enumerate(METHODS):
        values = {k: v for k, v in spec.items() if k != "village"}
        session.add(
            VillagePaymentMethod(village_id=villages[spec["village"]], position=position, **values)
        )
    session.flush()
