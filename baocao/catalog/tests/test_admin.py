"""The catalog admin in Vietnamese: list, filters, search by phrase, editing phrases, validation."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from baocao.catalog.models import Indicator


@pytest.fixture
def admin_client_catalog(client, db):
    call_command("load_catalog", stdout=StringIO())
    user = get_user_model().objects.create_superuser("quantri", "q@example.org", "mat-khau-Demo-2026")
    client.force_login(user)
    return client


def _codes(html: str) -> set[str]:
    return {i.code for i in Indicator.objects.all() if f">{i.code}</a>" in html}


def test_changelist_filters_and_search(admin_client_catalog):
    c = admin_client_catalog
    r = c.get("/admin/catalog/indicator/")
    html = r.content.decode()
    assert r.status_code == 200
    for label in ("lĩnh vực", "kiểu giá trị", "cộng gộp theo đơn vị", "hiệu lực"):
        assert label in html.lower()
    from baocao.catalog.models import Domain

    infosec = Domain.objects.get(code="infosec")
    r = c.get("/admin/catalog/indicator/", {"domain__id__exact": infosec.pk})
    found = _codes(r.content.decode())
    assert found and all(code.startswith("INFOSEC") for code in found)
    r = c.get("/admin/catalog/indicator/", {"agg_space__exact": "count_if"})
    assert "INFOSEC_4LAYER_PROVINCES" in _codes(r.content.decode())
    r = c.get("/admin/catalog/indicator/", {"hieu_luc": "ended"})
    ended = _codes(r.content.decode())
    assert "DVCTT_L34_SHARE" in ended and "TEL_SUBS_TOTAL" not in ended
    # search by a phrase reports use (with diacritics), by code, by name
    r = c.get("/admin/catalog/indicator/", {"q": "toàn mạng"})
    assert "TEL_SUBS_TOTAL" in _codes(r.content.decode())
    r = c.get("/admin/catalog/indicator/", {"q": "FINES_AMOUNT"})
    assert _codes(r.content.decode()) == {"FINES_AMOUNT"}
    r = c.get("/admin/catalog/indicator/", {"q": "đài truyền thanh"})
    assert "COMMUNE_RADIO_STATIONS" in _codes(r.content.decode())
    # without diacritics too (reports and users type either way)
    r = c.get("/admin/catalog/indicator/", {"q": "dai truyen thanh cap xa"})
    assert "COMMUNE_RADIO_STATIONS" in _codes(r.content.decode())
    r = c.get("/admin/catalog/indicator/", {"q": '"tổng số thuê bao điện thoại toàn mạng"'})
    assert _codes(r.content.decode()) == {"TEL_SUBS_TOTAL"}


def test_edit_phrases_one_per_line(admin_client_catalog):
    c = admin_client_catalog
    ind = Indicator.objects.get(code="INET_FBB_SUBS")
    r = c.get(f"/admin/catalog/indicator/{ind.pk}/change/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "thuê bao băng rộng cố định\n" in html  # phrases shown one per line
    data = {
        "code": ind.code,
        "name": ind.name,
        "name_en": ind.name_en,
        "domain": ind.domain_id,
        "scope": ind.scope,
        "unit": ind.unit,
        "unit_aliases": "TB\nthuê bao FTTH",
        "value_type": ind.value_type,
        "decimals": ind.decimals,
        "min_value": "0",
        "max_value": "",
        "agg_space": ind.agg_space,
        "agg_time": ind.agg_time,
        "weight": "",
        "condition": "",
        "disaggregations": [],
        "phrases": "thuê bao Internet băng rộng cố định\n  thuê bao   cáp quang  \n\nthuê bao FTTH",
        "definition": ind.definition,
        "legal_basis": ind.legal_basis,
        "valid_from": "",
        "valid_to": "",
    }
    r = c.post(f"/admin/catalog/indicator/{ind.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    ind.refresh_from_db()
    assert ind.phrases == ["thuê bao Internet băng rộng cố định", "thuê bao cáp quang", "thuê bao FTTH"]
    assert ind.unit_aliases == ["TB", "thuê bao FTTH"]
    assert "thue bao ftth" in ind.search_text

    # a count_if rule with a malformed condition, and inverted dates, are refused with Vietnamese errors
    bad = dict(
        data,
        agg_space="count_if",
        condition="INET_FBB_SUBS lớn hơn 3",
        valid_from="2023-01-01",
        valid_to="2022-01-01",
    )
    r = c.post(f"/admin/catalog/indicator/{ind.pk}/change/", bad)
    html = r.content.decode()
    assert r.status_code == 200
    assert "điều kiện không hợp lệ" in html
    assert "Ngày hiệu lực từ sau ngày hiệu lực đến" in html
    ind.refresh_from_db()
    assert ind.agg_space == "sum"


def test_domain_and_disaggregation_admin(admin_client_catalog):
    c = admin_client_catalog
    r = c.get("/admin/catalog/domain/")
    html = r.content.decode()
    assert "Viễn thông, Internet" in html and "số chỉ tiêu" in html.lower()
    r = c.get("/admin/catalog/disaggregation/", {"q": "di động"})
    assert "Di động" in r.content.decode()


@pytest.mark.browser
def test_indicator_admin_in_browser(live_server, page, db):
    call_command("load_catalog", stdout=StringIO())
    get_user_model().objects.create_superuser("quantri", "q@example.org", "mat-khau-Demo-2026")
    page.goto(live_server.url + "/admin/login/?next=/admin/catalog/indicator/")
    page.fill("#id_username", "quantri")
    page.fill("#id_password", "mat-khau-Demo-2026")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/catalog/indicator/")
    assert page.locator("#result_list tbody tr").count() >= 50
    page.fill("#searchbar", "mật độ điện thoại")
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    assert page.locator("#result_list tbody tr").first.inner_text().strip().startswith("TEL_DENSITY_PER100")
    page.click("#result_list tbody tr >> text=TEL_DENSITY_PER100")
    page.wait_for_load_state()
    assert "Cụm từ trong báo cáo" in page.locator("body").inner_text()
    page.fill("#id_phrases", "mật độ điện thoại\nmật độ điện thoại cố định và di động\nmật độ máy điện thoại")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert "thành công" in page.locator("body").inner_text()
    assert Indicator.objects.get(code="TEL_DENSITY_PER100").phrases[-1] == "mật độ máy điện thoại"
