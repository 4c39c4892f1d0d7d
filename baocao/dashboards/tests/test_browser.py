"""In Debian's chromium: every dashboard page shows the analytics service's figures, charts drawn locally."""

from __future__ import annotations

import csv
import io

import pytest

from baocao.analytics import services as analytics
from baocao.core.numbers import format_number, format_percent

from .conftest import PERIOD, login_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _charts_ready(page) -> None:
    page.wait_for_selector("body[data-charts-ready='1']", state="attached")


def test_overview_in_the_browser(live_server, page, client, dash):
    login_page(page, live_server, client, dash.officer)
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/")
    page.click("header nav a:text('Phân tích')")
    page.wait_for_url("**/phan-tich/")
    page.fill("#id_ky", PERIOD)
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#overview")
    _charts_ready(page)  # Chart.js came from /static/vendor/chart.js/ and drew the sparklines
    assert page.locator("canvas.sparkline").count() == 2
    for row in analytics.overview(PERIOD):
        tr = page.locator(f"#row-{row.indicator.code}")
        d = row.indicator.decimals
        assert tr.locator("td.value").inner_text() == format_number(row.value, d)
        change = tr.locator("td.change-prev").inner_text()
        assert format_number(row.change.delta_previous, d) in change
        assert format_percent(row.change.pct_previous) in change
        assert format_percent(row.change.pct_last_year) in tr.locator("td.change-year").inner_text()
        assert tr.locator("td.target").inner_text() == format_number(row.target, d)
        # The sparkline's data table beside it holds the same eight points.
        cells = tr.locator(".spark-table tbody td.num").all_text_contents()  # inside a closed <details>
        assert cells == [format_number(p.value, d) for p in row.sparkline]
    light = analytics.overview(PERIOD)[1].light
    label = {"green": "Đạt", "amber": "Gần đạt", "red": "Chưa đạt"}[light]
    assert page.locator("#row-EDOC_SIGNED_SHARE .light").inner_text() == label
    assert csp_errors == []


def test_province_page_in_the_browser(live_server, page, client, dash):
    login_page(page, live_server, client, dash.reporter)
    page.goto(f"{live_server.url}/phan-tich/tinh/P04/?ky={PERIOD}")
    assert page.locator("#area-name").inner_text() == "Cao Bằng"
    for row in analytics.province_profile(dash.cao_bang, PERIOD):
        tr = page.locator(f"#row-{row.indicator.code}")
        d = row.indicator.decimals
        assert tr.locator("td.value").inner_text() == format_number(row.value, d)
        assert tr.locator("td.national").inner_text() == format_number(row.national, d)
        assert tr.locator("td.rank").inner_text() == f"hạng {row.rank}/{row.of}"
        if row.gap is not None:
            assert tr.locator("td.gap").inner_text() == format_number(row.gap, d)
    # Another province's page is refused.
    resp = page.goto(f"{live_server.url}/phan-tich/tinh/P20/?ky={PERIOD}")
    assert resp.status == 403


def test_indicator_page_in_the_browser(live_server, page, client, dash):
    login_page(page, live_server, client, dash.officer)
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/phan-tich/chi-tieu/EDOC_SIGNED_SHARE/?ky={PERIOD}")
    _charts_ready(page)
    assert page.locator("#ranking-chart").bounding_box()["height"] > 100
    ranking = analytics.ranking("EDOC_SIGNED_SHARE", PERIOD)
    ranked = [r for r in ranking if r.rank is not None]
    rows = page.locator("#ranking tbody tr")
    assert rows.count() == len(ranking)
    for i, r in enumerate(ranked):
        tr = rows.nth(i)
        assert tr.locator("th").inner_text() == r.area.name
        assert tr.locator("td.rank").inner_text() == f"{r.rank}/{len(ranked)}"
        assert tr.locator("td.value").inner_text() == format_number(r.value, 2)
    periods = [f"2024Q{q}" for q in range(1, 5)]
    for p in analytics.series("EDOC_SIGNED_SHARE", None, periods):
        assert page.locator(f"#series-{p.period} td.value").inner_text() == format_number(p.value, 2)
    national = analytics.change("EDOC_SIGNED_SHARE", PERIOD)
    assert page.locator("#national .value").inner_text() == format_number(national.value, 2)
    assert csp_errors == []  # charts drawn without inline script or style


def test_adhoc_table_in_the_browser(live_server, page, client, dash):
    login_page(page, live_server, client, dash.officer)
    page.goto(f"{live_server.url}/phan-tich/bang/")
    page.select_option("#id_hang", "area")
    page.select_option("#id_cot", "period")
    page.select_option("#id_chi_tieu", ["EDOC_SIGNED_SHARE"])
    page.select_option("#id_tinh", ["P04", "P20", "P08"])
    page.fill("#id_tu_ky", "2024Q2")
    page.fill("#id_den_ky", PERIOD)
    page.click("#show-table")
    page.wait_for_selector("#adhoc")
    expected = analytics.table(
        "area", "period", indicators=["EDOC_SIGNED_SHARE"], areas=["P04", "P20", "P08"], periods=["2024Q2", "2024Q3", PERIOD]
    )
    assert page.locator("#adhoc thead th").all_inner_texts()[1:] == expected.col_headers
    body = page.locator("#adhoc tbody tr")
    for i, line in enumerate(expected.cells):
        assert body.nth(i).locator("th").inner_text() == expected.row_headers[i]
        assert body.nth(i).locator("td").all_inner_texts() == [format_number(v, 2) for v in line]
    with page.expect_download() as info:
        page.click("#download-csv")
    data = open(info.value.path(), encoding="utf-8-sig").read()
    lines = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert lines[2] == [expected.row_headers[0], *[format_number(v, 2) for v in expected.cells[0]]]
    # A bad choice is refused with a Vietnamese message, nothing shown.
    page.fill("#id_den_ky", "2024Q1")
    page.click("#show-table")
    assert "phải sau hoặc bằng" in page.locator("#error-den_ky").inner_text()
    assert page.locator("#adhoc").count() == 0


def test_overview_leads_to_a_province_and_an_indicator(live_server, page, client, dash):
    login_page(page, live_server, client, dash.officer)
    page.goto(f"{live_server.url}/phan-tich/?ky={PERIOD}")
    page.click("#province-links summary")
    page.click("#province-links a:text-is('Cao Bằng')")
    page.wait_for_url("**/phan-tich/tinh/P04/?ky=2024Q4")
    assert page.locator("#area-name").inner_text() == "Cao Bằng"
    page.click("#row-TEL_SUBS_TOTAL th a")
    page.wait_for_url("**/phan-tich/chi-tieu/TEL_SUBS_TOTAL/?ky=2024Q4")
    _charts_ready(page)
    # The time series table shows periods the Vietnamese way.
    assert page.locator("#series-2024Q4 td").first.inner_text() == "Quý IV/2024"
