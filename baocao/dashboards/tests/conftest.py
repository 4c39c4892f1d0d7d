"""A small world for the dashboards: a few provinces' values in three quarters, key indicators, targets, users."""

from __future__ import annotations

from decimal import Decimal

import pytest

PASSWORD = "Baocao@2026"
PERIOD = "2024Q4"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class DashWorld:
    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        from baocao.accounts.models import Profile, Role
        from baocao.analytics.models import KeyIndicator, Target
        from baocao.catalog.models import Indicator
        from baocao.datavalues.services import bulk_write
        from baocao.geo.models import AdminArea

        self.subs = Indicator.objects.get(code="TEL_SUBS_TOTAL")
        self.signed = Indicator.objects.get(code="EDOC_SIGNED_SHARE")
        KeyIndicator.objects.all().delete()
        Target.objects.all().delete()
        KeyIndicator.objects.create(indicator=self.subs, order=1)
        KeyIndicator.objects.create(indicator=self.signed, order=2)
        self.cao_bang = AdminArea.objects.get(uid="P04")
        self.lang_son = AdminArea.objects.get(uid="P20")
        Target.objects.create(indicator=self.signed, year=2024, value=Decimal(80))
        Target.objects.create(indicator=self.signed, area=self.cao_bang, year=2024, value=Decimal(85))
        rows = []
        base = {"P04": 516_033, "P20": 702_410, "P08": 800_000, "P02": 650_500}
        for k, (uid, subs) in enumerate(base.items()):
            for step, period in enumerate(["2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4"]):
                rows.append((uid, "TEL_SUBS_TOTAL", period, {"value": subs + 1_000 * step}))
                num, den = 700 + 40 * k + 10 * step, 1000
                rows.append(
                    (uid, "EDOC_SIGNED_SHARE", period, {"value": Decimal(num) / 10, "numerator": num, "denominator": den})
                )
        bulk_write(({"period": p, "indicator": i, "area": a, **v} for a, i, p, v in rows), source="demo")

        U = get_user_model()

        def user(name: str, role: str | None, area=None, **extra):
            u = U.objects.create_user(name, f"{name}@example.vn", PASSWORD, **extra)
            if role:
                Profile.objects.create(user=u, role=role, area=area)
            return u

        self.officer = user("bo.chuyenvien", Role.MINISTRY_OFFICER)
        self.reporter = user("cb.chuyenvien", Role.PROVINCE_REPORTER, self.cao_bang)
        self.nobody = user("khach", None)


@pytest.fixture
def dash(ref) -> DashWorld:
    return DashWorld()


def login_page(page, live_server, client, user) -> None:
    """Log the browser in by handing it a session made by Django's test client."""
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
