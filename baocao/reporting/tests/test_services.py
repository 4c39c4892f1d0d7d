"""Forms as data, saving values, the workflow, snapshots and signatures, deadline states, completeness."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from baocao.catalog.models import Indicator
from baocao.datavalues.models import DataValue
from baocao.datavalues.services import set_value
from baocao.periods.services import Period
from baocao.reporting import services as s
from baocao.reporting.models import FormItem, FormVersion, ReportForm, State, Submission, SubmissionEvent

pytestmark = pytest.mark.django_db


def _open(w, user, action="view", area=None, form="ICT-Q", period=None):
    return s.open_submission(user, form, (period or w.period).code, (area or w.cao_bang).uid, action)


def _save(w, data, user=None, area=None):
    sub, period = _open(w, user or w.reporter, "enter", area)
    return sub, period, s.save_values(sub, period, user or w.reporter, data)


# --- forms ---------------------------------------------------------------------------------------------


def test_forms_fixture_versions_cover_valid_indicators_only(world):
    assert set(ReportForm.objects.values_list("code", flat=True)) == {"ICT-Q", "ICT-S", "ICT-Y"}
    for version in FormVersion.objects.all():
        for item in FormItem.objects.filter(section__version=version).select_related("indicator"):
            ind = item.indicator
            assert ind.scope in ("province", "both")
            start, end = version.valid_from, version.valid_to or dt.date(2100, 1, 1)
            assert (ind.valid_from is None or ind.valid_from <= end) and (ind.valid_to is None or ind.valid_to >= start)
    # The annual form covers every province-scope indicator valid today.
    y2 = FormVersion.objects.get(form__code="ICT-Y", number=2)
    codes = set(FormItem.objects.filter(section__version=y2).values_list("indicator__code", flat=True))
    wanted = set(Indicator.objects.filter(scope__in=["province", "both"]).valid_on(dt.date(2026, 1, 1)).values_list("code", flat=True))
    assert wanted <= codes
    # DVCTT levels 3/4 belong to the first version only (replaced on 01/08/2022).
    v1 = FormVersion.objects.get(form__code="ICT-Q", number=1)
    assert FormItem.objects.filter(section__version=v1, indicator__code="DVCTT_L4").exists() or not FormItem.objects.filter(
        indicator__code="DVCTT_L4"
    ).exists()
    assert not FormItem.objects.filter(section__version__number=2, indicator__code="DVCTT_L4").exists()


def test_version_follows_period_and_loading_twice_keeps_submitted_versions(world):
    q = world.form_q
    assert s.version_for(q, Period("quarter", 2022, 2)).number == 1
    assert s.version_for(q, Period("quarter", 2022, 3)).number == 2  # in force at the quarter's end
    sub, period, res = _save(world, {"POST_ENTERPRISES": {"value": "12"}})
    assert res.ok
    items_before = FormItem.objects.filter(section__version=sub.version).count()
    call_command("load_forms", verbosity=0)
    sub.refresh_from_db()
    assert FormItem.objects.filter(section__version=sub.version).count() == items_before
    assert sub.version.pk == FormVersion.objects.get(form=q, number=sub.version.number).pk




# --- saving ----------------------------------------------------------------------------------------------


def test_save_vietnamese_numbers_and_comment(world):
    sub, period, res = _save(
        world,
        {
            "POST_ENTERPRISES": {"value": "1.234", "comment": "Theo số liệu Sở"},
            "POST_COMMUNES_WITH_POINT": {"value": "158", "numerator": "158", "denominator": "199"},
        },
    )
    assert res.ok, res.errors
    assert res.written == 2
    dv = DataValue.objects.get(area=world.cao_bang, indicator__code="POST_ENTERPRISES", period=period.code)
    assert dv.value == Decimal("1234") and dv.comment == "Theo số liệu Sở" and dv.source == "form"
    assert dv.reporter == world.dept_cb and dv.updated_by == world.reporter
    frac = DataValue.objects.get(area=world.cao_bang, indicator__code="POST_COMMUNES_WITH_POINT", period=period.code)
    assert (frac.numerator, frac.denominator) == (Decimal(158), Decimal(199))
    assert sub.pk and SubmissionEvent.objects.filter(submission=sub, action="create").count() == 1
    # Saving the same again writes nothing new; a blank value deletes.
    sub, period, res = _save(world, {"POST_ENTERPRISES": {"value": "1.234", "comment": "Theo số liệu Sở", "version": "1"}})
    assert res.ok and res.written == 0
    sub, period, res = _save(world, {"POST_ENTERPRISES": {"value": "", "version": "1"}})
    assert res.ok and res.deleted == 1
    assert not DataValue.objects.filter(area=world.cao_bang, indicator__code="POST_ENTERPRISES", period=period.code).exists()


def test_one_bad_field_writes_nothing(world):
    sub, period, res = _save(
        world,
        {
            "POST_ENTERPRISES": {"value": "12"},
            "POST_SERVICE_POINTS": {"value": "12,5,3"},
            "POST_COMMUNES_WITH_POINT": {"value": "200", "numerator": "200", "denominator": "199"},
        },
    )
    assert not res.ok
    assert "không phải là số" in res.errors["POST_SERVICE_POINTS"]
    assert "lớn hơn mẫu số" in res.errors["POST_COMMUNES_WITH_POINT"]
    assert "POST_ENTERPRISES" not in res.errors
    assert not DataValue.objects.filter(area=world.cao_bang, period=period.code).exists()
    assert not Submission.objects.exists()  # the report row was rolled back too
    assert res.submitted["POST_SERVICE_POINTS"]["value"] == "12,5,3"


def test_version_conflict_is_reported(world):
    _save(world, {"POST_ENTERPRISES": {"value": "12"}})
    set_value(area=world.cao_bang, indicator="POST_ENTERPRISES", period=world.period.code, value=13, source="api")
    sub, period, res = _save(world, {"POST_ENTERPRISES": {"value": "14", "version": "1"}})
    assert "người khác sửa" in res.errors["POST_ENTERPRISES"]
    assert DataValue.objects.get(indicator__code="POST_ENTERPRISES", area=world.cao_bang).value == 13


def test_unknown_field_is_refused(world):
    sub, period = _open(world, world.reporter, "enter")
    with pytest.raises(s.ReportingError):
        s.save_values(sub, period, world.reporter, {"NOT_AN_INDICATOR": {"value": "1"}})


# --- scope -----------------------------------------------------------------------------------------------


def test_scope_rules(world):
    cb = world.cao_bang.pk
    assert s.allowed(world.reporter, "enter", cb) and not s.allowed(world.reporter, "submit", cb)
    assert s.allowed(world.approver, "submit", cb) and s.allowed(world.approver, "enter", cb)
    assert not s.allowed(world.reporter_ls, "view", cb) and not s.allowed(world.approver_ls, "submit", cb)
    assert s.allowed(world.officer, "review", cb) and not s.allowed(world.officer, "enter", cb)
    assert s.allowed(world.unit, "view", cb) and not s.allowed(world.unit, "review", cb)
    assert s.allowed(world.admin, "reopen", cb) and not s.allowed(world.officer, "reopen", cb)
    from django.contrib.auth.models import AnonymousUser

    for action in ("view", "enter", "submit", "review", "reopen", "completeness"):
        assert not s.allowed(AnonymousUser(), action, cb)
        assert not s.allowed(world.nobody, action, cb)
    with pytest.raises(s.Forbidden):
        _open(world, world.reporter_ls, "view")
    with pytest.raises(s.NotFound):
        s.open_submission(world.reporter, "ICT-Q", "2026", "P04")  # a year is not a quarter
    with pytest.raises(s.NotFound):
        s.open_submission(world.reporter, "ICT-Q", world.period.code, "P99")


# --- workflow and signing ----------------------------------------------------------------------------------


def _filled(w):
    sub, period, res = _save(w, {"POST_ENTERPRISES": {"value": "12"}, "POST_SERVICE_POINTS": {"value": "516.033"}})
    assert res.ok
    return sub


def test_workflow_transitions_and_errors(world):
    sub = _filled(world)
    with pytest.raises(s.Forbidden):
        s.submit(sub, world.reporter)
    with pytest.raises(s.Forbidden):
        s.submit(sub, world.approver_ls)
    with pytest.raises(s.ReportingError):
        s.accept(sub, world.officer)  # not submitted yet
    sub = s.submit(sub, world.approver)
    assert sub.state == State.SUBMITTED and len(sub.digest) == 64 and sub.first_submitted_at
    # Submitted values are frozen for the department.
    sub2, period = _open(world, world.reporter, "enter")
    with pytest.raises(s.ReportingError):
        s.save_values(sub2, period, world.reporter, {"POST_ENTERPRISES": {"value": "13"}})
    with pytest.raises(s.Forbidden):
        s.return_(sub, world.unit, "x")
    with pytest.raises(s.ReportingError):
        s.return_(sub, world.officer, "  ")
    sub = s.return_(sub, world.officer, "Thiếu số điểm phục vụ")
    assert sub.state == State.RETURNED and sub.return_reason == "Thiếu số điểm phục vụ"
    sub, period, res = _save(world, {"POST_SERVICE_POINTS": {"value": "520", "version": "1"}})
    assert res.ok and res.written == 1
    first = sub.first_submitted_at
    sub = s.submit(sub, world.approver)
    assert sub.first_submitted_at == first
    sub = s.accept(sub, world.officer)
    assert sub.state == State.ACCEPTED
    with pytest.raises(s.ReportingError):
        s.return_(sub, world.officer, "muộn")
    with pytest.raises(s.Forbidden):
        s.reopen(sub, world.officer, "cần sửa")
    with pytest.raises(s.ReportingError):
        s.reopen(sub, world.admin, "")
    sub = s.reopen(sub, world.admin, "Sở đề nghị sửa số liệu")
    assert sub.state == State.DRAFT
    events = list(SubmissionEvent.objects.filter(submission=sub).values_list("action", "from_state", "to_state", "actor__username", "reason"))
    assert [e[0] for e in events] == ["create", "submit", "return", "submit", "accept", "reopen"]
    assert events[2] == ("return", "submitted", "returned", "bo.chuyenvien", "Thiếu số điểm phục vụ")
    assert events[5][3:] == ("quantri", "Sở đề nghị sửa số liệu")
    from baocao.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="reporting.return").count() == 1


def test_submit_empty_report_is_refused(world):
    sub, period = _open(world, world.approver, "enter")
    with pytest.raises(s.ReportingError):
        s.submit(sub, world.approver)


def test_snapshot_digest_signature_and_tampering(world):
    key = s.create_key(world.dept_cb)
    sub = s.submit(_filled(world), world.approver)
    assert sub.signing_key == key and sub.signature
    assert sub.snapshot["values"]["POST_SERVICE_POINTS"]["value"] == "516033"
    assert sub.snapshot["area"] == "P04" and sub.snapshot["period"] == world.period.code
    assert s.canonical(sub.snapshot) == s.canonical(s.build_snapshot(sub))
    assert b'"values":{' in s.canonical(sub.snapshot)  # compact, sorted
    result = s.verify(sub)
    assert result.ok and result.digest_ok and result.signature_ok
    out = io.StringIO()
    call_command("verify", str(sub.pk), stdout=out)
    assert "OK" in out.getvalue() and "signature valid" in out.getvalue()
    # Tamper with a stored value behind the workflow's back.
    DataValue.objects.filter(area=world.cao_bang, indicator__code="POST_SERVICE_POINTS", period=world.period.code).update(value=1)
    result = s.verify(sub)
    assert not result.ok and not result.digest_ok and result.signature_ok is False
    assert result.changed == ["POST_SERVICE_POINTS"]
    with pytest.raises(CommandError):
        call_command("verify", "--all", stdout=io.StringIO())


def test_signature_forged_snapshot_fails(world):
    s.create_key(world.dept_cb)
    sub = s.submit(_filled(world), world.approver)
    sub.snapshot = {**sub.snapshot, "period": "2000Q1"}
    assert not s.verify(sub).ok
    sub.refresh_from_db()
    sub.signature = sub.signature[:-4] + ("AAA=" if not sub.signature.endswith("AAA=") else "BBB=")
    res = s.verify(sub)
    assert res.digest_ok and res.signature_ok is False and not res.ok


def test_unsigned_submission_verifies_digest_only(world):
    sub = s.submit(_filled(world), world.approver)
    res = s.verify(sub)
    assert res.ok and res.signature_ok is None and "không có chữ ký" in res.message


# --- deadlines and completeness ----------------------------------------------------------------------------


def test_deadline_states_across_a_period(world):
    q = Period("quarter", 2026, 2)  # TT02/2023: due on the 6th of the quarter's last month, locked 30 days later
    info = s.deadline_info(world.form_q, q, dt.date(2026, 4, 1))
    assert info.deadline == dt.date(2026, 6, 6) and info.lock_date == dt.date(2026, 7, 6)
    assert info.state == "open" and info.state_vi == "Đang mở"
    assert s.deadline_info(world.form_q, q, dt.date(2026, 5, 29)).state == "open"
    assert s.deadline_info(world.form_q, q, dt.date(2026, 5, 30)).state == "due_soon"
    assert s.deadline_info(world.form_q, q, dt.date(2026, 6, 6)).state == "due_soon"
    assert s.deadline_info(world.form_q, q, dt.date(2026, 6, 7)).state == "late"
    assert s.deadline_info(world.form_q, q, dt.date(2026, 7, 5)).state == "late"
    assert s.deadline_info(world.form_q, q, dt.date(2026, 7, 6)).state == "locked"
    # Entry is refused once the period is locked.
    sub, period = s.open_submission(world.reporter, "ICT-Q", q.code, "P04", "enter")
    with pytest.raises(s.ReportingError, match="đã khóa"):
        s.save_values(sub, period, world.reporter, {"POST_ENTERPRISES": {"value": "1"}}, today=dt.date(2026, 7, 6))
    res = s.save_values(sub, period, world.reporter, {"POST_ENTERPRISES": {"value": "1"}}, today=dt.date(2026, 6, 20))
    assert res.ok


def test_completeness_counts_on_time_late_and_missing(world):
    s.submit(_filled(world), world.approver)
    c = s.completeness(world.form_q, world.period)
    assert c.expected == 34 and c.submitted == 1 and c.on_time == 1 and c.late == 0
    assert len(c.missing) == 33 and world.cao_bang not in [r.area for r in c.missing]
    # A late report: Lạng Sơn submits after the deadline.
    sub, period, res = _save(world, {"POST_ENTERPRISES": {"value": "3"}}, user=world.reporter_ls, area=world.lang_son)
    sub = s.submit(sub, world.approver_ls)
    late_time = dt.datetime.combine(c.deadline.deadline + dt.timedelta(days=2), dt.time(10), tzinfo=dt.UTC)
    Submission.objects.filter(pk=sub.pk).update(first_submitted_at=late_time)
    c = s.completeness(world.form_q, world.period)
    assert (c.submitted, c.on_time, c.late) == (2, 1, 1)
    # A pre-reform period counts the 63 provinces.
    assert s.completeness(world.form_q, Period("quarter", 2024, 4)).expected == 63
    hist = s.completeness_history(world.form_q, world.period, count=3)
    assert [h.period for h in hist] == [world.period, world.period.previous(), world.period.shift(-2)]
    assert hist[0].submitted == 2 and hist[1].submitted == 0
    matrix = {m["area"].uid: [c["status"] for c in m["cells"]] for m in s.province_matrix(c, hist)}
    assert len(matrix) == 34
    assert matrix["P04"][-1] == "on_time" and matrix["P20"][-1] == "late" and matrix["P04"][0] == "missing"


# --- validation rules and outliers on every save ---------------------------------------------------------


def test_rule_error_blocks_and_warning_needs_comment(world):
    sub, period, res = _save(
        world, {"TEL_SUBS_FIXED": {"value": "100"}, "TEL_SUBS_MOBILE": {"value": "900"}, "TEL_SUBS_TOTAL": {"value": "1.100"}}
    )
    assert res.ok and res.written == 3  # the values are stored; the rule reports beside them
    errors = [p for p in res.problems if p.severity == "error"]
    assert errors and "TEL_SUBS_TOTAL" in errors[0].keys
    rows = s.entry_items(sub, period)
    s.attach_problems(rows, res.problems)
    assert next(r for r in rows if r.key == "TEL_SUBS_TOTAL").errors
    with pytest.raises(s.ReportingError, match="Còn lỗi"):
        s.submit(sub, world.approver)
    sub, period, res = _save(
        world,
        {"TEL_SUBS_TOTAL": {"value": "1.000"}, "POST_PUBLIC_DOSSIERS_RECEIVED": {"value": "5"},
         "POST_PUBLIC_RESULTS_RETURNED": {"value": "10"}},
    )
    assert not [p for p in res.problems if p.severity == "error"]
    warnings = [p for p in res.problems if p.severity == "warning"]
    assert warnings and "POST_PUBLIC_RESULTS_RETURNED" in warnings[0].keys
    with pytest.raises(s.ReportingError, match="ghi chú"):
        s.submit(sub, world.approver)
    _save(world, {"POST_PUBLIC_RESULTS_RETURNED": {"value": "10", "comment": "Gồm hồ sơ tồn kỳ trước", "version": "1"}})
    assert s.submit(sub, world.approver).state == State.SUBMITTED


def test_outlier_against_own_history_is_a_warning(world):
    for i in range(1, 9):
        p = world.period.shift(-i)
        set_value(area=world.cao_bang, indicator="POST_SERVICE_POINTS", period=p.code, value=200 + i, source="api")
    sub, period, res = _save(world, {"POST_SERVICE_POINTS": {"value": "2.070"}})
    assert res.ok
    outliers = [p for p in res.problems if p.severity == "warning" and "POST_SERVICE_POINTS" in p.keys]
    assert outliers, res.problems
    sub, period, res = _save(world, {"POST_SERVICE_POINTS": {"value": "207", "version": "1"}})
    assert not [p for p in res.problems if "POST_SERVICE_POINTS" in p.keys]


def test_saving_the_page_unchanged_keeps_other_sources(world):
    set_value(area=world.cao_bang, indicator="POST_SERVICE_POINTS", period=world.period.code, value=207, source="demo",
              provenance={"generator": "demo"})
    set_value(area=world.cao_bang, indicator="POST_COMMUNES_WITH_POINT", period=world.period.code, value=158, numerator=158,
              denominator=199, source="import")
    sub, period = _open(world, world.reporter, "enter")
    rows = s.entry_items(sub, period)
    typed = {r.key: {n: r.shown(n) for n in ("value", "numerator", "denominator", "comment")} for r in rows}
    res = s.save_values(sub, period, world.reporter, typed)
    assert res.ok and res.written == 0 and res.deleted == 0
    dv = DataValue.objects.get(area=world.cao_bang, indicator__code="POST_SERVICE_POINTS", period=world.period.code)
    assert (dv.source, dv.version, dv.provenance) == ("demo", 1, {"generator": "demo"})
    assert DataValue.objects.get(indicator__code="POST_COMMUNES_WITH_POINT").source == "import"


def test_department_key_command_and_admin(world, client):
    out = io.StringIO()
    call_command("department_key", "P04", stdout=out)
    from baocao.reporting.models import DepartmentKey

    key = DepartmentKey.objects.get(organisation=world.dept_cb, active=True)
    assert key.public_key in out.getvalue() and len(key.private_key) == 44
    with pytest.raises(CommandError):
        call_command("department_key", "P999", stdout=io.StringIO())
    client.force_login(world.admin)
    r = client.post("/admin/reporting/departmentkey/add/", {"organisation": world.dept_ls.pk, "active": "on"})
    assert r.status_code == 302, r.content.decode()[:2000]
    new = DepartmentKey.objects.get(organisation=world.dept_ls)
    assert len(new.public_key) == 44 and new.private_key
    sub, period, res = _save(world, {"POST_ENTERPRISES": {"value": "2"}}, user=world.reporter_ls, area=world.lang_son)
    sub = s.submit(sub, world.approver_ls)
    assert sub.signing_key == new and s.verify(sub).signature_ok
    assert client.get("/admin/reporting/submission/").status_code == 200
    assert client.get("/admin/reporting/reportform/").status_code == 200
