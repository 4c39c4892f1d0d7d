"""The demo generator: deterministic, anchored on real figures, continuous across the reform, valid."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command

from baocao.datavalues.models import DataValue
from baocao.datavalues.services import bulk_write, validate_value
from baocao.demo.generator import DemoGenerator
from baocao.demo.services import DEMO_ACCOUNTS, demo_rows, indicator_dicts, province_units
from baocao.validation.services import check_values

TODAY = dt.date(2026, 11, 23)
SAMPLE = {"TEL_SUBS_TOTAL", "TEL_SUBS_FIXED", "TEL_SUBS_MOBILE", "TEL_DENSITY_PER100", "INET_FBB_COMMUNES",
          "EDOC_SIGNED_SHARE", "FINES_AMOUNT", "DVCTT_L34_SHARE", "LGSP_NDXP_CONNECTED", "DTI_SCORE",
          "POST_INHABITANTS_PER_POINT", "INSPECTIONS"}


def _generator() -> DemoGenerator:
    old, new = province_units()
    inds = [i for i in indicator_dicts() if i["code"] in SAMPLE]
    return DemoGenerator(inds, old, new, (2026, 3))


def _digest(rows) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(repr(sorted(r.items())).encode())
    return h.hexdigest()


def test_generator_is_deterministic(ref):
    assert _digest(_generator().rows()) == _digest(_generator().rows())


def test_rows_cover_both_maps_and_pass_validation(ref):
    gen = _generator()
    rows = list(gen.rows())
    areas_2024 = {r["area"] for r in rows if r["period"] == "2024Q4" and r["indicator"] == "TEL_SUBS_TOTAL"}
    areas_2026 = {r["area"] for r in rows if r["period"] == "2026Q3" and r["indicator"] == "TEL_SUBS_TOTAL"}
    assert len(areas_2024) == 63 and len(areas_2026) == 34
    # Every generated row passes the same validation as form entry (a sample of them, for speed).
    for r in rows[:: max(1, len(rows) // 400)]:
        validate_value(
            area=r["area"], indicator=r["indicator"], period=r["period"], value=r["value"],
            numerator=r.get("numerator"), denominator=r.get("denominator"), source="demo",
        )


def test_anchors_and_consistency(ref):
    rows = {(r["area"], r["indicator"], r["period"]): r for r in _generator().rows()}
    assert rows[("P04", "TEL_SUBS_TOTAL", "2019S1")]["value"] == 516033
    frac = rows[("P04", "INET_FBB_COMMUNES", "2019S1")]
    assert (frac["numerator"], frac["denominator"]) == (158, 199)
    # Total = fixed + mobile, for every province and period, except where an anomaly was injected.
    def anomalous(*rs):
        return any((r.get("provenance") or {}).get("anomaly") for r in rs)

    checked = 0
    for (area, code, period), r in rows.items():
        if code == "TEL_SUBS_TOTAL":
            fixed, mobile = rows[(area, "TEL_SUBS_FIXED", period)], rows[(area, "TEL_SUBS_MOBILE", period)]
            if not anomalous(r, fixed, mobile):
                assert abs(r["value"] - fixed["value"] - mobile["value"]) <= 1
                checked += 1
    assert checked > 3000
    # Flow: the year is the sum of its quarters; stock: the year is its last quarter.
    q = [rows[("P04", "FINES_AMOUNT", f"2019Q{i}")]["value"] for i in range(1, 5)]
    assert abs(rows[("P04", "FINES_AMOUNT", "2019")]["value"] - sum(q)) <= 2
    assert rows[("P04", "TEL_SUBS_MOBILE", "2019")]["value"] == rows[("P04", "TEL_SUBS_MOBILE", "2019Q4")]["value"]


def test_series_continue_across_the_reform(ref):
    rows = {(r["area"], r["indicator"], r["period"]): r["value"] for r in _generator().rows()}
    # The new Tuyên Quang (P08-2025) continues Tuyên Quang + Hà Giang (P08 + P02).
    before = rows[("P08", "TEL_SUBS_TOTAL", "2025Q2")] + rows[("P02", "TEL_SUBS_TOTAL", "2025Q2")]
    after = rows[("P08-2025", "TEL_SUBS_TOTAL", "2025Q3")]
    assert abs(after - before) / before < Decimal("0.15")
    assert ("P08", "TEL_SUBS_TOTAL", "2025Q3") not in rows
    assert ("P08-2025", "TEL_SUBS_TOTAL", "2025Q2") not in rows
    # Unchanged Cao Bằng reports on both sides of the reform.
    assert ("P04", "TEL_SUBS_TOTAL", "2025Q2") in rows and ("P04", "TEL_SUBS_TOTAL", "2025Q3") in rows


def test_anomalies_are_injected_and_the_rest_passes_every_rule(ref):
    call_command("load_rules", verbosity=0)
    old, new = province_units()
    gen = DemoGenerator(indicator_dicts(), old, new, (2026, 3))
    by_report: dict[tuple[str, str], dict] = defaultdict(dict)
    marked = []
    for r in gen.rows():
        by_report[(r["area"], r["period"])][(r["indicator"], "")] = r
        if (r.get("provenance") or {}).get("anomaly"):
            marked.append((r["area"], r["indicator"], r["period"]))
    assert marked and marked == gen.anomalies
    total = sum(len(v) for v in by_report.values())
    assert 0.0005 < len(marked) / total < 0.01
    # Every report without an injected anomaly passes every validation rule (errors and warnings):
    # related series (total = fixed + mobile, resolved ≤ received, shares and their parts) agree.
    dirty = {(a, p) for a, _, p in marked}
    clean = [(key, vals) for key, vals in by_report.items() if key not in dirty]
    assert len(clean) > 3000
    problems = [(key, v.rule_code) for key, vals in clean for v in check_values(vals, period=key[1])]
    assert problems == []


@pytest.mark.django_db
def test_demo_command_loads_values_and_accounts(ref, capsys):
    gen, rows = demo_rows(TODAY)
    sample = (r for r in rows if r["indicator"] in {"TEL_SUBS_TOTAL", "INET_FBB_COMMUNES"})
    result = bulk_write(sample, source="demo")
    assert result.created == DataValue.objects.count() > 0
    call_command("demo_data", today="2026-11-23", no_progress=True)
    out = capsys.readouterr().out
    for acc in DEMO_ACCOUNTS:
        assert acc.username in out
    assert DataValue.objects.filter(area__uid="P04", indicator__code="TEL_SUBS_TOTAL", period="2019S1").get().value == 516033
    # Running it again changes nothing.
    n = DataValue.objects.count()
    call_command("demo_data", today="2026-11-23", no_progress=True, verbosity=0)
    assert DataValue.objects.count() == n
