"""A small quarterly form built from the real catalog fixture (no database), and helpers to edit a
built workbook the way a user would in Excel."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from openpyxl import load_workbook

from baocao.excel.layout import DATA_SHEET, CellValue, FormLayout, FormSection, row_plan
from baocao.excel.services import item_from_indicator

CATALOG = Path(__file__).resolve().parents[2] / "catalog" / "fixtures" / "catalog.json"


@cache
def catalog() -> dict[str, SimpleNamespace]:
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    out = {}
    for ind in data["indicators"]:
        lo, hi = ind.get("min"), ind.get("max")
        out[ind["code"]] = SimpleNamespace(
            code=ind["code"],
            name=ind["name"],
            unit=ind["unit"],
            value_type=ind["value_type"],
            agg_space=ind["agg_space"],
            decimals=ind["decimals"],
            min_value=None if lo is None else Decimal(str(lo)),
            max_value=None if hi is None else Decimal(str(hi)),
            disaggregations=ind["disaggregations"],
        )
    return out


DISAGG_NAMES = {"fixed": "cố định", "mobile": "di động"}


def sample_layout(**overrides: Any) -> FormLayout:
    cat = catalog()

    def item(code: str, disagg: str = ""):
        ind = cat[code]
        label = f"{ind.name}: {DISAGG_NAMES[disagg]}" if disagg else None
        return item_from_indicator(ind, disagg=disagg, label=label)

    sections = [
        FormSection(
            "Viễn thông, Internet",
            (
                item("TEL_SUBS_TOTAL"),
                item("TEL_SUBS_FIXED"),
                item("TEL_SUBS_MOBILE"),
                item("INET_SUBS_TOTAL"),
                item("INET_SUBS_TOTAL", "fixed"),
                item("INET_SUBS_TOTAL", "mobile"),
                item("TEL_DENSITY_PER100", "mobile"),
                item("INET_FBB_COMMUNES"),
            ),
        ),
        FormSection("Ứng dụng công nghệ thông tin", (item("EDOC_SIGNED_SHARE"),)),
        FormSection("Thanh tra, kiểm tra", (item("FINES_AMOUNT"),)),
    ]
    fields: dict[str, Any] = dict(
        code="ICT_Q",
        symbol="01/BC-STTTT",
        title="Báo cáo số liệu quý ngành thông tin và truyền thông",
        version=2,
        period_code="2020Q3",
        period_label="Quý III/2020",
        reporting_unit="Sở Thông tin và Truyền thông tỉnh Đắk Lắk",
        receiving_unit="Bộ Thông tin và Truyền thông (Vụ Kế hoạch - Tài chính)",
        deadline=dt.date(2020, 10, 15),
        sections=sections,
        unit_code="66",
        legal_basis="Thông tư số 03/2022/TT-BTTTT",
    )
    fields.update(overrides)
    return FormLayout(**fields)


def sample_values() -> dict[tuple[str, str], CellValue]:
    D = Decimal
    return {
        ("TEL_SUBS_TOTAL", ""): CellValue(
            D(2_104_517), comment="Số liệu do các doanh nghiệp viễn thông cung cấp"
        ),
        ("TEL_SUBS_FIXED", ""): CellValue(D(54_102)),
        ("TEL_SUBS_MOBILE", ""): CellValue(D(2_050_415)),
        ("INET_SUBS_TOTAL", "fixed"): CellValue(D(516_033), comment="Gồm thuê bao FTTH và xDSL"),
        ("TEL_DENSITY_PER100", "mobile"): CellValue(D("112.4")),
        ("INET_FBB_COMMUNES", ""): CellValue(D(158), D(158), D(199), "Còn 41 xã vùng sâu chưa có cáp quang"),
        ("EDOC_SIGNED_SHARE", ""): CellValue(D("96.25"), D(15_400), D(16_000), "Ước tính đến hết tháng 9"),
        ("FINES_AMOUNT", ""): CellValue(D(1_234_567_890_000)),
    }


def row_of(layout: FormLayout, code: str, disagg: str = "") -> int:
    for p in row_plan(layout):
        if p.item is not None and p.item.key == (code, disagg):
            return p.row
    raise KeyError((code, disagg))


def edit(data: bytes, change: Callable[[Any], None]) -> bytes:
    """Open a built workbook with openpyxl (as Excel would), let ``change(wb)`` edit it, save it."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def set_cells(data: bytes, cells: dict[str, Any], sheet: str = DATA_SHEET) -> bytes:
    def change(wb: Any) -> None:
        for ref, value in cells.items():
            wb[sheet][ref] = value

    return edit(data, change)
