"""Review: accepted figures become data values with provenance, in one transaction; pages."""

from __future__ import annotations

import pytest

from baocao.extraction.catalog import load_catalog
from baocao.extraction.models import ItemKind, ReviewStatus
from baocao.extraction.services import Decision, ReviewError, default_area, ingest_path, review

from .conftest import PASSWORD, SAMPLES

pytestmark = pytest.mark.urls("baocao.extraction.tests.urls")


def _doc(world):
    return ingest_path(SAMPLES / "s1_quangninh_9t2021.txt", catalog=load_catalog()).document


def _fact(doc, quote_part):
    return next(i for i in doc.items.filter(kind=ItemKind.FACT) if quote_part in i.quote)


def test_default_area_is_the_province_of_the_period(review_world):
    doc = _doc(review_world)
    assert default_area(doc) == review_world["qn"]


def test_accept_edit_and_reject_figures(review_world):
    from baocao.datavalues.models import DataValue

    doc = _doc(review_world)
    points = _fact(doc, "312 điểm")
    fibre = _fact(doc, "177/177")
    fbb = _fact(doc, "287.560")
    counts = review(
        doc,
        [
            Decision(points.pk, "accept"),
            Decision(fibre.pk, "accept"),
            Decision(fbb.pk, "accept", value="287.561"),  # corrected by the reviewer
            Decision(_fact(doc, "12 thôn").pk, "reject"),
        ],
        user=review_world["user"],
        area=review_world["qn"],
    )
    assert counts == {"fact": 3, "recommendation": 0, "directive": 0, "rejected": 1}
    dv = DataValue.objects.get(indicator__code="T_POST_POINTS")
    assert dv.value == 312 and dv.period == "2021N9" and dv.area == review_world["qn"] and dv.source == "extraction"
    assert dv.provenance["span"] == [points.start, points.end] and dv.provenance["document_id"] == doc.pk
    assert doc.text[dv.provenance["span"][0] : dv.provenance["span"][1]] == dv.provenance["quote"]
    f = DataValue.objects.get(indicator__code="T_FIBRE_COMMUNES")
    assert (f.value, f.numerator, f.denominator) == (177, 177, 177)
    assert DataValue.objects.get(indicator__code="T_FBB_SUBS").value == 287561
    fbb.refresh_from_db()
    assert fbb.status == ReviewStatus.EDITED and fbb.edited == {"value": "287561"}
    points.refresh_from_db()
    assert points.status == ReviewStatus.ACCEPTED and points.target == {"datavalue": dv.pk}


def test_one_bad_decision_writes_nothing(review_world):
    from baocao.datavalues.models import DataValue

    doc = _doc(review_world)
    good = _fact(doc, "312 điểm")
    unmapped = _fact(doc, "96 xã")
    with pytest.raises(ReviewError) as exc:
        review(doc, [Decision(good.pk, "accept"), Decision(unmapped.pk, "accept", indicator="")],
               user=review_world["user"], area=review_world["qn"])
    assert exc.value.field in ("indicator", "value")
    assert DataValue.objects.count() == 0
    good.refresh_from_db()
    assert good.status == ReviewStatus.PENDING


def test_an_accepted_item_cannot_be_accepted_twice(review_world):
    doc = _doc(review_world)
    points = _fact(doc, "312 điểm")
    review(doc, [Decision(points.pk, "accept")], user=review_world["user"], area=review_world["qn"])
    with pytest.raises(ReviewError, match="đã được chấp nhận"):
        review(doc, [Decision(points.pk, "accept")], user=review_world["user"], area=review_world["qn"])


def test_pages_require_a_reviewer(review_world, client):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("khach", password=PASSWORD)
    assert client.get("/trich-xuat/").status_code == 302  # to the login page
    client.login(username="khach", password=PASSWORD)
    assert client.get("/trich-xuat/").status_code == 403


def test_upload_bad_file_shows_the_reason(review_world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.login(username="duyet", password=PASSWORD)
    resp = client.post("/trich-xuat/", {"file": SimpleUploadedFile("rong.txt", b"")})
    assert resp.status_code == 400 and "rỗng" in resp.content.decode()


def test_detail_highlights_every_item_and_review_post(review_world, client):
    from baocao.datavalues.models import DataValue

    client.login(username="duyet", password=PASSWORD)
    doc = _doc(review_world)
    html = client.get(f"/trich-xuat/{doc.pk}/").content.decode()
    assert html.count('<mark id="span-') == doc.items.count()
    points = _fact(doc, "312 điểm")
    resp = client.post(f"/trich-xuat/{doc.pk}/duyet/", {f"action-{points.pk}": "accept", "area": review_world["qn"].pk,
                                                        "period": "2021N9"})
    assert resp.status_code == 302
    dv = DataValue.objects.get()
    page = client.get(f"/trich-xuat/{doc.pk}/").content.decode()
    assert f'id="dv-{dv.pk}"' in page and f'href="#span-{points.pk}"' in page
    bad = client.post(f"/trich-xuat/{doc.pk}/duyet/", {f"action-{_fact(doc, '96 xã').pk}": "accept",
                                                      f"indicator-{_fact(doc, '96 xã').pk}": "", "area": ""})
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()


def test_accepted_recommendations_and_directives_become_records(review_world):
    from django.contrib.auth import get_user_model

    from baocao.geo.models import AdminArea, AreaLevel
    from baocao.orgs.models import Organisation, OrgKind
    from baocao.recommendations.models import Directive, Recommendation

    admin = get_user_model().objects.create_superuser("quantri", password=PASSWORD)
    dl = AdminArea.objects.create(uid="P66", code="66", name="Đắk Lắk", level=AreaLevel.PROVINCE, parent=review_world["vn"])
    dept = Organisation.objects.create(uid="SO-66", name="Sở Thông tin và Truyền thông tỉnh Đắk Lắk",
                                       kind=OrgKind.DEPARTMENT, area=dl)
    doc = ingest_path(SAMPLES / "s2_daklak_2022.txt", catalog=load_catalog()).document
    rec = doc.items.filter(kind=ItemKind.RECOMMENDATION).first()
    directive = doc.items.filter(kind=ItemKind.DIRECTIVE).first()
    counts = review(doc, [Decision(rec.pk, "accept"), Decision(directive.pk, "accept", text="Tham mưu kế hoạch chuyển đổi số 2023")],
                    user=admin)
    assert counts["recommendation"] == 1 and counts["directive"] == 1
    r = Recommendation.objects.get()
    assert r.source["sha256"] == doc.sha256 and r.source["span"] == [rec.start, rec.end]
    d = Directive.objects.get()
    assert d.title == "Tham mưu kế hoạch chuyển đổi số 2023" and d.source["span"] == [directive.start, directive.end]
    assert list(d.assignees.all()) == [dept]  # "Sở …" in a report of Đắk Lắk
    directive.refresh_from_db()
    assert directive.status == ReviewStatus.EDITED and directive.target == {"directive": d.pk}


def test_a_reviewer_without_the_right_to_record_asks_writes_nothing(review_world):
    from baocao.datavalues.models import DataValue
    from baocao.recommendations.models import Recommendation

    doc = ingest_path(SAMPLES / "s2_daklak_2022.txt", catalog=load_catalog()).document
    rec = doc.items.filter(kind=ItemKind.RECOMMENDATION).first()
    with pytest.raises(ReviewError):
        review(doc, [Decision(rec.pk, "accept")], user=review_world["user"])
    assert Recommendation.objects.count() == 0 and DataValue.objects.count() == 0
    rec.refresh_from_db()
    assert rec.status == ReviewStatus.PENDING
