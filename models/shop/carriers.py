"""Carriers: the ones the post office lists, stored as codes and named in each reader's language.

A listed carrier is stored as its code (`china_post`); a carrier an operator typed in is stored
as typed and shown as it is. Rows written before the codes hold the English name, which still
maps to its carrier.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Carrier:
    """A carrier's code and its proper name as people write it in each language."""

    code: str
    names: dict[str, str]


# Official names: 中国邮政 and 顺丰速运 in Chinese, ໄປສະນີລາວ in Lao; EMS is EMS everywhere.
LISTED: tuple[Carrier, ...] = (
    Carrier("ems", {"zh": "EMS", "lo": "EMS", "en": "EMS"}),
    Carrier("china_post", {"zh": "中国邮政", "lo": "ໄປສະນີຈີນ", "en": "China Post"}),
    Carrier("sf_express", {"zh": "顺丰速运", "lo": "SF Express", "en": "SF Express"}),
    Carrier("lao_post", {"zh": "老挝邮政", "lo": "ໄປສະນີລາວ", "en": "Lao Post"}),
)
_BY_CODE = {carrier.code: carrier for carrier in LISTED}
_BY_ENGLISH_NAME = {carrier.names["en"]: carrier for carrier in LISTED}


def carrier_name(stored: str | None, language: str) -> str:
    """The name of a stored carrier (a code, or a name typed in) in one language."""
    if not stored:
        return ""
    carrier = _BY_CODE.get(stored) or _BY_ENGLISH_NAME.get(stored)
    if carrier is None:
        return stored
    return carrier.names.get(language) or carrier.names["en"]
