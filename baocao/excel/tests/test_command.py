"""``baocao excel_info``: what a file says it is, and the guards' verdict."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from baocao.excel.services import build_workbook, inspect_workbook

from .sample import sample_layout, sample_values


def test_excel_info_on_a_form(tmp_path, capsys):
    path = tmp_path / "bieu.xlsx"
    path.write_bytes(build_workbook(sample_layout(), sample_values()))
    call_command("excel_info", str(path))
    out = capsys.readouterr().out
    assert "Mã biểu: ICT_Q" in out and "Tên kỳ: Quý III/2020" in out and "Mã đơn vị: 66" in out
    assert "qua được" in out
    call_command("excel_info", str(path), "--format", "json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is True and payload["metadata"]["period_code"] == "2020Q3"


def test_excel_info_on_bad_files(tmp_path, capsys):
    csv = tmp_path / "bieu.xlsx"
    csv.write_text("STT;Mã chỉ tiêu\n1;TEL_SUBS_TOTAL\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        call_command("excel_info", str(csv), "--format", "json")
    assert exc.value.code == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and "CSV" in payload["problems"][0]["message"]
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("excel_info", str(tmp_path / "missing.xlsx"))


def test_inspect_workbook_without_metadata():
    import io

    from openpyxl import Workbook

    wb = Workbook()
    out = io.BytesIO()
    wb.save(out)
    result = inspect_workbook(out.getvalue())
    assert not result.ok and result.metadata == {}
    assert {p.sheet for p in result.problems} == {"_baocao", "Bieu_mau"}
