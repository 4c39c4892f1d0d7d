import datetime as dt

import pytest

from baocao.geo.models import AdminArea
from baocao.geo.services import AreaError, check_valid, constituents, resolve_area, successor_on

OLD, NEW = dt.date(2024, 1, 1), dt.date(2025, 8, 1)


@pytest.mark.parametrize(
    ("text", "day", "uid"),
    [
        ("Tuyên Quang", OLD, "P08"),
        ("Tuyên Quang", NEW, "P08-2025"),
        ("tuyen quang", NEW, "P08-2025"),
        ("Tỉnh Hà Giang", OLD, "P02"),
        ("TINH HA GIANG", OLD, "P02"),
        ("Thành phố Hà Nội", OLD, "P01"),
        ("Hà Nội", NEW, "P01"),
        ("TP. Hồ Chí Minh", OLD, "P79"),
        ("TP Hồ Chí Minh", NEW, "P79-2025"),
        ("TP.HCM", NEW, "P79-2025"),
        ("Thành phố Hồ Chí Minh", NEW, "P79-2025"),
        ("Thừa Thiên Huế", OLD, "P46"),
        ("Huế", NEW, "P46"),
        ("Bà Rịa–Vũng Tàu", OLD, "P77"),
        ("ba ria vung tau", OLD, "P77"),
        ("Hòa Bình", OLD, "P17"),
        ("Hoà Bình", OLD, "P17"),
        ("Đắk Lắk", NEW, "P66-2025"),
        ("dak lak", OLD, "P66"),
        ("15", OLD, "P15"),  # Yên Bái before the reform …
        ("15", NEW, "P15-2025"),  # … the code of the new Lào Cai after it
        ("8", OLD, "P08"),
        ("P08-2025", NEW, "P08-2025"),
        ("p02", OLD, "P02"),
    ],
)
def test_resolve_area_names_codes_prefixes_accents(geo_map, text, day, uid):
    assert resolve_area(text, day).uid == uid


def test_resolve_area_unknown(geo_map):
    with pytest.raises(AreaError, match="Không tìm thấy tỉnh/thành phố “Narnia”"):
        resolve_area("Narnia", OLD)
    with pytest.raises(AreaError, match="Chưa nhập"):
        resolve_area("  ", OLD)
    with pytest.raises(AreaError, match="Cấp hành chính không hợp lệ"):
        resolve_area("Hà Nội", OLD, level="planet")


def test_resolve_area_after_merge_names_the_successor(geo_map):
    with pytest.raises(AreaError) as err:
        resolve_area("Hà Giang", NEW)
    msg = str(err.value)
    assert isinstance(err.value, ValueError)
    assert "Hà Giang" in msg and "Tuyên Quang" in msg and "01/07/2025" in msg and "P08-2025" in msg
    assert "Nghị quyết 202/2025/QH15" in msg


def test_resolve_area_before_it_existed_lists_predecessors(geo_map):
    with pytest.raises(AreaError) as err:
        resolve_area("P08-2025", OLD)
    msg = str(err.value)
    assert "01/07/2025" in msg and "Hà Giang" in msg and "01/01/2024" in msg


def test_constituents_roll_up_tuyen_quang_2024q1(geo_map):
    new_tq = AdminArea.objects.get(uid="P08-2025")
    parts = constituents(new_tq, dt.date(2024, 3, 31))
    assert {a.uid for a in parts} == {"P08", "P02"}
    assert {a.name for a in parts} == {"Tuyên Quang", "Hà Giang"}
    assert constituents(new_tq, NEW) == [new_tq]
    cao_bang = AdminArea.objects.get(uid="P04")
    assert constituents(cao_bang, dt.date(2019, 6, 30)) == [cao_bang]
    assert constituents(cao_bang, NEW) == [cao_bang]
    hcm = AdminArea.objects.get(uid="P79-2025")
    assert {a.name for a in constituents(hcm, OLD)} == {"Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"}
    with pytest.raises(AreaError, match="Tuyên Quang"):
        constituents(AdminArea.objects.get(uid="P02"), NEW)


def test_every_new_province_rolls_up_to_the_63(geo_map):
    from baocao.geo.services import provinces_on

    covered = []
    for area in provinces_on(NEW):
        covered += [a.uid for a in constituents(area, OLD)]
    assert sorted(covered) == sorted(provinces_on(OLD).values_list("uid", flat=True))


def test_successor_on(geo_map):
    hg = AdminArea.objects.get(uid="P02")
    assert successor_on(hg, OLD) == hg
    assert successor_on(hg, NEW).uid == "P08-2025"
    yb = AdminArea.objects.get(uid="P15")
    assert successor_on(yb, NEW).name == "Lào Cai"
    cb = AdminArea.objects.get(uid="P04")
    assert successor_on(cb, NEW) == cb
    with pytest.raises(AreaError, match="chưa tồn tại"):
        successor_on(AdminArea.objects.get(uid="P08-2025"), OLD)


def test_check_valid(geo_map):
    hg = AdminArea.objects.get(uid="P02")
    assert check_valid(hg, dt.date(2025, 6, 30)) is hg
    with pytest.raises(AreaError, match="hợp nhất vào"):
        check_valid(hg, dt.date(2025, 7, 1))


def test_resolve_communes(db):
    from django.core.management import call_command

    call_command("load_map", communes=True, verbosity=0)
    assert resolve_area("Phường Phúc Xá", OLD, level="commune").uid == "W00001"
    assert resolve_area("Hoàn Kiếm", NEW, level="commune").uid == "W00070-2025"
    assert resolve_area("Quận Ba Đình", OLD, level="district").uid == "D001"
    with pytest.raises(AreaError, match="chưa tồn tại"):
        resolve_area("W00070-2025", OLD, level="commune")
    with pytest.raises(AreaError, match="“Tân Lập” không rõ là xã/phường nào") as err:
        resolve_area("Tân Lập", OLD, level="commune")
    assert "mã định danh" in str(err.value)
