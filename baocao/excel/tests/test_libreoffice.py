"""A real spreadsheet application opens and re-saves the form: metadata, codes, values, protection and
validation survive. Needs LibreOffice (Debian: libreoffice-calc-nogui); skipped without it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook

from baocao.excel.layout import DATA_SHEET, META_SHEET, CellValue
from baocao.excel.services import build_workbook, parse_workbook

from .sample import edit, row_of, sample_layout, sample_values

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")


def resave(data: bytes, tmp_path: Path) -> bytes:
    """Open and save the workbook in LibreOffice Calc, in a private profile and HOME (as the briefing's
    PDF conversion does), so that other LibreOffice runs on the machine cannot interfere."""
    src = tmp_path / "bieu.xlsx"
    src.write_bytes(data)
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    saved = out / "bieu.xlsx"
    assert saved.exists(), f"LibreOffice wrote nothing: {proc.stdout[-500:]} {proc.stderr[-500:]}"
    return saved.read_bytes()


def test_libreoffice_resave_keeps_the_form(tmp_path):
    layout = sample_layout()
    values = sample_values()
    r = lambda code, disagg="": row_of(layout, code, disagg)  # noqa: E731

    def typed(wb):
        ws = wb[DATA_SHEET]
        ws[f"F{r('TEL_SUBS_FIXED')}"] = "54.200"  # text, the Vietnamese way
        ws[f"I{r('TEL_SUBS_FIXED')}"] = "Cập nhật theo số liệu tháng 9"
        ws[f"F{r('TEL_DENSITY_PER100', 'mobile')}"] = "112,5"

    saved = resave(edit(build_workbook(layout, values), typed), tmp_path)
    assert saved[:2] == b"PK"
    result = parse_workbook(saved, layout)
    assert result.problems == []
    expected = dict(values)
    expected[("TEL_SUBS_FIXED", "")] = CellValue(D(54_200), comment="Cập nhật theo số liệu tháng 9")
    expected[("TEL_DENSITY_PER100", "mobile")] = CellValue(D("112.5"))
    assert result.values == expected

    wb = load_workbook(io.BytesIO(saved))
    ws = wb[DATA_SHEET]
    assert wb[META_SHEET].sheet_state == "hidden"
    assert ws.protection.sheet is True
    total = r("TEL_SUBS_TOTAL")
    assert ws[f"F{total}"].protection.locked is False and ws[f"C{total}"].protection.locked is True
    assert any(f"F{total}" in dv.sqref for dv in ws.data_validations.dataValidation)
