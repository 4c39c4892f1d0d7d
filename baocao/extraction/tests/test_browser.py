"""In Debian's chromium: upload a report, accept figures, see them as data values linked to the text."""

from __future__ import annotations

import re

import pytest

from .conftest import PASSWORD, SAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.urls("baocao.extraction.tests.urls")]


def test_review_a_report_in_the_browser(live_server, page, review_world):
    from baocao.datavalues.models import DataValue
    from baocao.extraction.models import ExtractedItem, ItemKind

    base = live_server.url
    page.goto(base + "/dang-nhap/")
    page.fill("#id_username", "duyet")
    page.fill("#id_password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()

    # Upload one of our sample reports.
    page.goto(base + "/trich-xuat/")
    page.set_input_files("#id_file", str(SAMPLES / "s1_quangninh_9t2021.txt"))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/trich-xuat/\d+/$"))
    assert page.locator("#doc-province").inner_text() == "Quảng Ninh"
    assert page.locator("#doc-period").inner_text() == "2021N9"
    n_items = ExtractedItem.objects.count()
    assert page.locator("#doc-text mark").count() == n_items > 20

    # Accept two figures (one as the reviewer corrects it), reject one.
    points = ExtractedItem.objects.get(kind=ItemKind.FACT, quote__startswith="312")
    fbb = ExtractedItem.objects.get(kind=ItemKind.FACT, quote__startswith="287.560")
    rejected = ExtractedItem.objects.get(kind=ItemKind.FACT, quote__startswith="12 thôn")
    page.check(f"input[name=action-{points.pk}][value=accept]")
    page.check(f"input[name=action-{fbb.pk}][value=accept]")
    page.fill(f"input[name=value-{fbb.pk}]", "287.561")
    page.check(f"input[name=action-{rejected.pk}][value=reject]")
    page.click("#save-review")
    page.wait_for_load_state()
    assert "Đã lưu kết quả duyệt: 2 số liệu" in page.locator(".messages").inner_text()

    # They are data values now, with provenance pointing at the words they came from.
    values = {dv.indicator.code: dv for dv in DataValue.objects.select_related("indicator")}
    assert set(values) == {"T_POST_POINTS", "T_FBB_SUBS"}
    assert values["T_FBB_SUBS"].value == 287561 and values["T_POST_POINTS"].source == "extraction"
    dv = values["T_POST_POINTS"]
    assert page.locator(f"#dv-{dv.pk}").count() == 1

    # The link back lands on the highlighted span in the text.
    page.locator(f"#item-{points.pk} a.backlink").click()
    assert page.url.endswith(f"#span-{points.pk}")
    mark = page.locator(f"#span-{points.pk}")
    assert mark.inner_text() == "312 điểm phục vụ"
    assert "s-accepted" in mark.get_attribute("class")
    assert dv.provenance["span"] == [points.start, points.end]
    assert "s-rejected" in page.locator(f"#span-{rejected.pk}").get_attribute("class")
