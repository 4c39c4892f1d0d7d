"""Due dates in working days across Tết, on the holiday calendar kept as data."""

from __future__ import annotations

import pytest

from baocao.periods.models import Holiday
from baocao.recommendations import services as s
from baocao.recommendations.models import DueDateRule, DueRuleKind, RecState

from .factories import World, d

pytestmark = pytest.mark.django_db


def test_fifteen_working_days_across_tet_at_ty_hand_made_calendar():
    # Received Friday 24/01/2025, the last working day before Tết Ất Tỵ.
    # Without holidays: 27/01–31/01 (5), 03/02–07/02 (10), 10/02–14/02 (15) → 14/02/2025.
    assert s.due_date_for(d("2025-01-24"), None) == d("2025-02-14")
    for day in ("2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"):
        Holiday.objects.create(date=d(day), name="Tết Nguyên đán Ất Tỵ", kind="holiday")
    # Tết takes 27/01–31/01: 03/02–07/02 (5), 10/02–14/02 (10), 17/02–21/02 (15) → 21/02/2025.
    assert s.due_date_for(d("2025-01-24"), None) == d("2025-02-21")
    assert s.working_days_between(d("2025-01-24"), d("2025-02-21")) == 15


def test_compensatory_saturday_counts_as_a_working_day():
    # A Saturday worked in exchange for a swapped day off shortens the wait by one calendar week-end day.
    Holiday.objects.create(date=d("2026-05-04"), name="Nghỉ hoán đổi", kind="day_off")
    Holiday.objects.create(date=d("2026-05-09"), name="Làm bù", kind="working_day")
    # From Friday 01/05: 05,06,07,08 (4), Saturday 09 (5) → 5 working days end on Saturday 09/05/2026.
    assert s.add_working_days(d("2026-05-01"), 5) == d("2026-05-09")


def test_assignment_due_date_uses_the_loaded_holiday_fixture_across_tet_binh_ngo():
    loading = pytest.importorskip("baocao.periods.loading")
    loading.load_regimes()
    assert Holiday.objects.filter(date=d("2026-02-17")).exists()
    w = World()
    DueDateRule.objects.update_or_create(kind=DueRuleKind.RECOMMENDATION, domain=w.telecom_domain, defaults={"working_days": 10})
    rec = s.create_recommendation(
        w.officer,
        s.NewRecommendation(
            title="Cột ăng-ten", text="Đề nghị sửa quy định chiều cao cột ăng-ten.", sender_type="enterprise",
            sender_org=w.enterprise, domain=w.telecom_domain, received_on=d("2026-02-11"),
        ),
    )
    s.assign(w.officer, rec, w.telecom.pk)
    rec.refresh_from_db()
    # Wednesday 11/02/2026 + 10 working days; Tết Bính Ngọ takes Monday 16/02–Friday 20/02:
    # 12, 13 (2), 23–27 (7), 02/03, 03/03, 04/03 (10) → 04/03/2026.
    assert rec.state == RecState.ASSIGNED and rec.due_on == d("2026-03-04")
