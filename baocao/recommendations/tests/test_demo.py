"""The demo command on the real reference data: deterministic, every state present, idempotent."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command

from baocao.recommendations import stats
from baocao.recommendations.demo import build_demo, session_dates
from baocao.recommendations.models import BriefingSession, Directive, DirState, Recommendation, RecState

TODAY = dt.date(2026, 11, 20)


def test_session_dates_are_the_last_four_quarterly_briefings(db):
    assert session_dates(TODAY) == [dt.date(2026, 1, 15), dt.date(2026, 4, 15), dt.date(2026, 7, 15), dt.date(2026, 10, 15)]


def test_demo_skips_without_organisations(db):
    out = StringIO()
    call_command("demo_recommendations", stdout=out)
    assert "load_orgs" in out.getvalue()
    assert Recommendation.objects.count() == 0


def snapshot():
    return sorted(
        Recommendation.objects.values_list(
            "title", "state", "received_on", "due_on", "answered_on", "published_on", "lead_unit__uid", "sender_org__uid"
        )
    ), sorted(Directive.objects.values_list("title", "state", "given_on", "due_on", "percent", "done_on"))


def test_demo_statistics_match_hand_computed_figures(ref):
    """Figures worked out by hand from the demo's item tables (demo.py) for 20/11/2026.

    Answer delays (days): 10, 8, 20 | 25 (late), 9, 11 | 5, 30 (late) | 4 | enterprise/citizen 18, 7, 16;
    the due date is 15 working days (about 21 calendar days) after receipt.
    """
    build_demo(TODAY)
    r = stats.recommendation_stats(dt.date(2025, 10, 1), TODAY, TODAY)
    assert r["received"] == 21
    assert {x["code"]: (x["received"], x["resolved"]) for x in r["by_sender_type"]} == {
        "department": (15, 11), "enterprise": (3, 2), "citizen": (2, 1), "organisation": (1, 0),
    }
    assert (r["resolved"], r["answered"], r["declined"], r["published"], r["in_progress"], r["overdue"]) == (14, 12, 2, 7, 7, 5)
    assert r["answered_on_time"] == 10 and r["on_time_share"] == 83.3
    assert r["median_days_to_answer"] == 10.5  # median of 4 5 7 8 9 10 | 11 16 18 20 25 30
    assert (r["at_sessions"], r["sessions"]["answered"], r["sessions"]["published"]) == (15, 9, 5)
    assert r["sessions"]["answered_share"] == 60.0 and r["sessions"]["published_share"] == 33.3
    x = stats.directive_stats(dt.date(2025, 10, 1), TODAY, TODAY)
    # 9 from conclusions + 1 by document; done: 2 at the first session, 1 at the second; overdue: the
    # second session's open one, both of the third's, and the 10-working-day document directive.
    assert (x["given"], x["done"], x["cancelled"], x["open"], x["overdue"]) == (10, 3, 1, 6, 4)


def test_demo_covers_every_state_and_is_deterministic(ref):
    result = build_demo(TODAY)
    assert result == {"sessions": 4, "recommendations": 21, "directives": 10}
    states = set(Recommendation.objects.values_list("state", flat=True))
    assert states == set(RecState.values)
    assert set(Directive.objects.values_list("state", flat=True)) == set(DirState.values)
    dup = Recommendation.objects.get(decline_reason="duplicate")
    assert dup.duplicate_of is not None and dup.duplicate_of.sender_org == dup.sender_org
    assert any(r.is_overdue(TODAY) for r in Recommendation.objects.all())
    assert any(d.is_overdue(TODAY) for d in Directive.objects.all())
    assert Recommendation.objects.filter(session__isnull=False, sender_org__kind="department").count() >= 12
    assert BriefingSession.objects.filter(title="Giao ban quản lý nhà nước quý III/2026").exists()
    # Statistics on the demo data are consistent with the states.
    r = stats.recommendation_stats(dt.date(2025, 10, 1), TODAY, TODAY)
    assert r["received"] == 21
    assert r["resolved"] == Recommendation.objects.filter(state__in=["answered", "published", "declined"]).count()
    assert r["in_progress"] == Recommendation.objects.filter(state__in=["received", "assigned"]).count()
    first = snapshot()

    out = StringIO()
    call_command("demo_recommendations", stdout=out)
    assert "đã có" in out.getvalue()
    assert snapshot() == first
    assert build_demo(TODAY, reset=True)["recommendations"] == 21
    assert snapshot() == first
