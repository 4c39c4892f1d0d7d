"""SDMX: a real client (``sdmx1``) reads our structure and data messages; every observation is
compared with the database."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from baocao.datavalues.models import DataValue
from baocao.datavalues.services import set_value
from baocao.interchange import sdmx as ours

sdmx = pytest.importorskip("sdmx")

pytestmark = pytest.mark.django_db


def _fill():
    set_value(area="P04", indicator="TEL_SUBS_TOTAL", period="2024Q3", value=516033, source="form")
    set_value(area="P04", indicator="TEL_SUBS_TOTAL", period="2024Q4", value=517000, source="form")
    set_value(area="P20", indicator="TEL_SUBS_TOTAL", period="2024Q3", value=1234, source="form")
    set_value(area="P20", indicator="TEL_REVENUE", period="2024Q3", value=Decimal("1234.5"), source="form")
    set_value(area="P04", indicator="INET_SUBS_TOTAL", period="2024", value=12, disagg="fixed", source="form")
    set_value(area="P04", indicator="INET_USERS_SHARE", period="2024S1", value=Decimal("73.1"), numerator=340,
              denominator=465, qualifier="approx", source="form")
    set_value(area="P04", indicator="TEL_SUBS_TOTAL", period="202405", value=5, source="form")
    set_value(area="P04", indicator="TEL_SUBS_TOTAL", period="2024N9", value=9, source="form")  # not SDMX


def _db(start=None, end=None):
    out = {}
    for code, uid, disagg, ptype, period, value, qual in DataValue.objects.values_list(
        "indicator__code", "area__uid", "disagg", "period_type", "period", "value", "qualifier"
    ):
        if ptype not in ours.FREQ_OF:
            continue
        key = (ours.FREQ_OF[ptype], uid, code, disagg or "_T", ours.sdmx_period(period, ptype))
        out[key] = (Decimal(value), ours.QUALIFIER_CODES[qual])
    return out


def _obs(msg):
    """(FREQ, REF_AREA, INDICATOR, DISAGG, TIME_PERIOD) → (value, qualifier) for every observation."""
    out = {}
    for ds in msg.data:
        for o in ds.obs:
            key = o.key.order() if hasattr(o.key, "order") else o.key
            k = {kv.id: str(kv.value) for kv in key}
            attrs = {a: str(v.value.id if hasattr(v.value, "id") else v.value) for a, v in o.attrib.items()}
            out[(k["FREQ"], k["REF_AREA"], k["INDICATOR"], k["DISAGG"], k["TIME_PERIOD"])] = (
                Decimal(str(o.value)), attrs.get("QUALIFIER"),
            )
    return out


def test_sdmx1_reads_structure_and_data(world, client):
    _fill()
    r = client.get("/api/v1/sdmx/structure/dataflow/BAOCAO/BAOCAO_ICT/latest?references=all")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.sdmx.structure+xml")
    structure = sdmx.read_sdmx(io.BytesIO(r.content))
    flow = structure.dataflow["BAOCAO_ICT"]
    dsd = structure.structure["DSD_BAOCAO_ICT"]
    assert flow.structure.id == "DSD_BAOCAO_ICT"
    assert [d.id for d in dsd.dimensions] == ["FREQ", "REF_AREA", "INDICATOR", "DISAGG", "TIME_PERIOD"]
    assert {"UNIT_MEASURE", "QUALIFIER"} <= {a.id for a in dsd.attributes}
    cl_ind = structure.codelist["CL_INDICATOR"]
    from baocao.catalog.models import Indicator

    assert {c.id for c in cl_ind} == set(Indicator.objects.values_list("code", flat=True))
    assert str(cl_ind["TEL_SUBS_TOTAL"].name["vi"]) == Indicator.objects.get(code="TEL_SUBS_TOTAL").name
    assert {"P04", "P20"} <= {c.id for c in structure.codelist["CL_AREA"]}
    assert {c.id for c in structure.codelist["CL_FREQ"]} == {"A", "S", "Q", "M"}

    token_client = client
    token_client.force_login(world.officer)
    expected = _db()
    assert len(expected) == 7
    for fmt in ("genericdata", "structurespecificdata"):
        r = token_client.get(f"/api/v1/sdmx/data/BAOCAO_ICT/all?format={fmt}")
        assert r.status_code == 200, r.content
        body = b"".join(r.streaming_content)
        msg = sdmx.read_sdmx(io.BytesIO(body), structure=dsd) if fmt.startswith("structure") else sdmx.read_sdmx(io.BytesIO(body))
        assert _obs(msg) == expected, fmt
        # AllDimensions (flat observations) too.
        r = token_client.get(f"/api/v1/sdmx/data/BAOCAO_ICT/all?format={fmt}&dimensionAtObservation=AllDimensions")
        body = b"".join(r.streaming_content)
        msg = sdmx.read_sdmx(io.BytesIO(body), structure=dsd) if fmt.startswith("structure") else sdmx.read_sdmx(io.BytesIO(body))
        assert _obs(msg) == expected, fmt
    r = token_client.get("/api/v1/sdmx/data/BAOCAO_ICT/all", HTTP_ACCEPT="application/vnd.sdmx.data+json;version=1.0.0")
    assert r["Content-Type"].startswith("application/vnd.sdmx.data+json")
    msg = sdmx.read_sdmx(io.BytesIO(b"".join(r.streaming_content)), format="JSON")
    got = _obs(msg)
    assert {k: v[0] for k, v in got.items()} == {k: v[0] for k, v in expected.items()}


def test_sdmx_keys_periods_and_errors(world, client):
    _fill()
    client.force_login(world.officer)

    def keys(url):
        r = client.get(url + ("&" if "?" in url else "?") + "format=genericdata")
        assert r.status_code == 200, r.content
        return sorted(_obs(sdmx.read_sdmx(io.BytesIO(b"".join(r.streaming_content)))))

    assert keys("/api/v1/sdmx/data/BAOCAO,BAOCAO_ICT,1.0/Q.P04+P20.TEL_SUBS_TOTAL._T") == [
        ("Q", "P04", "TEL_SUBS_TOTAL", "_T", "2024-Q3"), ("Q", "P04", "TEL_SUBS_TOTAL", "_T", "2024-Q4"),
        ("Q", "P20", "TEL_SUBS_TOTAL", "_T", "2024-Q3"),
    ]
    assert keys("/api/v1/sdmx/data/BAOCAO_ICT/..TEL_SUBS_TOTAL.?startPeriod=2024-Q4&endPeriod=2024-12") == [
        ("Q", "P04", "TEL_SUBS_TOTAL", "_T", "2024-Q4"),
    ]
    assert keys("/api/v1/sdmx/data/BAOCAO_ICT/M...?startPeriod=2024-05-01") == [("M", "P04", "TEL_SUBS_TOTAL", "_T", "2024-05")]
    assert keys("/api/v1/sdmx/data/BAOCAO_ICT/A...fixed") == [("A", "P04", "INET_SUBS_TOTAL", "fixed", "2024")]
    assert keys("/api/v1/sdmx/data/BAOCAO_ICT/S...?endPeriod=2024-S1") == [("S", "P04", "INET_USERS_SHARE", "_T", "2024-S1")]
    for url, status in [
        ("/api/v1/sdmx/data/OTHER/all", 404),
        ("/api/v1/sdmx/data/BAOCAO_ICT/Q.P04", 400),
        ("/api/v1/sdmx/data/BAOCAO_ICT/X...", 400),
        ("/api/v1/sdmx/data/BAOCAO_ICT/all?startPeriod=2024-Q7", 400),
        ("/api/v1/sdmx/data/BAOCAO_ICT/all?format=xlsx", 406),
        ("/api/v1/sdmx/data/BAOCAO_ICT/Q.P99..", 404),
        ("/api/v1/sdmx/structure/hierarchy", 404),
        ("/api/v1/sdmx/structure/codelist/BAOCAO/CL_NOPE", 404),
    ]:
        r = client.get(url)
        assert r.status_code == status, (url, r.content)
        assert r["Content-Type"] == "application/problem+json"
    # A department sees only its own province.
    client.force_login(world.reporter_ls)
    assert {k[1] for k in keys("/api/v1/sdmx/data/BAOCAO_ICT/all")} == {"P20"}
    # Codelists alone, and the DSD with its children.
    r = client.get("/api/v1/sdmx/structure/codelist/BAOCAO/CL_FREQ+CL_QUALIFIER")
    msg = sdmx.read_sdmx(io.BytesIO(r.content))
    assert set(msg.codelist) == {"CL_FREQ", "CL_QUALIFIER"}
    r = client.get("/api/v1/sdmx/structure/datastructure/BAOCAO/DSD_BAOCAO_ICT/1.0?references=children")
    msg = sdmx.read_sdmx(io.BytesIO(r.content))
    assert "DSD_BAOCAO_ICT" in msg.structure and "CL_AREA" in msg.codelist
