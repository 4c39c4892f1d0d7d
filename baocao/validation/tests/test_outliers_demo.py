"""Outlier detection on the demo data set: recall of the injected anomalies, false positives on the rest."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from baocao.datavalues.services import bulk_write
from baocao.demo.generator import DemoGenerator
from baocao.demo.services import indicator_dicts, province_units
from baocao.geo.models import AdminArea
from baocao.validation.outliers import OutlierContext
from baocao.validation.services import clear_cache

pytestmark = pytest.mark.django_db

# Counts and money (a ×10 slip) and shares with parts (a numerator ÷10 slip), stocks and flows.
SAMPLE = {
    "TEL_SUBS_TOTAL", "TEL_SUBS_FIXED", "TEL_SUBS_MOBILE", "INET_FBB_SUBS", "INET_MBB_SUBS", "TEL_REVENUE",
    "POST_REVENUE", "FINES_AMOUNT", "INSPECTIONS", "DVC_DOSSIERS_ONLINE", "EOFFICE_ACCOUNTS", "PUBLIC_EBOARDS",
    "INET_FBB_COMMUNES", "SCHOOLS_BROADBAND", "EDOC_SIGNED_SHARE", "EDOC_FULLY_ELECTRONIC_SHARE", "DVCTT_L34_SHARE",
    "COMMUNE_RADIO_COMMUNES", "TASKS_COMPLETED_SHARE", "POST_DIGITAL_ADDRESS_SHARE",
}  # fmt: skip


def test_recall_and_false_positives_on_demo_anomalies(ref, capsys):
    clear_cache()
    old, new = province_units()
    inds = [i for i in indicator_dicts() if i["code"] in SAMPLE]
    gen = DemoGenerator(inds, old, new, (2026, 3))
    rows = [r for r in gen.rows() if "Q" in r["period"]]  # anomalies are injected in quarters
    bulk_write(rows, source="demo")
    anomalies = {(r["area"], r["indicator"], r["period"]) for r in rows if (r.get("provenance") or {}).get("anomaly")}
    assert len(anomalies) >= 30
    periods = sorted({r["period"] for r in rows})
    t0 = time.perf_counter()
    flagged: dict[tuple[str, str, str], set[str]] = {}
    for p in periods:
        ctx = OutlierContext(p, indicators=SAMPLE)
        for area in AdminArea.objects.filter(pk__in={a for by_area in ctx.current.values() for a in by_area}):
            for w in ctx.scan_area(area):
                flagged.setdefault((w.area, w.indicator, w.period), set()).add(w.method)
    elapsed = time.perf_counter() - t0
    hits = anomalies & flagged.keys()
    false = flagged.keys() - anomalies
    normal = len(rows) - len(anomalies)
    recall = len(hits) / len(anomalies)
    fp_rate = len(false) / normal
    by_method = {m: sum(1 for k in hits if m in flagged[k]) for m in ("history", "peers")}
    missed = sorted(anomalies - hits)
    with capsys.disabled():
        print(
            f"\noutliers: {len(rows)} values, {len(anomalies)} anomalies, recall {recall:.3f} "
            f"(history {by_method['history']}, peers {by_method['peers']}), false positives {len(false)} "
            f"= {fp_rate:.4%} of normal values, {elapsed:.1f}s; missed {missed[:10]}"
        )
    with capsys.disabled():
        print("false positives by indicator:", dict(Counter(k[1] for k in false).most_common()))
    assert recall >= 0.8
    assert fp_rate < 0.003
    # No false positive at all on the smooth series (subscribers, shares): they come from lumpy flows.
    assert {k[1] for k in false} <= {"FINES_AMOUNT", "INSPECTIONS", "DVC_DOSSIERS_ONLINE", "TEL_REVENUE", "POST_REVENUE"}
