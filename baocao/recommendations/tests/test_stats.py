"""Statistics on a hand-built fixture, against numbers computed by hand (see the comments)."""

from __future__ import annotations

import pytest

from baocao.recommendations import stats
from baocao.recommendations.models import (
    BriefingSession,
    Directive,
    DirState,
    Recommendation,
    RecState,
    SenderType,
)

from .factories import World, d

pytestmark = pytest.mark.django_db

START, END, TODAY = d("2026-01-01"), d("2026-03-31"), d("2026-04-15")  # as_of = 31/03/2026


def rec(w, title, received, sender_type, area=None, lead=None, due=None, answered=None, resolved=None, state=RecState.ASSIGNED,
        published=None, session=None):
    return Recommendation.objects.create(
        title=title, text=title, sender_type=sender_type, sender_name="x", area=area, lead_unit=lead, received_on=d(received),
        due_on=d(due) if due else None, answered_on=d(answered) if answered else None,
        resolved_on=d(resolved) if resolved else None, state=state, published_on=d(published) if published else None, session=session,
    )


def directive(title, given, due, state, percent, done=None, assignees=()):
    x = Directive.objects.create(
        title=title, leader_name="L", given_on=d(given), due_on=d(due), state=state, percent=percent, done_on=d(done) if done else None
    )
    x.assignees.set(assignees)
    return x


@pytest.fixture
def fixture_data():
    w = World()
    s = BriefingSession.objects.create(title="Giao ban quý I", date=d("2026-03-25"), chair="C")
    DEPT, ENT, CIT, ORG = SenderType.DEPARTMENT, SenderType.ENTERPRISE, SenderType.CITIZEN, SenderType.ORGANISATION
    # R1 answered in 15 days, on time, published in the period.
    rec(w, "R1", "2026-01-05", DEPT, w.cao_bang, w.telecom, "2026-01-26", "2026-01-20", "2026-01-20", RecState.PUBLISHED, "2026-01-25", s)
    # R2 answered in 30 days, late (due 30/01).
    rec(w, "R2", "2026-01-10", DEPT, w.cao_bang, w.telecom, "2026-01-30", "2026-02-09", "2026-02-09", RecState.ANSWERED)
    # R3 open, due 20/02 → overdue on 31/03.
    rec(w, "R3", "2026-02-01", ENT, None, w.infosec, "2026-02-20")
    # R4 declined (duplicate) on 16/02: resolved, not answered.
    rec(w, "R4", "2026-02-15", CIT, None, None, None, None, "2026-02-16", RecState.DECLINED)
    # R5 open, due 10/04 → in progress, not overdue.
    rec(w, "R5", "2026-03-20", DEPT, w.lao_cai, w.infosec, "2026-04-10", session=s)
    # R6 answered on 02/04, after the period: in progress as of 31/03.
    rec(w, "R6", "2026-03-25", DEPT, w.lao_cai, w.infosec, "2026-04-14", "2026-04-02", "2026-04-02", RecState.ANSWERED)
    # R7 received before the period: not counted.
    rec(w, "R7", "2025-12-20", DEPT, w.cao_bang, w.telecom, "2026-01-12")
    # R8 answered on its due day (9 days), published only on 01/04 (after the period).
    rec(w, "R8", "2026-03-01", ORG, None, w.telecom, "2026-03-10", "2026-03-10", "2026-03-10", RecState.PUBLISHED, "2026-04-01")

    directive("D1", "2026-01-10", "2026-02-10", DirState.DONE, 100, "2026-02-05", [w.dept_cb])
    directive("D2", "2026-01-15", "2026-03-15", DirState.IN_PROGRESS, 50, None, [w.dept_cb, w.telecom])  # 16 days late on 31/03
    directive("D3", "2026-03-01", "2026-04-30", DirState.ASSIGNED, 0, None, [w.dept_lc])  # 30/60 days gone, 0% → behind
    directive("D4", "2026-03-10", "2026-05-10", DirState.IN_PROGRESS, 30, None, [w.dept_lc])  # 21/61 ≈ 34%, 30% → fine
    directive("D5", "2026-02-01", "2026-03-01", DirState.CANCELLED, 10, None, [w.dept_cb])
    directive("D6", "2026-03-20", "2026-03-25", DirState.DONE, 100, "2026-04-05", [w.dept_cb])  # done after the period
    directive("D7", "2025-11-01", "2025-12-01", DirState.IN_PROGRESS, 90, None, [w.enterprise])  # given before: speed-up only
    return w


def test_recommendation_figures(fixture_data):
    r = stats.recommendation_stats(START, END, TODAY)
    assert r["received"] == 7  # R1–R6, R8
    assert {x["code"]: x["received"] for x in r["by_sender_type"]} == {"department": 4, "enterprise": 1, "citizen": 1, "organisation": 1}
    assert r["resolved"] == 4  # R1, R2, R4, R8
    assert r["answered"] == 3  # R1, R2, R8
    assert r["declined"] == 1
    assert r["published"] == 1  # R1 (R8 published after 31/03)
    assert r["in_progress"] == 3  # R3, R5, R6
    assert r["overdue"] == 1  # R3
    assert r["answered_on_time"] == 2  # R1, R8
    assert r["on_time_share"] == 66.7  # 2 / 3
    assert r["median_days_to_answer"] == 15.0  # median(15, 30, 9)
    assert r["at_sessions"] == 2  # R1, R5
    # At the sessions: R1 answered and published, R5 open → 50% answered, 50% published.
    assert (r["sessions"]["answered"], r["sessions"]["published"], r["sessions"]["in_progress"]) == (1, 1, 1)
    assert r["sessions"]["answered_share"] == 50.0 and r["sessions"]["published_share"] == 50.0
    dept = next(x for x in r["by_sender_type"] if x["code"] == "department")
    # Departments: R1, R2 resolved; R5, R6 in progress; none overdue; R1 published.
    assert (dept["received"], dept["resolved"], dept["in_progress"], dept["overdue"], dept["published"]) == (4, 2, 2, 0, 1)


def test_per_unit_and_per_province(fixture_data):
    r = stats.recommendation_stats(START, END, TODAY)
    units = {x["name"]: x for x in r["per_unit"]}
    assert [x["name"] for x in r["per_unit"]] == ["Cục An toàn thông tin", "Cục Viễn thông"]
    infosec, telecom = units["Cục An toàn thông tin"], units["Cục Viễn thông"]
    assert (infosec["received"], infosec["answered"], infosec["in_progress"], infosec["overdue"]) == (3, 0, 3, 1)
    assert infosec["on_time_share"] is None and infosec["median_days_to_answer"] is None
    assert (telecom["received"], telecom["answered"], telecom["in_progress"], telecom["overdue"]) == (3, 3, 0, 0)
    assert telecom["on_time_share"] == 66.7 and telecom["median_days_to_answer"] == 15.0
    prov = {x["name"]: x for x in r["per_province"]}
    assert [x["name"] for x in r["per_province"]] == ["Cao Bằng", "Lào Cai", "Không gắn tỉnh"]
    assert (prov["Cao Bằng"]["received"], prov["Cao Bằng"]["resolved"], prov["Cao Bằng"]["published"]) == (2, 2, 1)
    assert (prov["Lào Cai"]["received"], prov["Lào Cai"]["in_progress"], prov["Lào Cai"]["overdue"]) == (2, 2, 0)
    assert (prov["Không gắn tỉnh"]["received"], prov["Không gắn tỉnh"]["resolved"], prov["Không gắn tỉnh"]["overdue"]) == (3, 2, 1)


def test_directive_figures_and_speed_up_list(fixture_data):
    x = stats.directive_stats(START, END, TODAY)
    assert x["given"] == 6  # D1–D6
    assert x["done"] == 1 and x["done_on_time"] == 1  # D1 (D6 finished after 31/03)
    assert x["cancelled"] == 1
    assert x["open"] == 4  # D2, D3, D4, D6 as of 31/03
    assert x["overdue"] == 2  # D2 (due 15/03), D6 (due 25/03)
    groups = [(g["name"], [i["title"] for i in g["directives"]]) for g in x["speed_up"]]
    # D7 is 120 days late (due 01/12/2025); D2 is 16 days late; D3 is behind schedule (0% with 50% of the time gone).
    assert groups == [
        ("Tổng công ty Viễn thông Thử nghiệm", ["D7"]),
        ("Cục Viễn thông", ["D2"]),
        ("Sở Khoa học và Công nghệ tỉnh Cao Bằng", ["D2"]),
        ("Sở Khoa học và Công nghệ tỉnh Lào Cai", ["D3"]),
    ]
    d2 = x["speed_up"][1]["directives"][0]
    assert d2["days_overdue"] == 16 and d2["percent"] == 50
    d3 = x["speed_up"][3]["directives"][0]
    assert d3["days_overdue"] == 0 and d3["expected_percent"] == 50.0


def test_an_empty_period_has_no_shares(fixture_data):
    r = stats.recommendation_stats(d("2030-01-01"), d("2030-03-31"), TODAY)
    assert r["received"] == 0 and r["on_time_share"] is None and r["median_days_to_answer"] is None
    assert r["per_unit"] == [] and r["per_province"] == []


def test_json_matches_the_service(fixture_data, client):
    client.force_login(fixture_data.officer)
    data = client.get("/kien-nghi/thong-ke.json", {"from": "2026-01-01", "to": "2026-03-31"}).json()
    # The JSON's as_of is min(to, today); with today after 31/03 it equals the service's figures for TODAY.
    assert data["as_of"] == "2026-03-31"
    assert data["recommendations"] == stats.recommendation_stats(START, END, TODAY)
    assert data["directives"]["given"] == 6
