"""Dashboards: who sees what, filters, bad input and the ad-hoc table's downloads."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from baocao.analytics import services as analytics
from baocao.core.numbers import format_number

from .conftest import PERIOD

pytestmark = pytest.mark.django_db


def _province_links(html: str) -> list[str]:
    """The uids of the province pages linked from the overview."""
    if 'id="province-links"' not in html:
        return []
    block = html.split('id="province-links"', 1)[1].split("</details>", 1)[0]
    return re.findall(r'href="/phan-tich/tinh/([^/]+)/', block)


def _row_codes(html: str) -> list[str]:
    """The indicator codes of the overview table's rows, in the order shown."""
    return re.findall(r'<tr id="row-([A-Z0-9_]+)"', html)


@pytest.mark.parametrize("url", ["/phan-tich/", "/phan-tich/tinh/P04/", "/phan-tich/chi-tieu/TEL_SUBS_TOTAL/", "/phan-tich/bang/"])
def test_pages_need_a_login(client, dash, url):
    resp = client.get(url)
    assert resp.status_code == 302 and "/dang-nhap/" in resp["Location"]


def test_overview_shows_the_services_figures(client, dash):
    client.force_login(dash.officer)
    resp = client.get("/phan-tich/", {"ky": PERIOD})
    assert resp.status_code == 200
    expected = analytics.overview(PERIOD)
    html = resp.content.decode()
    assert _row_codes(html) == [r.indicator.code for r in expected] == ["TEL_SUBS_TOTAL", "EDOC_SIGNED_SHARE"]
    subs = expected[0]
    # 4 provinces' subscribers in 2024Q4: (516.033 + 702.410 + 800.000 + 650.500) + 4 × 4.000
    assert subs.value == Decimal(2_684_943)
    assert "2.684.943" in html
    assert format_number(subs.change.delta_previous, 0) in html
    signed = expected[1]
    assert signed.target == Decimal(80) and signed.light in ("green", "amber", "red")
    assert format_number(signed.value, 2) in html
    assert 'id="sparklines"' in html and "<script>" not in html.replace('<script id="sparklines"', "")


def test_overview_page_follows_every_change_at_once(client, dash):
    """The page's table is cached per data stamp: a changed value, a report returned and a changed target
    show on the next request."""
    from baocao.analytics.models import Target
    from baocao.datavalues.services import set_value

    client.force_login(dash.officer)

    def shown() -> str:
        return client.get("/phan-tich/", {"ky": PERIOD}).content.decode()

    assert "2.684.943" in shown()
    set_value(area="P04", indicator="TEL_SUBS_TOTAL", period=PERIOD, value=520_033 + 1_000_000, source="form")
    html = shown()
    assert "3.684.943" in html and "2.684.943" not in html
    assert format_number(analytics.overview(PERIOD)[0].value, 0) == "3.684.943"
    target = Target.objects.get(indicator__code="EDOC_SIGNED_SHARE", area=None)
    target.value = Decimal("12.5")
    target.save()
    assert "12,50" in shown()


def test_overview_opens_on_the_last_complete_quarter_and_links_to_province_pages(client, dash):
    from baocao.dashboards.forms import default_period

    client.force_login(dash.officer)
    resp = client.get("/phan-tich/")
    assert resp.status_code == 200 and resp.context["period"] == default_period()
    assert f'value="{default_period().code}"' in resp.content.decode()
    assert len(_province_links(resp.content.decode())) == 34  # the provinces valid today
    client.force_login(dash.reporter)
    resp = client.get("/phan-tich/", {"ky": PERIOD})
    assert _province_links(resp.content.decode()) == ["P04"]
    client.force_login(dash.nobody)
    resp = client.get("/phan-tich/", {"ky": PERIOD})
    assert resp.status_code == 200 and 'id="province-links"' not in resp.content.decode()


def test_overview_filters_by_domain_and_rejects_bad_input(client, dash):
    client.force_login(dash.reporter)
    resp = client.get("/phan-tich/", {"ky": PERIOD, "linh_vuc": "telecom"})
    assert _row_codes(resp.content.decode()) == ["TEL_SUBS_TOTAL"]
    bad = client.get("/phan-tich/", {"ky": "2024Q9"})
    assert bad.status_code == 400 and "rows" not in bad.context and 'id="overview"' not in bad.content.decode()
    assert "Kỳ “2024Q9” không hợp lệ" in bad.content.decode()
    bad = client.get("/phan-tich/", {"ky": PERIOD, "linh_vuc": "khong-co"})
    assert bad.status_code == 400
    bad = client.get("/phan-tich/", {"ky": PERIOD, "vung": "XX"})
    assert bad.status_code == 400


def test_department_sees_its_own_province_only(client, dash):
    client.force_login(dash.reporter)  # Cao Bằng
    own = client.get("/phan-tich/tinh/P04/", {"ky": PERIOD})
    assert own.status_code == 200
    assert client.get("/phan-tich/tinh/P20/", {"ky": PERIOD}).status_code == 403
    assert client.get("/phan-tich/tinh/KHONG/", {"ky": PERIOD}).status_code == 404
    # A logged-in user without a role sees no province at all.
    client.force_login(dash.nobody)
    assert client.get("/phan-tich/tinh/P04/", {"ky": PERIOD}).status_code == 403
    # The Ministry sees every province.
    client.force_login(dash.officer)
    assert client.get("/phan-tich/tinh/P20/", {"ky": PERIOD}).status_code == 200


def test_province_page_shows_rank_and_target_gap(client, dash):
    client.force_login(dash.reporter)
    resp = client.get("/phan-tich/tinh/P04/", {"ky": PERIOD})
    rows = {r.indicator.code: r for r in resp.context["rows"]}
    expected = {r.indicator.code: r for r in analytics.province_profile(dash.cao_bang, PERIOD)}
    assert rows == expected
    signed = expected["EDOC_SIGNED_SHARE"]
    assert signed.target == Decimal(85) and signed.gap == Decimal(85) - signed.value
    html = resp.content.decode()
    assert f"hạng {signed.rank}/{signed.of}" in html and signed.of == 63
    assert format_number(signed.gap, 2) in html


def test_indicator_page_ranking_and_department_scope(client, dash):
    client.force_login(dash.officer)
    resp = client.get("/phan-tich/chi-tieu/TEL_SUBS_TOTAL/", {"ky": PERIOD})
    assert resp.status_code == 200
    ranking = analytics.ranking("TEL_SUBS_TOTAL", PERIOD)
    assert [(r.rank, r.area.uid) for r in resp.context["ranking"]] == [(r.rank, r.area.uid) for r in ranking]
    assert [r.area.uid for r in ranking[:4]] == ["P08", "P20", "P02", "P04"]
    assert resp.context["of"] == 4
    html = resp.content.decode()
    assert 'id="ranking-data"' in html and 'id="series-data"' in html
    # A department sees its own row of the ranking (rank among all), not the other provinces' figures.
    client.force_login(dash.reporter)
    resp = client.get("/phan-tich/chi-tieu/TEL_SUBS_TOTAL/", {"ky": PERIOD})
    assert [(r.rank, r.area.uid) for r in resp.context["ranking"]] == [(4, "P04")]
    assert "702.410" not in resp.content.decode()
    assert client.get("/phan-tich/chi-tieu/KHONG_CO/").status_code == 404


def test_indicator_page_region_filter(client, dash):
    client.force_login(dash.officer)
    region = dash.cao_bang.region
    resp = client.get("/phan-tich/chi-tieu/TEL_SUBS_TOTAL/", {"ky": PERIOD, "vung": region})
    uids = {r.area.uid for r in resp.context["ranking"]}
    assert uids == {r.area.uid for r in analytics.ranking("TEL_SUBS_TOTAL", PERIOD, region=region)}
    assert "P04" in uids and len(uids) < 63


TABLE = {"hang": "area", "cot": "period", "chi_tieu": ["TEL_SUBS_TOTAL"], "tinh": ["P04", "P20"], "tu_ky": "2024Q3", "den_ky": "2024Q4"}


def test_table_downloads_parse_back_to_the_services_figures(client, dash):
    client.force_login(dash.officer)
    shown = client.get("/phan-tich/bang/", TABLE)
    assert shown.status_code == 200
    expected = analytics.table(
        "area", "period", indicators=["TEL_SUBS_TOTAL"], areas=["P04", "P20"], periods=["2024Q3", "2024Q4"]
    )
    assert shown.context["table"].cells == expected.cells == [[Decimal(519_033), Decimal(520_033)], [Decimal(705_410), Decimal(706_410)]]
    assert "520.033" in shown.content.decode()

    resp = client.get("/phan-tich/bang/", {**TABLE, "dinh_dang": "csv"})
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[1][1:] == expected.col_headers
    assert lines[2] == [expected.row_headers[0], "519.033", "520.033"]

    resp = client.get("/phan-tich/bang/", {**TABLE, "dinh_dang": "xlsx"})
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=5)]
    assert values == [[expected.row_headers[0], 519_033, 520_033], [expected.row_headers[1], 705_410, 706_410]]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"cot": "area"}, "cot", "Hàng và cột phải là hai chiều khác nhau"),
        ({"tu_ky": "2024Q7"}, "tu_ky", "không hợp lệ"),
        ({"den_ky": "2024"}, "den_ky", "cùng loại kỳ"),
        ({"den_ky": "2024Q1"}, "den_ky", "phải sau hoặc bằng"),
        ({"chi_tieu": ["TEL_SUBS_TOTAL", "EDOC_SIGNED_SHARE"]}, "chi_tieu", "chỉ được chọn đúng một"),
        ({"chi_tieu": ["KHONG_CO"]}, "chi_tieu", "KHONG_CO"),
        ({"dinh_dang": "pdf"}, None, "không hỗ trợ"),
    ],
)
def test_table_bad_input_is_a_clear_error(client, dash, change, field, message):
    client.force_login(dash.officer)
    resp = client.get("/phan-tich/bang/", {**TABLE, **change})
    assert resp.status_code == 400
    assert resp["Content-Type"].startswith("text/html")
    form = resp.context["form"]
    errors = form.errors.get(field or "__all__")
    assert errors and message in " ".join(errors)


def test_table_department_may_not_pick_another_province(client, dash):
    client.force_login(dash.reporter)
    resp = client.get("/phan-tich/bang/", {**TABLE, "tinh": ["P20"]})
    assert resp.status_code == 400 and "tinh" in resp.context["form"].errors
    # Without a choice it gets its own province; the country is allowed too.
    resp = client.get("/phan-tich/bang/", {**{k: v for k, v in TABLE.items() if k != "tinh"}})
    assert resp.status_code == 200 and resp.context["table"].row_headers == ["Cao Bằng"]
    country = [uid for uid, _ in resp.context["form"].fields["tinh"].choices][0]
    resp = client.get("/phan-tich/bang/", {**TABLE, "tinh": [country, "P04"]})
    assert resp.status_code == 200
    assert resp.context["table"].cells[0] == analytics.table(
        "area", "period", indicators=["TEL_SUBS_TOTAL"], areas=[country], periods=["2024Q3", "2024Q4"]
    ).cells[0]


def test_overview_view_adds_few_queries_to_the_service(client, dash):
    """The page is benchmarked under load: the view itself may add only a handful of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(dash.reporter)
    client.get("/phan-tich/", {"ky": PERIOD})  # warm up (content types, session)
    with CaptureQueriesContext(connection) as service:
        analytics.overview(PERIOD)
    with CaptureQueriesContext(connection) as page:
        assert client.get("/phan-tich/", {"ky": PERIOD}).status_code == 200
    # session, user, profile (visible areas), domains of the filter, the department's own province,
    # the lower-is-better codes and the base template's two permission look-ups: 8, whatever the
    # number of indicators.
    assert len(page) - len(service) <= 8, [q["sql"] for q in page.captured_queries]


def test_pages_in_english_keep_vietnamese_numbers(client, dash):
    client.force_login(dash.officer)
    html = client.get("/en/phan-tich/", {"ky": PERIOD}).content.decode()
    assert "National overview" in html and "Key indicators" in html and "2.684.943" in html
    html = client.get("/en/phan-tich/tinh/P04/", {"ky": PERIOD}).content.decode()
    assert "rank " in html and "Still to go to the target" in html


def test_change_colour_follows_the_indicators_direction(client, dash):
    import re

    from baocao.analytics.models import Direction

    client.force_login(dash.officer)

    def cls() -> str:
        html = client.get("/phan-tich/", {"ky": PERIOD}).content.decode()
        cell = re.search(r'id="row-TEL_SUBS_TOTAL".*?class="num change-prev"><span class="(\w+)"', html, re.S)
        return cell.group(1)

    assert analytics.overview(PERIOD)[0].change.delta_previous > 0
    assert cls() == "better"  # more subscribers: good news by default (higher is better)
    Direction.objects.create(indicator=dash.subs, better="lower")
    assert cls() == "worse"
