"""The sample catalog's pictures: illustrations shipped with the package (scripts/make_pictures.py).

A product's or tree's `photo` is a Telegram file_id, an https URL, or `sample:<file>` for one of
these files; the bot uploads a sample file once and then reuses the file_id Telegram gives it.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, col, select

from models.catalog.trees import Tree
from models.shop.products import Product

PICTURES_DIR = Path(__file__).resolve().parent / "pictures"
SAMPLE_PREFIX = "sample:"
_NAME = re.compile(r"^[a-z0-9-]+\.jpg$")


def sample_photo(name: str) -> str:
    """The `photo` value that points at a shipped picture."""
    return SAMPLE_PREFIX + name


def tree_picture_name(species_slug: str) -> str:
    """The file of a species' tree illustration."""
    return f"tree-{species_slug}.jpg"


def product_picture_name(sku: str) -> str:
    """The file of a product's illustration, named after its SKU."""
    return f"product-{sku.lower()}.jpg"


def sample_picture_path(photo: str) -> Path | None:
    """The shipped file a `sample:` photo names, or None (not a sample, or no such file)."""
    if not photo.startswith(SAMPLE_PREFIX):
        return None
    name = photo.removeprefix(SAMPLE_PREFIX)
    path = PICTURES_DIR / name
    return path if _NAME.match(name) and path.is_file() else None


def set_catalog_photo(*, session: Session, code: str, photo: str) -> str | None:
    """Gives the tree with this code, or else the product with this SKU, a new photo (a Telegram
    file_id); returns the code as stored, or None if neither exists."""
    code = code.strip().upper()
    tree = session.exec(select(Tree).where(Tree.code == code)).first()
    if tree is not None:
        tree.photo = photo
        session.add(tree)
        return tree.code
    product = session.exec(select(Product).where(col(Product.sku) == code)).first()
    if product is not None:
        product.photo = photo
        session.add(product)
        return product.sku
    return None


def catalog_photo(*, session: Session, kind: str, code: str) -> str | None:
    """The `photo` of the tree (kind "tree") or product ("product") with this code or SKU."""
    if kind == "tree":
        return session.exec(select(Tree.photo).where(Tree.code == code)).first()
    return session.exec(select(Product.photo).where(col(Product.sku) == code)).first()
