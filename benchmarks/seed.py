"""Bulk seeding for the benchmark: many trees, and the festival-scale history (--scale)."""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session, col, select

from models.catalog import Farmer, Village
from models.trees import Species, Tree


def seed_trees(*, session: Session, count: int, prefix: str = "BENCH") -> list[int]:
    """Adds `count` free trees spread over the sample species, villages and farmers."""
    species = list(session.exec(select(Species.id).order_by(col(Species.id))).all())
    farmers = list(session.exec(select(Farmer.id, Farmer.village_id)).all())
    villages = set(session.exec(select(Village.id)).all())
    assert species and farmers and villages, "load the sample catalog first"
    rows = []
    for n in range(count):
        farmer_id, village_id = farmers[n % len(farmers)]
        rows.append(
            {
                "code": f"{prefix}-{n:06d}",
                "species_id": species[n % len(species)],
                "village_id": village_id,
                "farmer_id": farmer_id,
                "year_planted": 2010 + n % 10,
                "description_zh": "基准测试用的树。",
                "description_lo": "ຕົ້ນໄມ້ສຳລັບທົດສອບ.",
                "description_en": "A tree for the benchmark.",
                "price_fen": 30000 + (n % 5) * 1000,
                "harvest_kg": 10,
                "status": "available",
            }
        )
    for start in range(0, len(rows), 5000):
        session.execute(insert(Tree), rows[start : start + 5000])
    like = col(Tree.code).like(f"{prefix}-%")
    ids = session.exec(select(Tree.id).where(like).order_by(col(Tree.id))).all()
    return [tree_id for tree_id in ids if tree_id is not None]
