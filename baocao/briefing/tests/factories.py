"""A small, deterministic world for the briefing pack: values for every province over two years,
some accepted reports (on time and late), recommendations and overdue directives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from baocao.accounts.models import Profile, Role
from baocao.datavalues.services import bulk_write
from baocao.geo.services import provinces_on
from baocao.orgs.models import Organisation
from baocao.periods.services import Period
from baocao.recommendations.models import Directive, DirState, Recommendation, RecState, SenderType
from baocao.reporting.models import ReportForm, State, Submission

PASSWORD = "Baocao@2026"
PERIOD = "2024Q3"
TODAY = dt.date(2024, 11, 20)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


class PackWorld:
    def __init__(self) -> None:
        self.period = Period.parse(PERIOD)
        self.provinces = list(provinces_on(self.period.end))
        periods = [self.period.shift(-i) for i in range(8)]
        rows = []
        for k, p in enumerate(periods):  # k = 0 is the pack's period, older periods have smaller values
            for i, a in enumerate(self.provinces):
                rows.append({"indicator": "INET_FBB_SUBS", "area": a.uid, "period": p.code, "value": 10_000 + 137 * i - 250 * k})
                den = 1_000 + 10 * i
                num = (300 + 7 * i - 5 * k) if i % 9 else 0
                rows.append({
                    "indicator": "DVC_DOSSIERS_ONLINE_SHARE", "area": a.uid, "period": p.code,
                    "numerator": num, "denominator": den, "value": (Decimal(num) * 100 / den).quantize(Decimal("0.000001")),
                })
        bulk_write(rows, source="demo")

        form = ReportForm.objects.get(code="ICT-Q")
        version = form.versions.order_by("-number").first()
        self.on_time, self.late = self.provinces[:30], self.provinces[30:40]
        for areas, day in ((self.on_time, dt.date(2024, 9, 2)), (self.late, dt.date(2024, 10, 1))):
            for a in areas:
                Submission.objects.create(
                    form=form, version=version, area=a, period=PERIOD, period_type="quarter",
                    period_start=self.period.start, period_end=self.period.end, state=State.ACCEPTED,
                    first_submitted_at=_aware(day), submitted_at=_aware(day),
                )

        unit = Organisation.objects.get(uid="CVT-BTTTT")
        self.unit = unit
        recs = [
            ("Hỗ trợ kinh phí phủ sóng thôn bản", dt.date(2024, 7, 10), dt.date(2024, 8, 10), RecState.ANSWERED, dt.date(2024, 8, 1)),
            ("Hướng dẫn thống kê thuê bao băng rộng", dt.date(2024, 8, 5), dt.date(2024, 9, 5), RecState.ASSIGNED, None),
            ("Sửa đổi biểu mẫu báo cáo quý", dt.date(2024, 9, 1), dt.date(2024, 12, 30), RecState.RECEIVED, None),
        ]
        for title, received, due, state, answered in recs:
            Recommendation.objects.create(
                title=title, text=title, sender_type=SenderType.DEPARTMENT, area=self.provinces[3], state=state,
                received_on=received, due_on=due, lead_unit=unit, answered_on=answered, resolved_on=answered,
            )
        self.directive = Directive.objects.create(
            title="Rà soát số liệu thuê bao băng rộng cố định", leader_name="Thứ trưởng", given_on=dt.date(2024, 7, 1),
            due_on=dt.date(2024, 8, 31), state=DirState.IN_PROGRESS, percent=40,
        )
        self.directive.assignees.add(unit)
        Directive.objects.create(  # done: never listed as overdue
            title="Tổng hợp báo cáo 6 tháng", leader_name="Thứ trưởng", given_on=dt.date(2024, 7, 1),
            due_on=dt.date(2024, 7, 31), state=DirState.DONE, percent=100, done_on=dt.date(2024, 7, 30),
        ).assignees.add(unit)

        user = get_user_model().objects.create_user("bo.chuyenvien", "bo@example.vn", PASSWORD)
        Profile.objects.create(user=user, role=Role.MINISTRY_OFFICER)
        self.officer = user
        other = get_user_model().objects.create_user("cb.chuyenvien", "cb@example.vn", PASSWORD)
        Profile.objects.create(user=other, role=Role.PROVINCE_REPORTER, area=self.provinces[3])
        self.reporter = other
