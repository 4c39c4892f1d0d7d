import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def units(*args):
    out = StringIO()
    call_command("units", *args, stdout=out)
    return out.getvalue()


def test_units_json_63_then_34(geo_map):
    old = json.loads(units("--level", "province", "--on", "2024-01-01", "--format", "json"))
    new = json.loads(units("--level", "province", "--on", "2025-07-01", "--format", "json"))
    assert len(old) == 63 and len(new) == 34
    keys = {"uid", "code", "name", "level", "kind", "parent", "region", "population", "valid_from", "valid_to",
            "predecessors", "successors"}
    assert keys <= set(old[0])
    by_uid = {r["uid"]: r for r in new}
    tq = by_uid["P08-2025"]
    assert tq["predecessors"] == ["P02", "P08"] and tq["valid_from"] == "2025-07-01" and tq["parent"] == "VN"
    assert tq["population"] == sum(r["population"] for r in old if r["uid"] in ("P02", "P08"))
    hg = {r["uid"]: r for r in old}["P02"]
    assert hg["successors"] == ["P08-2025"] and hg["valid_to"] == "2025-06-30"
    assert by_uid["P04"]["predecessors"] == [] and by_uid["P04"]["valid_to"] is None


def test_units_table_and_parent(geo_map):
    text = units("--on", "2025-07-01")
    assert "34 đơn vị" in text and "Tuyên Quang" in text
    assert len(json.loads(units("--level", "country", "--on", "2024-01-01", "--format", "json"))) == 1
    assert len(json.loads(units("--level", "province", "--on", "2024-01-01", "--parent", "VN", "--format", "json"))) == 63


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--on", "2025-13-01"], "--on"),
        (["--on", "hôm qua"], "--on"),
        (["--level", "village"], "--level"),
        (["--format", "xml"], "--format"),
        (["--parent", "P999"], "--parent"),
    ],
)
def test_units_bad_input(geo_map, args, field):
    with pytest.raises(CommandError, match=field):
        units(*args)


def test_units_console_exit_code(geo_map, capsys):
    from baocao.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["units", "--on", "2024-02-30"])
    assert exc.value.code != 0
    assert "--on" in capsys.readouterr().err


def test_units_communes_of_a_new_province(db):
    call_command("load_map", communes=True, verbosity=0)
    rows = json.loads(units("--level", "commune", "--on", "2025-07-01", "--parent", "P08-2025", "--format", "json"))
    assert len(rows) > 100 and {r["parent"] for r in rows} == {"P08-2025"}
    assert all(r["uid"].endswith("-2025") and r["valid_from"] == "2025-07-01" for r in rows)
    old = json.loads(units("--level", "district", "--on", "2024-01-01", "--parent", "P02", "--format", "json"))
    assert len(old) == 11 and all(r["valid_to"] == "2025-06-30" for r in old)
    assert json.loads(units("--level", "district", "--on", "2025-07-01", "--format", "json")) == []
