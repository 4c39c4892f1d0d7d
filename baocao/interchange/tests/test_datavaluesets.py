"""DHIS2 dataValueSets through the HTTP API: strategies, atomic modes, dry run, bad input, scope,
locks, the size limit, export filters and the JSON/CSV round trip."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from baocao.datavalues.models import DataValue, DataValueHistory
from baocao.datavalues.services import set_value
from baocao.geo.models import AdminArea
from baocao.interchange import services
from baocao.periods.services import Period
from baocao.reporting import services as rs
from baocao.reporting.models import State, Submission

pytestmark = pytest.mark.django_db

URL = "/api/v1/dataValueSets"


def dv(code, period, unit="P04", value="1", **extra):
    return {"dataElement": code, "period": period, "orgUnit": unit, "value": value, **extra}


def post(client, values, *, fmt="json", status=200, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    url = URL + (f"?{query}" if query else "")
    if fmt == "json":
        r = client.post(url, json.dumps({"dataValues": values}), content_type="application/json")
    else:
        r = client.post(url, values, content_type="text/csv")
    assert r.status_code == status, r.content.decode()
    if status == 409:  # atomicMode=ALL refused: a problem carrying the importSummary, as DHIS2's web message
        assert r["Content-Type"] == "application/problem+json" and r.json()["httpStatus"] == "Conflict"
        return r.json()["response"]
    return r.json()


def stored(code, period, unit="P04", disagg=""):
    return DataValue.objects.filter(indicator__code=code, period=period, area__uid=unit, disagg=disagg).first()


def counts(summary):
    c = summary["importCount"]
    return c["imported"], c["updated"], c["ignored"], c["deleted"]


# --- strategies -------------------------------------------------------------------------------------


def test_every_import_strategy(world, client_for):
    c = client_for(world.admin)
    p = world.period.code
    s = post(c, [dv("TEL_SUBS_TOTAL", p, value="100"), dv("INET_SUBS_TOTAL", p, value="7", categoryOptionCombo="fixed")],
             importStrategy="CREATE")
    assert s["status"] == "SUCCESS" and counts(s) == (2, 0, 0, 0)
    assert stored("TEL_SUBS_TOTAL", p).value == 100
    assert stored("INET_SUBS_TOTAL", p, disagg="fixed").value == 7
    assert stored("TEL_SUBS_TOTAL", p).source == "api"

    # CREATE never touches an existing value.
    s = post(c, [dv("TEL_SUBS_TOTAL", p, value="999")], importStrategy="CREATE")
    assert counts(s) == (0, 0, 1, 0) and stored("TEL_SUBS_TOTAL", p).value == 100

    # UPDATE changes existing values only; a missing key is ignored.
    s = post(c, [dv("TEL_SUBS_TOTAL", p, value="120"), dv("TEL_SUBS_FIXED", p, value="5")], importStrategy="UPDATE")
    assert counts(s) == (0, 1, 1, 0)
    assert stored("TEL_SUBS_TOTAL", p).value == 120 and stored("TEL_SUBS_TOTAL", p).version == 2
    assert stored("TEL_SUBS_FIXED", p) is None
    assert DataValueHistory.objects.filter(value_id_ref=stored("TEL_SUBS_TOTAL", p).pk, value=100).exists()

    # CREATE_AND_UPDATE (default): new, changed and identical values.
    s = post(c, [dv("TEL_SUBS_TOTAL", p, value="120"), dv("TEL_SUBS_FIXED", p, value="5"),
                 dv("INET_SUBS_TOTAL", p, value="8", categoryOptionCombo="fixed")])
    assert counts(s) == (1, 1, 1, 0)
    assert stored("TEL_SUBS_TOTAL", p).version == 2  # identical: not rewritten

    # DELETE keeps the last state in the history; an absent key is ignored.
    kept = stored("TEL_SUBS_FIXED", p).pk
    s = post(c, [dv("TEL_SUBS_FIXED", p, value=""), dv("TEL_SUBS_MOBILE", p)], importStrategy="DELETE")
    assert counts(s) == (0, 0, 1, 1)
    assert stored("TEL_SUBS_FIXED", p) is None
    assert DataValueHistory.objects.filter(value_id_ref=kept, action="delete").exists()

    # DHIS2's old names are accepted.
    s = post(c, [dv("TEL_SUBS_FIXED", p, value="6")], importStrategy="NEW_AND_UPDATES")
    assert counts(s) == (1, 0, 0, 0)


def test_dry_run_counts_but_changes_nothing(world, client_for):
    c = client_for(world.admin)
    p = world.period.code
    post(c, [dv("TEL_SUBS_TOTAL", p, value="100")])
    before = list(DataValue.objects.values_list("id", "value", "version", "updated_at"))
    hist = DataValueHistory.objects.count()
    s = post(c, [dv("TEL_SUBS_TOTAL", p, value="101"), dv("TEL_SUBS_FIXED", p, value="5")], dryRun="true")
    assert s["status"] == "SUCCESS" and counts(s) == (1, 1, 0, 0) and s["importOptions"]["dryRun"] is True
    s = post(c, [dv("TEL_SUBS_TOTAL", p, value="")], dryRun="true", importStrategy="DELETE")
    assert counts(s) == (0, 0, 0, 1)
    assert list(DataValue.objects.values_list("id", "value", "version", "updated_at")) == before
    assert DataValueHistory.objects.count() == hist


def test_atomic_all_writes_nothing_and_none_writes_the_good_rows(world, client_for):
    c = client_for(world.admin)
    p = world.period.code
    values = [dv("TEL_SUBS_TOTAL", p, value="10"), dv("TEL_SUBS_FIXED", p, value="abc"), dv("TEL_SUBS_MOBILE", p, value="3")]
    s = post(c, values, status=409)  # atomicMode=ALL is the default
    assert s["status"] == "ERROR" and counts(s) == (0, 0, 3, 0)
    assert [(x["indexes"], x["property"], x["errorCode"]) for x in s["conflicts"]] == [([1], "value", "E7619")]
    assert DataValue.objects.count() == 0

    s = post(c, values, atomicMode="NONE")
    assert s["status"] == "WARNING" and counts(s) == (2, 0, 1, 0)
    assert [x["indexes"] for x in s["conflicts"]] == [[1]]
    assert stored("TEL_SUBS_TOTAL", p).value == 10 and stored("TEL_SUBS_MOBILE", p).value == 3
    assert stored("TEL_SUBS_FIXED", p) is None


# --- bad input --------------------------------------------------------------------------------------


def test_one_precise_conflict_per_bad_value(world, client_for):
    c = client_for(world.admin)
    p = world.period.code
    values = [
        dv("TEL_SUBS_TOTAL", p, value="10"),                            # 0 good
        dv("NO_SUCH_CODE", p),                                          # 1 unknown data element
        dv("TEL_SUBS_TOTAL", p, unit="P99"),                            # 2 unknown org unit
        dv("TEL_SUBS_TOTAL", "2020Q5"),                                 # 3 impossible period
        dv("TEL_SUBS_TOTAL", "Q3-2020"),                                # 4 period in the wrong format
        dv("TEL_SUBS_FIXED", p, value="12,5"),                          # 5 wrong value type
        dv("TEL_BTS_STATIONS", p, value="-3"),                          # 6 negative count
        dv("TEL_SUBS_TOTAL", p, value="11"),                            # 7 duplicate of row 0
        dv("INET_SUBS_TOTAL", p, categoryOptionCombo="satellite"),      # 8 unknown disaggregation
        dv("TEL_SUBS_MOBILE", p, attributeOptionCombo="xyz"),           # 9 attribute option combo
        dv("POST_COMMUNES_WITH_POINT", p, value="5", denominator="3"),  # 10 numerator above denominator
        dv("TEL_SUBS_MOBILE", p, value=""),                             # 11 no value
        dv("TEL_SUBS_MOBILE", p, value="4"),                            # 12 good
        "not an object",                                                # 13
    ]
    s = post(c, values, atomicMode="NONE")
    by_index = {x["indexes"][0]: x for x in s["conflicts"]}
    assert set(by_index) == {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13}
    assert by_index[1]["errorCode"] == "E7610" and "NO_SUCH_CODE" in by_index[1]["value"]
    assert by_index[2]["property"] == "orgUnit" and "P99" in by_index[2]["value"]
    assert by_index[3]["property"] == "period" and by_index[3]["errorCode"] == "E7611"
    assert by_index[4]["property"] == "period"
    assert by_index[5]["property"] == "value" and by_index[6]["property"] == "value"
    assert by_index[7]["errorCode"] == "E7650"
    assert by_index[8]["property"] == "categoryOptionCombo" and "satellite" in by_index[8]["value"]
    assert by_index[9]["property"] == "attributeOptionCombo"
    assert by_index[10]["property"] in ("numerator", "denominator", "value")
    assert by_index[11]["property"] == "value"
    assert counts(s) == (2, 0, 12, 0)
    assert stored("TEL_SUBS_TOTAL", p).value == 10  # the first of the duplicates
    assert stored("TEL_SUBS_MOBILE", p).value == 4


@pytest.mark.parametrize(
    "body,fmt,where",
    [
        ('{"dataValues": [{"dataElement": "TEL_SUBS_TOTAL", "period": "%s", "orgUnit": "P04", "value": "1"}, {"dataEl', "json", "ký tự"),
        ('{"dataValues": [{"dataElement": "TEL_SUBS_TOTAL", "period": "%s", "orgUnit": "P04", "value": "1"} {"x": 1}]}', "json", "ký tự"),
        ("not json at all %s", "json", "ký tự"),
        ('dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\nTEL_SUBS_TOTAL,%s,P04,,,1\nTEL_SUBS_FIXED,"2020Q1,P04,,,1\n', "csv", "dòng"),
        ("dataelement,period,bogus\nTEL_SUBS_TOTAL,%s,P04\n", "csv", "dòng"),
    ],
)
def test_malformed_body_is_a_400_and_writes_nothing(world, client_for, body, fmt, where):
    c = client_for(world.admin)
    ctype = "application/json" if fmt == "json" else "text/csv"
    for mode in ("ALL", "NONE"):
        r = c.post(f"{URL}?atomicMode={mode}", body % world.period.code, content_type=ctype)
        assert r.status_code == 400, r.content
        assert r["Content-Type"] == "application/problem+json"
        assert where in r.json()["detail"]
    assert DataValue.objects.count() == 0


def test_csv_rows_with_wrong_cell_count_are_conflicts(world, client_for):
    c = client_for(world.admin)
    p = world.period.code
    body = f"TEL_SUBS_TOTAL,{p},P04,,,10\nTEL_SUBS_FIXED,{p},P04\nTEL_SUBS_MOBILE,{p},P04,default,default,7,u,,\"có dấu, phẩy\"\n"
    s = post(c, body, fmt="csv", atomicMode="NONE")  # no header: DHIS2's column order
    assert [x["indexes"] for x in s["conflicts"]] == [[1]]
    assert stored("TEL_SUBS_MOBILE", p).comment == "có dấu, phẩy"


def test_options_content_type_and_id_scheme_are_checked(world, client_for):
    c = client_for(world.admin)
    r = c.post(URL, "x", content_type="application/xml")
    assert r.status_code == 415 and r["Content-Type"] == "application/problem+json"
    r = c.post(URL + "?importStrategy=MERGE", "{}", content_type="application/json")
    assert r.status_code == 400 and "importStrategy" in r.json()["detail"]
    r = c.post(URL + "?idScheme=NAME", "{}", content_type="application/json")
    assert r.status_code == 400 and "idScheme" in r.json()["detail"]
    assert post(c, [], idScheme="uid")["status"] == "SUCCESS"
    r = c.post(URL.replace("/api", "/api"), "{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer nope")
    assert r.status_code == 401


# --- scope and locks --------------------------------------------------------------------------------


def test_a_province_token_writes_only_its_province(world, client_for):
    p = world.period.code
    c = client_for(world.reporter)  # Cao Bằng
    values = [dv("TEL_SUBS_TOTAL", p, "P04", "10"), dv("TEL_SUBS_TOTAL", p, "P20", "20"), dv("TEL_SUBS_FIXED", p, "P20", "2")]
    r = c.post(URL, json.dumps({"dataValues": values}), content_type="application/json")
    assert r.status_code == 403 and "P20" in r.json()["detail"]
    assert DataValue.objects.count() == 0
    s = post(c, values, atomicMode="NONE")
    assert [(x["indexes"], x["errorCode"]) for x in s["conflicts"]] == [([1], "E7617"), ([2], "E7617")]
    assert counts(s) == (1, 0, 2, 0)
    v = stored("TEL_SUBS_TOTAL", p, "P04")
    assert v.reporter_id == world.dept_cb.pk and v.created_by_id == world.reporter.pk
    # Roles that do not enter data may not import at all; they can read.
    for user in (world.officer, world.unit, world.nobody):
        r = client_for(user).post(URL, json.dumps({"dataValues": []}), content_type="application/json")
        assert r.status_code == 403
    # A province token reads only its province.
    set_value(area="P20", indicator="TEL_SUBS_TOTAL", period=p, value=5, source="form")
    got = client_for(world.reporter_ls).get(URL + f"?period={p}")
    units = {d["orgUnit"] for d in json.loads(b"".join(got.streaming_content))["dataValues"]}
    assert units == {"P20"}


def test_locked_reports_and_periods_refuse_values(world, client_for):
    p = world.period
    form = world.form_q
    version = rs.version_for(form, p)
    Submission.objects.create(
        form=form, version=version, area=world.cao_bang, organisation=world.dept_cb, period=p.code, period_type=p.type,
        period_start=p.start, period_end=p.end, state=State.ACCEPTED,
    )
    values = [dv("TEL_SUBS_TOTAL", p.code, "P04", "10"), dv("TEL_SUBS_TOTAL", p.code, "P20", "20")]
    s = post(client_for(world.admin), values, atomicMode="NONE")
    assert [(x["indexes"], x["errorCode"]) for x in s["conflicts"]] == [([0], "E7643")]
    assert "chấp nhận" in s["conflicts"][0]["value"]
    assert stored("TEL_SUBS_TOTAL", p.code, "P04") is None and stored("TEL_SUBS_TOTAL", p.code, "P20").value == 20
    s = post(client_for(world.admin), values[:1], status=409)
    assert s["conflicts"][0]["indexes"] == [0]

    # A department cannot write a period whose data are locked by the deadline; the administrator can.
    old = Period("quarter", 2023, 1).code
    s = post(client_for(world.reporter_ls), [dv("TEL_SUBS_TOTAL", old, "P20", "1")], status=409)
    assert s["conflicts"][0]["errorCode"] == "E7643" and "khóa" in s["conflicts"][0]["value"]
    assert counts(post(client_for(world.admin), [dv("TEL_SUBS_TOTAL", old, "P20", "1")])) == (1, 0, 0, 0)


def test_size_limit(world, client_for, settings):
    settings.BAOCAO_IMPORT_MAX_BYTES = 200
    c = client_for(world.admin)
    values = [dv("TEL_SUBS_TOTAL", world.period.code, value=str(i), comment="x" * 50) for i in range(5)]
    r = c.post(URL, json.dumps({"dataValues": values}), content_type="application/json")
    assert r.status_code == 413 and r.json()["limit"] == 200 and "200" in r.json()["detail"]
    # A body longer than it claims (or without Content-Length) is stopped while it is read.
    body = json.dumps({"dataValues": values[:1] + [dv("TEL_SUBS_FIXED", world.period.code, value="2", comment="y" * 500)]})
    opts = services.ImportOptions.parse(user=world.admin)
    with pytest.raises(services.TooLarge):
        services.import_stream(io.BytesIO(body.encode()), "json", opts, limit=200)
    assert DataValue.objects.count() == 0


# --- export and round trip --------------------------------------------------------------------------


def _fill(world):
    p = world.period.code
    set_value(area="P04", indicator="TEL_SUBS_TOTAL", period=p, value=516033, source="form", comment='ghi chú, "trích dẫn"\nhai dòng')
    set_value(area="P04", indicator="INET_SUBS_TOTAL", period=p, value=12, disagg="fixed", source="form")
    set_value(area="P04", indicator="POST_COMMUNES_WITH_POINT", period=p, value=158, denominator=199, source="form")
    set_value(area="P04", indicator="INET_USERS_SHARE", period=p, value=Decimal("73.1"), numerator=340, denominator=465,
              qualifier="approx", source="form")
    set_value(area="P20", indicator="TEL_SUBS_TOTAL", period=p, value=Decimal("0.5") * 2, source="form")
    set_value(area="P20", indicator="TEL_SUBS_TOTAL", period="2024", value=7, source="form")


def _snapshot():
    return sorted(
        DataValue.objects.values_list(
            "indicator__code", "area__uid", "period", "disagg", "value", "numerator", "denominator", "qualifier", "comment",
        )
    )


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_import_round_trip(world, client_for, fmt):
    _fill(world)
    before = _snapshot()
    c = client_for(world.admin)
    body = b"".join(c.get(f"{URL}.{fmt}").streaming_content)
    # Re-importing the export changes nothing at all.
    versions = list(DataValue.objects.values_list("id", "version"))
    s = post(c, body.decode(), fmt="csv") if fmt == "csv" else c.post(URL, body, content_type="application/json").json()
    assert counts(s) == (0, 0, len(before), 0)
    assert list(DataValue.objects.values_list("id", "version")) == versions
    # Into an empty database it gives the same data back.
    DataValue.objects.all().delete()
    ctype = "text/csv" if fmt == "csv" else "application/json"
    s = c.post(URL, body, content_type=ctype).json()
    assert s["status"] == "SUCCESS" and counts(s) == (len(before), 0, 0, 0)
    assert _snapshot() == before


def test_export_formats_and_filters(world, client_for):
    _fill(world)
    c = client_for(world.officer)
    p = world.period.code

    def get(query="", **headers):
        r = c.get(URL + query, **headers)
        assert r.status_code == 200, r.content
        return r, b"".join(r.streaming_content).decode()

    r, text = get(HTTP_ACCEPT="text/csv")
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == DataValue.objects.count()
    frac = next(x for x in rows if x["dataelement"] == "POST_COMMUNES_WITH_POINT")
    assert (frac["value"], frac["numerator"], frac["denominator"]) == ("158", "158", "199")
    r, text = get()
    values = json.loads(text)["dataValues"]
    share = next(v for v in values if v["dataElement"] == "INET_USERS_SHARE")
    assert share["value"] == "73.1" and share["qualifier"] == "approx" and share["categoryOptionCombo"] == "default"

    def elements(query):
        return sorted((v["dataElement"], v["orgUnit"], v["period"]) for v in json.loads(get(query)[1])["dataValues"])

    assert elements("?dataElement=TEL_SUBS_TOTAL&period=2024") == [("TEL_SUBS_TOTAL", "P20", "2024")]
    assert {u for _, u, _ in elements(f"?orgUnit=P04&period={p}")} == {"P04"}
    assert elements("?startDate=2024-01-01&endDate=2024-12-31") == [("TEL_SUBS_TOTAL", "P20", "2024")]
    assert len(elements("?dataSet=ICT-Q")) == 5  # the quarterly values of the form's indicators (not the annual one)
    assert elements("?lastUpdated=2100-01-01") == []
    vn = AdminArea.objects.filter(level="country").first()
    if vn is not None:
        assert len(elements(f"?orgUnit={vn.uid}&children=true")) == DataValue.objects.count()
    r = c.get(URL + "?dataElement=NOPE")
    assert r.status_code == 400 and "NOPE" in r.json()["detail"]
    r = c.get(URL + "?period=2020Q9")
    assert r.status_code == 400


def test_parsers_stream_across_chunk_boundaries(monkeypatch):
    from baocao.interchange import parsers

    monkeypatch.setattr(parsers, "CHUNK", 7)
    doc = {
        "dataSet": "ICT-Q", "period": "2020Q3", "orgUnit": "P04",
        "dataValues": [
            {"dataElement": "A", "value": 123456789, "comment": "Đà Nẵng \"x\" \\ \u1ec7"},
            {"dataElement": "B", "value": "1.5e3", "period": "2021", "numerator": 12.25},
            {"dataElement": "C", "value": True, "orgUnit": ""},
        ],
        "completeDate": "2020-10-01",
    }
    got = list(parsers.read_json(io.BytesIO(json.dumps(doc, ensure_ascii=False, indent=1).encode())))
    assert [i for i, _ in got] == [0, 1, 2]
    assert got[0][1] == {**doc["dataValues"][0], "period": "2020Q3", "orgUnit": "P04", "dataSet": "ICT-Q"}
    assert got[1][1]["period"] == "2021" and got[1][1]["numerator"] == 12.25
    assert got[2][1]["orgUnit"] == "P04" and got[2][1]["value"] is True
    got = list(parsers.read_json(io.BytesIO(b'  [ {"value": 1} , {"value": 22} ]  ')))
    assert [v["value"] for _, v in got] == [1, 22]
    text = "dataElement,Period,ORGUNIT,value,comment\nA,2020,P04,1,\"a\nb\"\n\nB,2021,P04,2,\n"
    got = list(parsers.read_csv(io.BytesIO(("\ufeff" + text).encode())))
    assert got == [(0, {"dataElement": "A", "period": "2020", "orgUnit": "P04", "value": "1", "comment": "a\nb"}),
                   (1, {"dataElement": "B", "period": "2021", "orgUnit": "P04", "value": "2", "comment": ""})]
    with pytest.raises(parsers.FormatError):
        list(parsers.read_json(io.BytesIO(b'{"dataValues": [{"a": 1}]} trailing')))
    with pytest.raises(parsers.FormatError):
        list(parsers.read_json(io.BytesIO(b'{"dataValues": [{"a": "\xff"}]}')))


def test_the_body_is_read_in_bounded_chunks(world):
    """The importer pulls the body piece by piece (never one read of the whole upload)."""
    p = world.period.code
    codes = ["TEL_SUBS_TOTAL", "TEL_SUBS_FIXED", "TEL_SUBS_MOBILE", "TEL_BTS_STATIONS", "TEL_WHITE_SPOT_HAMLETS"]
    areas = list(AdminArea.objects.filter(level="province", valid_to__isnull=True).values_list("uid", flat=True)[:30])
    values = [dv(c, p, a, str(i), comment="x" * 3000) for i, (c, a) in enumerate((c, a) for c in codes for a in areas)]
    body = json.dumps({"dataValues": values}).encode()
    assert len(body) > 400_000

    class Upload(io.BytesIO):
        sizes: list[int] = []

        def read(self, n=-1):
            assert n is not None and 0 < n <= 1024 * 1024, n
            self.sizes.append(n)
            return super().read(n)

    stream = Upload(body)
    s = services.import_stream(stream, "json", services.ImportOptions.parse(user=world.admin), limit=len(body))
    assert s.as_dict()["importCount"]["imported"] == len(values) and not s.conflicts
    assert len(stream.sizes) >= 2 and max(stream.sizes) <= 256 * 1024


def test_odd_json_types_are_conflicts_not_errors(world, client_for):
    c = client_for(world.admin)
    p = world.period.code
    values = [
        dv("TEL_SUBS_TOTAL", p, value={"x": 1}), dv("TEL_SUBS_FIXED", p, value=[1]), dv("TEL_SUBS_MOBILE", p, value=None),
        dv("TEL_BTS_STATIONS", p, value=5, numerator="abc", denominator=9), {"dataElement": 7, "period": 2024, "orgUnit": None},
        dv("TEL_WHITE_SPOT_HAMLETS", p, value=3, comment=12, qualifier="approx"), dv("TEL_REVENUE", p, value="1e400"),
        dv("TEL_SUBS_TOTAL", p, unit="P20", value=True),
    ]
    s = post(c, values, atomicMode="NONE")
    assert sorted(x["indexes"][0] for x in s["conflicts"]) == [0, 1, 2, 3, 4, 6, 7]
    assert stored("TEL_WHITE_SPOT_HAMLETS", p).comment == "12" and stored("TEL_WHITE_SPOT_HAMLETS", p).qualifier == "approx"
