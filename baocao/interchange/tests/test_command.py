"""``baocao import FILE``: same path as the HTTP import, summary printed, exit codes."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from baocao.datavalues.models import DataValue

pytestmark = pytest.mark.django_db


def test_import_command(world, tmp_path, capsys):
    p = world.period.code
    good = tmp_path / "values.json"
    good.write_text(json.dumps({"dataValues": [
        {"dataElement": "TEL_SUBS_TOTAL", "period": p, "orgUnit": "P04", "value": "10"},
        {"dataElement": "TEL_SUBS_FIXED", "period": p, "orgUnit": "P04", "value": "4"},
    ]}))
    call_command("import", str(good), "--json", "--no-progress")
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "SUCCESS" and summary["importCount"]["imported"] == 2
    assert DataValue.objects.get(indicator__code="TEL_SUBS_TOTAL").source == "import"

    csv_file = tmp_path / "values.csv"
    csv_file.write_text(f"dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
                        f"TEL_SUBS_TOTAL,{p},P04,,,11\nTEL_SUBS_MOBILE,{p},P20,,,x\n")
    # As a Cao Bằng user: the Lạng Sơn value is outside the scope; atomic ALL refuses everything.
    with pytest.raises(CommandError) as exc:
        call_command("import", str(csv_file), "--user", world.reporter.username, "--no-progress")
    assert exc.value.returncode == 2 and "P20" in str(exc.value)
    # As the system, NONE: the good row is written, the bad one printed; exit code 1.
    with pytest.raises(CommandError) as exc:
        call_command("import", str(csv_file), "--atomic", "NONE", "--no-progress")
    assert exc.value.returncode == 1
    out = capsys.readouterr().out
    assert out.startswith("WARNING: 0 mới, 1 cập nhật") and "giá trị #1 [E7619] value" in out
    assert DataValue.objects.get(indicator__code="TEL_SUBS_TOTAL").value == 11

    # DELETE in a dry run: counted, nothing removed.
    call_command("import", str(good), "--strategy", "delete", "--dry-run", "--json", "--no-progress")
    summary = json.loads(capsys.readouterr().out)
    assert summary["importCount"]["deleted"] == 2 and DataValue.objects.count() == 2
    bad = tmp_path / "broken.json"
    bad.write_text('{"dataValues": [')
    with pytest.raises(CommandError) as exc:
        call_command("import", str(bad), "--no-progress")
    assert exc.value.returncode == 2 and "JSON" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("import", str(tmp_path / "values.txt"), "--no-progress")
    assert exc.value.returncode == 2
