"""What an Excel report form looks like: the layout dataclasses and the fixed sheet geometry.

The reporting app builds a ``FormLayout`` from its form model (sections of ``FormItem``) and hands it,
with the values, to ``baocao.excel.services.build_workbook`` / ``parse_workbook``. Nothing here touches
the database.

Sheet geometry (documented in docs/excel.md; the parser relies on it):

- data sheet ``DATA_SHEET`` ("Bieu_mau"), columns A..I = ``COLUMNS``:
  STT, Mã chỉ tiêu, Chỉ tiêu, Đơn vị tính, Kỳ trước, Giá trị, Tử số, Mẫu số, Ghi chú;
- rows 1-3: the header block (symbol, legal basis and deadline top left; reporting and receiving
  unit top right), row 5 the title, row 6 the period, row 7 a one-line instruction,
  ``HEADER_ROW`` (8) the column headers, row 9 the column numbering, data from ``FIRST_DATA_ROW`` (10);
- each section takes one title row, each item one row (``row_plan``);
- the hidden sheet ``META_SHEET`` ("_baocao") holds key/value pairs (``META_KEYS``) that tie an upload
  to the form, version, period and unit it was downloaded for, and ``layout_checksum``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

# --- value types (same codes as baocao.catalog.models.ValueType) ------------------------------------

VALUE_TYPES = ("count", "money", "percent", "density", "fraction", "ratio", "index", "boolean")

#: Format of the workbook itself; bump when the geometry below changes (old downloads are then refused).
FORMAT_VERSION = "1"

DATA_SHEET = "Bieu_mau"
META_SHEET = "_baocao"

#: (column letter, header text) of the data sheet, left to right.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("A", "STT"),
    ("B", "Mã chỉ tiêu"),
    ("C", "Chỉ tiêu"),
    ("D", "Đơn vị tính"),
    ("E", "Kỳ trước"),
    ("F", "Giá trị"),
    ("G", "Tử số"),
    ("H", "Mẫu số"),
    ("I", "Ghi chú"),
)
(
    COL_STT,
    COL_CODE,
    COL_LABEL,
    COL_UNIT,
    COL_PREVIOUS,
    COL_VALUE,
    COL_NUMERATOR,
    COL_DENOMINATOR,
    COL_COMMENT,
) = (c for c, _ in COLUMNS)
#: Cells a user may edit (unlocked); numerator/denominator only on items with ``needs_parts``.
EDITABLE_COLUMNS = (COL_VALUE, COL_NUMERATOR, COL_DENOMINATOR, COL_COMMENT)

HEADER_ROW = 8
NUMBERING_ROW = 9
FIRST_DATA_ROW = 10

#: Keys of the metadata sheet, one per row from A1 (key in column A, value in column B).
META_KEYS = (
    "format",  # FORMAT_VERSION
    "form_code",
    "form_version",
    "period_code",
    "period_label",
    "unit_code",
    "unit_name",
    "layout_checksum",
    "generated_at",
)
META_MARKER = "baocao-excel"  # A1 of the metadata sheet says what the file is


@dataclass(frozen=True)
class FormItem:
    """One row of the form: an indicator (with an optional disaggregation) and how its cells behave.

    ``value_type`` is one of ``VALUE_TYPES``. ``needs_parts``: the numerator (Tử số) and denominator
    (Mẫu số) cells are open for input (fractions, percentages and ratios of sums). ``min_value`` /
    ``max_value`` bound the value (None = unbounded; counts, money, densities and fractions are never
    negative anyway). A percentage holds percentage points: 16,2 means 16,2%.
    """

    code: str
    label: str
    unit: str = ""
    value_type: str = "count"
    decimals: int = 0
    needs_parts: bool = False
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    disagg: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.disagg)

    @property
    def code_text(self) -> str:
        """What column B shows: ``CODE`` or ``CODE:disagg``."""
        return item_code_text(self.code, self.disagg)


@dataclass(frozen=True)
class FormSection:
    title: str
    items: tuple[FormItem, ...] | list[FormItem] = ()


@dataclass(frozen=True)
class FormLayout:
    """A report form for one (reporting unit, period), as printed in the statistical regime.

    ``version`` is the form version (a form changed from a date gets a new version; an upload must
    match it). ``unit_code`` (optional) identifies the reporting unit more firmly than its name; when
    set, an upload must carry the same code.
    """

    code: str
    symbol: str
    title: str
    version: str | int
    period_code: str
    period_label: str
    reporting_unit: str
    receiving_unit: str
    deadline: dt.date | None
    sections: tuple[FormSection, ...] | list[FormSection] = ()
    unit_code: str = ""
    legal_basis: str = ""

    def items(self) -> Iterator[FormItem]:
        for section in self.sections:
            yield from section.items

    def check(self) -> None:
        """Raise ValueError on a layout that cannot become a workbook (duplicate rows, unknown types)."""
        seen: set[tuple[str, str]] = set()
        for item in self.items():
            if item.value_type not in VALUE_TYPES:
                raise ValueError(f"{item.code}: unknown value type {item.value_type!r}")
            if item.key in seen:
                raise ValueError(f"{item.code_text}: appears twice in form {self.code}")
            if not item.code or ":" in item.code:
                raise ValueError(f"invalid indicator code {item.code!r}")
            seen.add(item.key)


@dataclass(frozen=True)
class CellValue:
    """The content of one form row: the value, its numerator/denominator, a comment.

    ``qualifier`` (exact / approx / at_least, as in datavalues) is not carried by the workbook: a
    parsed value has ``qualifier=None`` ("unchanged"). Numbers are ``Decimal``.
    """

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    comment: str = ""
    qualifier: str | None = None


@dataclass(frozen=True)
class PlanRow:
    """One row of the data sheet below the headers: a section title (item None) or an item."""

    row: int
    section: FormSection
    item: FormItem | None
    number: str  # STT: "I", "II" for sections, "1", "2" for items


def item_code_text(code: str, disagg: str = "") -> str:
    return f"{code}:{disagg}" if disagg else code


def split_code_text(text: str) -> tuple[str, str]:
    code, _, disagg = text.strip().partition(":")
    return code.strip(), disagg.strip()


_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def row_plan(layout: FormLayout) -> list[PlanRow]:
    """The data sheet rows from ``FIRST_DATA_ROW``: a title row per section, then one row per item."""
    plan: list[PlanRow] = []
    row = FIRST_DATA_ROW
    number = 0
    for s_index, section in enumerate(layout.sections, start=1):
        plan.append(PlanRow(row, section, None, roman(s_index)))
        row += 1
        for item in section.items:
            number += 1
            plan.append(PlanRow(row, section, item, str(number)))
            row += 1
    return plan


def _dec(d: Decimal | None) -> str | None:
    return None if d is None else format(Decimal(d).normalize(), "f")


def layout_checksum(layout: FormLayout) -> str:
    """SHA-256 of what the parser depends on: form code and version, and each row's indicator, value
    type, decimals, parts and bounds, in order. Labels, units and titles are left out (rewording a
    label does not invalidate downloaded files); the period and unit are checked separately."""
    structure = {
        "format": FORMAT_VERSION,
        "form": layout.code,
        "version": str(layout.version),
        "rows": [
            [
                p.item.code,
                p.item.disagg,
                p.item.value_type,
                p.item.decimals,
                p.item.needs_parts,
                _dec(p.item.min_value),
                _dec(p.item.max_value),
            ]
            if p.item
            else ["§"]
            for p in row_plan(layout)
        ],
    }
    text = json.dumps(structure, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def metadata(layout: FormLayout, generated_at: dt.datetime | None = None) -> dict[str, str]:
    """The key/value pairs written to the metadata sheet (``META_KEYS`` order)."""
    return {
        "format": FORMAT_VERSION,
        "form_code": layout.code,
        "form_version": str(layout.version),
        "period_code": layout.period_code,
        "period_label": layout.period_label,
        "unit_code": layout.unit_code,
        "unit_name": layout.reporting_unit,
        "layout_checksum": layout_checksum(layout),
        "generated_at": (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
