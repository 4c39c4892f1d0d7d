"""A small world for the reporting tests: the reference data, the forms and one user per role."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from baocao.accounts.models import Profile, Role
from baocao.geo.models import AdminArea
from baocao.orgs.services import department_for
from baocao.periods import services as periods
from baocao.periods.services import Period
from baocao.reporting.loader import load_forms
from baocao.reporting.models import ReportForm

PASSWORD = "Baocao@2026"


def open_period(form: ReportForm, today: dt.date | None = None) -> Period:
    """The first period of the form, from the one containing today on, whose deadline is still ahead."""
    today = today or timezone.localdate()
    p = Period.containing(form.period_type, today)
    while periods.deadline_state(p, today, form.regime) not in ("open", "due_soon"):
        p = p.next()
    return p


class World:
    def __init__(self) -> None:
        load_forms()
        call_command("load_rules", verbosity=0)
        today = timezone.localdate()
        self.today = today
        self.cao_bang = AdminArea.objects.get(uid="P04")
        self.lang_son = AdminArea.objects.get(uid="P20")
        self.dept_cb = department_for(self.cao_bang, today)
        self.dept_ls = department_for(self.lang_son, today)
        self.form_q = ReportForm.objects.get(code="ICT-Q")
        self.form_s = ReportForm.objects.get(code="ICT-S")
        self.form_y = ReportForm.objects.get(code="ICT-Y")
        self.period = open_period(self.form_q, today)
        U = get_user_model()

        def user(name: str, role: str, area=None, org=None, **extra):
            u = U.objects.create_user(name, f"{name}@example.vn", PASSWORD, **extra)
            Profile.objects.create(user=u, role=role, area=area, organisation=org)
            return u

        self.reporter = user("cb.chuyenvien", Role.PROVINCE_REPORTER, self.cao_bang, self.dept_cb)
        self.approver = user("cb.lanhdao", Role.PROVINCE_APPROVER, self.cao_bang, self.dept_cb)
        self.reporter_ls = user("ls.chuyenvien", Role.PROVINCE_REPORTER, self.lang_son, self.dept_ls)
        self.approver_ls = user("ls.lanhdao", Role.PROVINCE_APPROVER, self.lang_son, self.dept_ls)
        self.officer = user("bo.chuyenvien", Role.MINISTRY_OFFICER)
        self.unit = user("cuc.cds", Role.MINISTRY_UNIT)
        self.admin = user("quantri", Role.MINISTRY_ADMIN, is_staff=True, is_superuser=True)
        self.nobody = U.objects.create_user("khach", "khach@example.vn", PASSWORD)
