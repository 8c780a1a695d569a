"""Operators' catalog import: villages (with their order-number prefix), species, farmers, trees,
products and the villages' ways to pay from a YAML file, or one kind from a CSV file (products
when the header has a `sku` column, ways to pay with `kind`, villages with `country`, else trees).

Every row is checked first; one bad row stops the import with its line number and nothing is
written (the whole import is one transaction). Rows are matched on their code or slug, so
importing the same file again updates the rows instead of duplicating them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlmodel import Session, SQLModel, col, select

from models.catalog.places import Farmer, Village, derive_prefix
from models.catalog.trees import GRID_COLS, GRID_ROWS, VARIETY_LENGTH, Species, Tree
from models.core.base import utcnow
from models.core.money import LAK, check_currency, minor
from models.payment.methods import (
    DEFAULT_HOLD_HOURS,
    DEFAULT_NAMES,
    MAX_HOLD_HOURS,
    MethodKind,
    VillagePaymentMethod,
)
from models.shop.products import Category, Product

LINE = "__line__"


class CatalogImportError(Exception):
    """The file has bad rows; `errors` lists them as "line N: problem"."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class _Row(BaseModel):
    """Common settings: unknown columns are an error, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


ORDER_PREFIX = re.compile(r"^[A-Z0-9]{2,6}$")


class _OrderPrefix(_Row):
    """A village's order-number prefix (`PSV` in PSV-7KQ3-XM9A). Written apart from the other
    fields (hence `exclude`), so a file without it keeps the prefix the village has."""

    order_prefix: str | None = Field(default=None, exclude=True)

    @field_validator("order_prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        """Accepts 2 to 6 capital letters or digits."""
        if value is not None and not ORDER_PREFIX.match(value):
            raise ValueError("must be 2 to 6 capital letters or digits, e.g. PSV")
        return value


class VillageRow(_OrderPrefix):
    slug: str = Field(min_length=1, max_length=40)
    country: str = Field(pattern="^(CN|LA)$")
    name_zh: str = Field(min_length=1, max_length=80)
    name_lo: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)
    region_zh: str = ""
    region_lo: str = ""
    region_en: str = ""
    collective_share_pct: int = Field(default=0, ge=0, le=100)
    currency: str | None = None  # CNY or LAK; none: the country's own (CN: CNY, LA: LAK)

    @model_validator(mode="after")
    def _currency(self) -> VillageRow:
        """The currency a village in its country may price in (its prices are in it)."""
        self.currency = check_currency(self.country, self.currency)
        return self


class SpeciesRow(_Row):
    slug: str = Field(min_length=1, max_length=40)
    emoji: str = "🌳"
    name_zh: str = Field(min_length=1, max_length=80)
    name_lo: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)


class FarmerRow(_Row):
    code: str = Field(min_length=1, max_length=40)
    village: str
    name_zh: str = Field(min_length=1, max_length=80)
    name_lo: str = ""
    name_en: str = ""


class TreeRow(_Row):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{0,23}$")
    species: str
    village: str
    farmer: str
    year_planted: int = Field(ge=1900, le=2100)
    price: str  # in the village's currency: yuan (420 or 420.50) or whole kip (850000)
    harvest_kg: int = Field(ge=0)
    variety_zh: str = Field(default="", max_length=VARIETY_LENGTH)  # none: the kind alone
    variety_lo: str = Field(default="", max_length=VARIETY_LENGTH)
    variety_en: str = Field(default="", max_length=VARIETY_LENGTH)
    description_zh: str = Field(default="", max_length=800)
    description_lo: str = Field(default="", max_length=800)
    description_en: str = Field(default="", max_length=800)
    photo: str | None = None
    row: int | None = Field(default=None, ge=1, le=GRID_ROWS)  # its cell on the village's map
    col: int | None = Field(default=None, ge=1, le=GRID_COLS)

    @field_validator("price", mode="before")
    @classmethod
    def _yuan(cls, value: Any) -> str:
        """Accepts a positive amount of yuan with at most two decimals."""
        return yuan(value)

    @model_validator(mode="after")
    def _cell(self) -> TreeRow:
        """A position is a row and a column, or neither."""
        if (self.row is None) != (self.col is None):
            raise ValueError("give both row and col, or neither")
        return self


def yuan(value: Any) -> str:
    """A positive amount of yuan with at most two decimals, as text; ValueError if not one."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("price must be an amount in yuan, e.g. 420 or 420.50") from None
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("price must be above zero with at most two decimals")
    return str(amount)


class ProductRow(_Row):
    sku: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{0,39}$")
    category: str = Field(pattern="^(" + "|".join(Category) + ")$")
    village: str
    farmer: str = ""  # none: the post office's own
    name_zh: str = Field(min_length=1, max_length=80)
    name_lo: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)
    unit_zh: str = Field(min_length=1, max_length=40)
    unit_lo: str = Field(min_length=1, max_length=40)
    unit_en: str = Field(min_length=1, max_length=40)
    description_zh: str = Field(default="", max_length=600)
    description_lo: str = Field(default="", max_length=600)
    description_en: str = Field(default="", max_length=600)
    price: str  # in the village's currency: yuan (128 or 98.50) or whole kip (150000)
    weight_g: int = Field(ge=1, le=100_000)
    stock: int = Field(default=0, ge=0, le=100_000)
    photo: str | None = None
    active: bool = True

    @field_validator("price", mode="before")
    @classmethod
    def _yuan(cls, value: Any) -> str:
        """Accepts a positive amount of yuan with at most two decimals."""
        return yuan(value)


MAX_QR_BYTES = 1_000_000
QR_FORMATS = ("PNG", "JPEG")


def qr_image(path: str) -> bytes:
    """The bytes of a QR code picture (PNG or JPEG, at most 1 MB); ValueError if not one."""
    from PIL import Image, UnidentifiedImageError

    file = Path(path)
    if not file.is_file():
        raise ValueError(f"no such file: {path}")
    data = file.read_bytes()
    if len(data) > MAX_QR_BYTES:
        raise ValueError(f"{path} is larger than 1 MB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError):
        kind = None
    if kind not in QR_FORMATS:
        raise ValueError(f"{path} is not a PNG or JPEG picture")
    return data


class PaymentMethodRow(_Row):
    """One way to pay a village's post office (models/payment/methods.py); matched on the
    village and the kind, so re-importing updates it."""

    village: str
    kind: MethodKind
    name_zh: str = Field(default="", max_length=60)  # none: the kind's usual name
    name_lo: str = Field(default="", max_length=60)
    name_en: str = Field(default="", max_length=60)
    account_text: str = Field(default="", max_length=300)
    counter_address: str = Field(default="", max_length=300)
    opening_hours: str = Field(default="", max_length=120)
    hold_hours: int = Field(default=DEFAULT_HOLD_HOURS, ge=1, le=MAX_HOLD_HOURS)
    enabled: bool = True
    qr: str | None = None  # a PNG or JPEG file, relative to the catalog file

    @field_validator("qr")
    @classmethod
    def _picture(cls, value: str | None) -> str | None:
        """Accepts a readable PNG or JPEG file of at most 1 MB."""
        if value:
            qr_image(value)
        return value or None

    def values(self, village_id: int, position: int) -> dict[str, Any]:
        """The method's columns, the kind's usual names where none are given."""
        names = dict(zip(("name_zh", "name_lo", "name_en"), DEFAULT_NAMES[self.kind], strict=True))
        values = self.model_dump(exclude={"village", "qr"})
        values.update({k: values[k] or names[k] for k in names})
        values.update(village_id=village_id, position=position, updated_at=utcnow())
        if self.qr:  # a new picture replaces an operator's photo and the sample
            values.update(qr_image=qr_image(self.qr), qr_file_id=None, qr_sample=False)
        return values


SECTIONS: dict[str, type[_Row]] = {
    "villages": VillageRow,
    "species": SpeciesRow,
    "farmers": FarmerRow,
    "trees": TreeRow,
    "products": ProductRow,
    "payment_methods": PaymentMethodRow,
}


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that records the line of every mapping."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    """Builds a mapping and notes its first line."""
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping  # type: ignore[return-value]


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def read_catalog_file(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Rows per section: a YAML file with the sections, or a CSV file of trees or products."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        rows = []
        for row in reader:
            clean = {k: v for k, v in row.items() if k and v not in (None, "")}
            rows.append({**clean, LINE: reader.line_num})
        section = _csv_section(reader.fieldnames or [])
        return {section: _with_qr_paths(section, rows, path.parent)}
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        raise CatalogImportError([f"not valid YAML: {exc}"]) from None
    if not isinstance(data, dict) or not set(data) - {LINE} <= set(SECTIONS):
        raise CatalogImportError([f"the file must have sections {', '.join(SECTIONS)}"])
    sections = {name: list(data.get(name) or []) for name in SECTIONS}
    sections["payment_methods"] = _with_qr_paths(
        "payment_methods", sections["payment_methods"], path.parent
    )
    return sections


def _csv_section(header: Sequence[str]) -> str:
    """Which section a CSV file holds, from its header."""
    for column, section in (("sku", "products"), ("kind", "payment_methods")):
        if column in header:
            return section
    return "villages" if "country" in header else "trees"


def _with_qr_paths(section: str, rows: list[Any], folder: Path) -> list[Any]:
    """Rows whose QR picture path is read from the catalog file's folder."""
    if section != "payment_methods":
        return rows
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("qr"), str) and row["qr"].strip():
            row["qr"] = str(folder / row["qr"].strip())
    return rows


def _validate(sections: dict[str, list[dict[str, Any]]]) -> dict[str, list[tuple[int, Any]]]:
    """Checks every row's fields; raises with every problem found."""
    errors: list[str] = []
    valid: dict[str, list[tuple[int, Any]]] = {}
    for name, model in SECTIONS.items():
        valid[name] = []
        for raw in sections.get(name, []):
            line = raw.pop(LINE, "?") if isinstance(raw, dict) else "?"
            try:
                valid[name].append((line, model.model_validate(raw)))
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors()
                )
                errors.append(f"line {line}: {name}: {problems}")
    if errors:
        raise CatalogImportError(errors)
    return valid


def _upsert(session: Session, model: type[SQLModel], key: str, values: dict[str, Any]) -> Any:
    """Updates the row with this key, or adds it."""
    row = session.exec(select(model).where(getattr(model, key) == values[key])).first()
    return _put(session, model, row, values)


def _put(session: Session, model: type[SQLModel], row: Any, values: dict[str, Any]) -> Any:
    """Writes `values` over the row found, or adds them as a new row when none was."""
    if row is None:
        row = model(**values)
    else:
        for field, value in values.items():
            setattr(row, field, value)
    session.add(row)
    session.flush()
    return row


MIN_KIP = 1000  # a smaller kip price is a yuan price mistaken for kip


def _price(session: Session, village_id: int, price: str) -> int | str:
    """The price in minor units of the village's currency, or the problem with it."""
    currency = session.get_one(Village, village_id).currency
    amount = Decimal(price)
    if currency == LAK and (amount != amount.to_integral_value() or amount < MIN_KIP):
        return f"price {price}: the village prices in kip, whole kip from {MIN_KIP}"
    return minor(amount, currency)


def _lookup(session: Session, model: type[SQLModel], key: str, value: str) -> int | None:
    """The id of the row whose key column has this value."""
    return session.exec(select(model.id).where(getattr(model, key) == value)).first()  # type: ignore[attr-defined]


def _cell_clashes(session: Session, trees: list[tuple[int, TreeRow]]) -> list[str]:
    """Two trees of a village on one cell: in the file, or with a tree the file does not move."""
    errors: list[str] = []
    codes = {row.code for _, row in trees}
    taken: dict[tuple[str, int, int], str] = {}
    stored = session.exec(
        select(Tree.code, Village.slug, Tree.grid_row, Tree.grid_col)
        .join(Village, col(Village.id) == Tree.village_id)
        .where(col(Tree.grid_row).is_not(None))
    )
    for code, village, row, column in stored:
        if code not in codes:
            taken[(village, row, column)] = code  # type: ignore[index]
    for line, tree in trees:
        if tree.row is None or tree.col is None:
            continue
        cell = (tree.village, tree.row, tree.col)
        if cell in taken:
            errors.append(
                f"line {line}: trees: {tree.code}: row {tree.row}, col {tree.col} of"
                f" {tree.village} already holds {taken[cell]}"
            )
        else:
            taken[cell] = f"{tree.code} (line {line})"
    return errors


def _lift_trees(session: Session, trees: list[tuple[int, TreeRow]]) -> None:
    """Takes the file's placed trees off the map first, so two of them can swap cells."""
    codes = [row.code for _, row in trees if row.row is not None]
    for tree in session.exec(select(Tree).where(col(Tree.code).in_(codes))):
        tree.grid_row = tree.grid_col = None
        session.add(tree)
    session.flush()


def import_catalog(
    *, session: Session, sections: dict[str, list[dict[str, Any]]]
) -> dict[str, int]:
    """Imports all rows or none; returns how many rows of each section were written."""
    valid = _validate(sections)
    errors: list[str] = []
    for _, row in valid["villages"]:
        _upsert(session, Village, "slug", row.model_dump())
    for _, row in valid["species"]:
        _upsert(session, Species, "slug", row.model_dump())
    for line, row in valid["farmers"]:
        village_id = _lookup(session, Village, "slug", row.village)
        if village_id is None:
            errors.append(f"line {line}: farmers: unknown village {row.village!r}")
            continue
        _upsert(
            session,
            Farmer,
            "code",
            {**row.model_dump(exclude={"village"}), "village_id": village_id},
        )
    clashes = _cell_clashes(session, valid["trees"])
    errors += clashes
    if not clashes:
        _lift_trees(session, valid["trees"])
    for line, row in valid["trees"]:
        ids = {
            "species_id": _lookup(session, Species, "slug", row.species),
            "village_id": _lookup(session, Village, "slug", row.village),
            "farmer_id": _lookup(session, Farmer, "code", row.farmer),
        }
        missing = [name.removesuffix("_id") for name, value in ids.items() if value is None]
        if missing:
            errors.append(f"line {line}: trees: unknown {', '.join(missing)}")
            continue
        values = row.model_dump(exclude={"species", "village", "farmer", "price", "row", "col"})
        price = _price(session, ids["village_id"], row.price)  # type: ignore[arg-type]
        if isinstance(price, str):
            errors.append(f"line {line}: trees: {price}")
            continue
        values["price_fen"] = price
        if row.row is not None and not clashes:  # no position given: a tree keeps its own
            values.update(grid_row=row.row, grid_col=row.col)
        _upsert(session, Tree, "code", {**values, **ids})
    for line, row in valid["products"]:
        village_id = _lookup(session, Village, "slug", row.village)
        farmer_id = _lookup(session, Farmer, "code", row.farmer) if row.farmer else None
        missing = [
            name
            for name, unknown in (
                ("village", village_id is None),
                ("farmer", bool(row.farmer) and farmer_id is None),
            )
            if unknown
        ]
        if missing:
            errors.append(f"line {line}: products: unknown {', '.join(missing)}")
            continue
        values = row.model_dump(exclude={"village", "farmer", "price"})
        price = _price(session, village_id, row.price)  # type: ignore[arg-type]
        if isinstance(price, str):
            errors.append(f"line {line}: products: {price}")
            continue
        values.update(price_fen=price, village_id=village_id, farmer_id=farmer_id)
        _upsert(session, Product, "sku", values)
    errors += _import_prefixes(session, valid["villages"])
    errors += _import_methods(session, valid["payment_methods"])
    if errors:
        raise CatalogImportError(errors)  # the caller's transaction rolls everything back
    return {name: len(rows) for name, rows in valid.items()}


def _import_prefixes(session: Session, rows: list[tuple[int, Any]]) -> list[str]:
    """Gives the villages their order-number prefix, each used by one village only."""
    errors: list[str] = []
    taken = {v.order_prefix: v.slug for v in session.exec(select(Village)) if v.order_prefix}
    for line, row in rows:
        prefix = row.order_prefix
        if prefix is None:
            continue
        owner = taken.get(prefix)
        if owner is not None and owner != row.slug:
            errors.append(f"line {line}: villages: order_prefix {prefix!r} is {owner}'s already")
            continue
        village = session.exec(select(Village).where(Village.slug == row.slug)).one()
        if village.order_prefix:
            taken.pop(village.order_prefix, None)
        taken[prefix] = row.slug
        village.order_prefix = prefix
        session.add(village)
    for _line, row in rows:  # the others get their own from the start, never another's
        village = session.exec(select(Village).where(Village.slug == row.slug)).one()
        if not village.order_prefix:
            village.order_prefix = derive_prefix(village.slug, taken)
            taken[village.order_prefix] = row.slug
            session.add(village)
    session.flush()
    return errors


def _import_methods(session: Session, rows: list[tuple[int, Any]]) -> list[str]:
    """Adds or updates the villages' ways to pay, in the file's order within each village."""
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    positions: dict[str, int] = {}
    for line, row in rows:
        village_id = _lookup(session, Village, "slug", row.village)
        if village_id is None:
            errors.append(f"line {line}: payment_methods: unknown village {row.village!r}")
            continue
        key = (row.village, str(row.kind))
        if key in seen:
            errors.append(
                f"line {line}: payment_methods: {row.village} has a {row.kind} already "
                f"(line {seen[key]})"
            )
            continue
        seen[key] = line
        position = positions[row.village] = positions.get(row.village, -1) + 1
        method = session.exec(
            select(VillagePaymentMethod)
            .where(VillagePaymentMethod.village_id == village_id)
            .where(VillagePaymentMethod.kind == row.kind)
            .order_by(col(VillagePaymentMethod.id))
        ).first()
        _put(session, VillagePaymentMethod, method, row.values(village_id, position))
    return errors
