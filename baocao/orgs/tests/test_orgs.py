import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from baocao.geo.models import AdminArea
from baocao.geo.services import AreaError, provinces_on
from baocao.orgs import loader
from baocao.orgs.models import Organisation, OrgKind
from baocao.orgs.services import OrgError, department_for, ministry_on

FEB28, MAR1, JUL1 = dt.date(2025, 2, 28), dt.date(2025, 3, 1), dt.date(2025, 7, 1)


def test_ministry_changes_on_1_march_2025(orgs):
    assert ministry_on(FEB28).short_name == "Bộ TT&TT"
    assert ministry_on(FEB28, "press").short_name == "Bộ TT&TT"
    most = ministry_on(MAR1)
    assert most.name == "Bộ Khoa học và Công nghệ"
    assert [p.uid for p in most.predecessors.all()] == ["BO-TTTT"]
    assert ministry_on(MAR1, "press").short_name == "Bộ VHTTDL"
    assert ministry_on(MAR1, "telecom") == most
    assert Organisation.objects.get(uid="BO-TTTT").valid_to == FEB28
    with pytest.raises(OrgError, match="Lĩnh vực không hợp lệ: “weather”"):
        ministry_on(MAR1, "weather")


def test_ministry_units_have_dates_and_parents(orgs):
    mic_units = Organisation.objects.filter(parent__uid="BO-TTTT", kind=OrgKind.MINISTRY_UNIT)
    assert mic_units.count() >= 15
    assert all(u.valid_to is not None and u.valid_to <= FEB28 for u in mic_units)
    names_2024 = set(mic_units.valid_on(dt.date(2024, 1, 1)).values_list("name", flat=True))
    for name in ["Văn phòng Bộ", "Thanh tra Bộ", "Cục Chuyển đổi số quốc gia", "Cục Viễn thông",
                 "Cục Bưu điện Trung ương", "Vụ Bưu chính", "Cục An toàn thông tin", "Cục Báo chí",
                 "Cục Xuất bản, In và Phát hành", "Cục Thông tin cơ sở"]:
        assert name in names_2024, name
    assert Organisation.objects.valid_on(dt.date(2021, 1, 1)).filter(name="Cục Tin học hóa").exists()
    cdsqg = Organisation.objects.get(uid="CDSQG-KHCN")
    assert cdsqg.parent.uid == "BO-KHCN"
    assert cdsqg.predecessors.get().predecessors.get().name == "Cục Tin học hóa"
    press = Organisation.objects.get(uid="CBC-VHTTDL")
    assert press.parent.uid == "BO-VHTTDL" and press.valid_from == MAR1
    assert Organisation.objects.filter(kind=OrgKind.MINISTRY_UNIT).valid_on(MAR1).filter(
        name="Cục Thông tin, Thống kê").exists()


def test_departments_per_province(orgs):
    sotttt = Organisation.objects.filter(uid__startswith="SO-TTTT-")
    assert sotttt.count() == 63
    assert sotttt.valid_on(FEB28).count() == 63 and sotttt.valid_on(MAR1).count() == 0
    assert {o.area.uid for o in sotttt} == set(provinces_on(FEB28).values_list("uid", flat=True))
    khcn = Organisation.objects.filter(uid__startswith="SO-KHCN-", kind=OrgKind.DEPARTMENT)
    assert khcn.valid_on(FEB28).count() == 0
    assert khcn.valid_on(MAR1).count() == 63
    assert khcn.valid_on(dt.date(2025, 6, 30)).count() == 63
    assert khcn.valid_on(JUL1).count() == 34
    assert {o.area.uid for o in khcn.valid_on(JUL1)} == set(provinces_on(JUL1).values_list("uid", flat=True))
    vh = Organisation.objects.filter(uid__startswith="SO-VHTTDL-")
    assert vh.valid_on(MAR1).count() == 63 and vh.valid_on(JUL1).count() == 34
    ubnd = Organisation.objects.filter(kind=OrgKind.PEOPLES_COMMITTEE)
    assert ubnd.valid_on(dt.date(2024, 1, 1)).count() == 63 and ubnd.valid_on(JUL1).count() == 34
    # Departments hang under their province's people's committee.
    d = Organisation.objects.get(uid="SO-TTTT-P04")
    assert d.parent.uid == "UBND-P04" and d.parent.parent.uid == "CP"
    assert d.name == "Sở Thông tin và Truyền thông tỉnh Cao Bằng"


def test_department_predecessors_follow_the_reform(orgs):
    tq = Organisation.objects.get(uid="SO-KHCN-P08-2025")
    assert tq.valid_from == JUL1
    assert {p.uid for p in tq.predecessors.all()} == {"SO-KHCN-P08", "SO-KHCN-P02"}
    old = Organisation.objects.get(uid="SO-KHCN-P02")
    assert (old.valid_from, old.valid_to) == (MAR1, dt.date(2025, 6, 30))
    assert [p.uid for p in old.predecessors.all()] == ["SO-TTTT-P02"]
    assert [p.uid for p in Organisation.objects.get(uid="SO-VHTTDL-P02").predecessors.all()] == ["SO-TTTT-P02"]
    # Unchanged province: one department across the reform.
    cb = Organisation.objects.get(uid="SO-KHCN-P04")
    assert (cb.valid_from, cb.valid_to) == (MAR1, None)
    ubnd = Organisation.objects.get(uid="UBND-P08-2025")
    assert {p.uid for p in ubnd.predecessors.all()} == {"UBND-P08", "UBND-P02"}


def test_department_for_before_and_after(orgs):
    assert department_for("Cao Bằng", FEB28).uid == "SO-TTTT-P04"
    assert department_for("Cao Bằng", FEB28, "press").uid == "SO-TTTT-P04"
    assert department_for("Cao Bằng", MAR1).uid == "SO-KHCN-P04"
    assert department_for("Cao Bằng", MAR1, "telecom").uid == "SO-KHCN-P04"
    assert department_for("Cao Bằng", MAR1, "press").uid == "SO-VHTTDL-P04"
    assert department_for("Cao Bằng", JUL1).uid == "SO-KHCN-P04"
    assert department_for("Hà Giang", dt.date(2025, 6, 30)).uid == "SO-KHCN-P02"
    assert department_for("Tuyên Quang", JUL1).uid == "SO-KHCN-P08-2025"
    area = AdminArea.objects.get(uid="P95")
    bl = department_for(area, dt.date(2024, 6, 30))
    assert bl.name.startswith("Sở Văn hóa, Thông tin") and bl.note


def test_department_for_errors(orgs):
    with pytest.raises(AreaError, match="Tuyên Quang"):
        department_for("Hà Giang", JUL1)
    with pytest.raises(AreaError, match="Narnia"):
        department_for("Narnia", JUL1)
    with pytest.raises(OrgError, match="“weather”"):
        department_for("Cao Bằng", JUL1, "weather")


def test_enterprises(orgs):
    names = set(Organisation.objects.filter(kind=OrgKind.ENTERPRISE).values_list("short_name", flat=True))
    assert {"VNPT", "Viettel", "MobiFone", "Vietnamobile", "FPT Telecom", "Vietnam Post", "Viettel Post"} <= names


def test_reload_is_idempotent(orgs):
    snapshot = list(Organisation.objects.order_by("uid").values())
    preds = sorted(Organisation.predecessors.through.objects.values_list("from_organisation_id", "to_organisation_id"))
    stats = loader.load_orgs()
    assert (stats.created, stats.updated, stats.links_added, stats.links_removed) == (0, 0, 0, 0)
    assert list(Organisation.objects.order_by("uid").values()) == snapshot
    assert sorted(Organisation.predecessors.through.objects.values_list(
        "from_organisation_id", "to_organisation_id")) == preds


def test_domains_skipped_when_catalog_empty_then_linked(orgs):
    from baocao.catalog.models import Domain

    assert not Organisation.domains.through.objects.exists()
    out = StringIO()
    call_command("load_orgs", stdout=out)
    assert "not linked" in out.getvalue()
    for i, code in enumerate(["postal", "telecom", "press"]):
        Domain.objects.create(code=code, name=code, name_en=code, order=i)
    stats = loader.load_orgs()
    assert stats.domains_linked > 0 and "it_app" in stats.domains_missing
    assert set(Organisation.objects.get(uid="SO-VHTTDL-P04").domains.values_list("code", flat=True)) == {"press"}
    assert set(Organisation.objects.get(uid="SO-KHCN-P04").domains.values_list("code", flat=True)) == {
        "postal", "telecom"}
    assert loader.load_orgs().domains_linked == 0


def test_load_orgs_needs_the_map(db):
    with pytest.raises(CommandError, match="load_map"):
        call_command("load_orgs", verbosity=0)
    assert not Organisation.objects.exists()


def test_bad_fixture_fails_clearly(orgs, tmp_path):
    data = json.loads(loader.FIXTURE.read_text(encoding="utf-8"))
    data["organisations"][1]["parent"] = "NOPE"
    data["organisations"][2]["valid_from"] = "2025-02-30"
    bad = tmp_path / "orgs.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = Organisation.objects.count()
    with pytest.raises(loader.OrgDataError) as err:
        loader.load_orgs(bad)
    assert "NOPE" in str(err.value) and "2025-02-30" in str(err.value)
    assert Organisation.objects.count() == before


def test_org_admin(orgs, admin_client):
    resp = admin_client.get("/admin/orgs/organisation/", {"q": "Cao Bằng", "kind": "department"})
    assert resp.status_code == 200
    assert "SO-KHCN-P04" in resp.content.decode()
    resp = admin_client.get("/admin/orgs/organisation/", {"hieu_luc": "post", "kind": "department"})
    assert "68 cơ quan, đơn vị" in resp.content.decode()
    org = Organisation.objects.get(uid="BO-KHCN")
    assert admin_client.get(f"/admin/orgs/organisation/{org.pk}/change/").status_code == 200


def test_domains_linked_with_the_real_catalog(ref):
    """Through load_reference (catalog first), departments and ministries carry their domains."""
    codes = set(Organisation.objects.get(uid="SO-TTTT-P04").domains.values_list("code", flat=True))
    assert codes == {"postal", "telecom", "it_app", "infosec", "press", "inspection", "digital"}
    assert set(Organisation.objects.get(uid="SO-VHTTDL-P08-2025").domains.values_list("code", flat=True)) == {"press"}
    assert "press" not in set(Organisation.objects.get(uid="BO-KHCN").domains.values_list("code", flat=True))
    assert department_for("Tuyên Quang", JUL1, "press").domains.filter(code="press").exists()
