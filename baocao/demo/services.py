"""Build the demo data set in the database: values through the bulk path, demo accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from baocao.catalog.models import Indicator
from baocao.demo.generator import REFORM_DAY, DemoGenerator, Unit
from baocao.geo.models import AdminArea, AreaSuccession

DEMO_PASSWORD = "Baocao@2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    title: str
    org_hint: str  # "ministry", "ministry_unit:<uid prefix>", or "department:<province uid>"
    staff: bool = False
    superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount("quantri", "ministry_admin", "Quản trị hệ thống", "ministry", staff=True, superuser=True),
    DemoAccount("bo.chuyenvien", "ministry_officer", "Chuyên viên Văn phòng Bộ", "ministry_office"),
    DemoAccount("cuc.cds", "ministry_unit", "Chuyên viên Cục Chuyển đổi số quốc gia", "ministry_unit"),
    DemoAccount("caobang.chuyenvien", "province_reporter", "Chuyên viên Sở", "department:P04"),
    DemoAccount("caobang.lanhdao", "province_approver", "Phó Giám đốc Sở", "department:P04"),
    DemoAccount("langson.chuyenvien", "province_reporter", "Chuyên viên Sở", "department:P20"),
    DemoAccount("langson.lanhdao", "province_approver", "Giám đốc Sở", "department:P20"),
]


def last_complete_quarter(today: dt.date) -> tuple[int, int]:
    q = (today.month - 1) // 3 + 1
    return (today.year - 1, 4) if q == 1 else (today.year, q - 1)


def indicator_dicts() -> list[dict[str, Any]]:
    rows = []
    for ind in Indicator.objects.filter(scope__in=["province", "both"]).order_by("code"):
        if ind.agg_space == "none" and ind.value_type not in ("index", "boolean", "ratio", "density"):
            continue
        rows.append(
            {
                "code": ind.code,
                "value_type": ind.value_type,
                "agg_time": ind.agg_time,
                "agg_space": ind.agg_space,
                "unit": ind.unit,
                "decimals": ind.decimals,
                "max_value": float(ind.max_value) if ind.max_value is not None else None,
                "valid_from": ind.valid_from,
                "valid_to": ind.valid_to,
            }
        )
    return rows


def province_units() -> tuple[list[Unit], list[Unit]]:
    """Old provinces (valid before the reform, flagged if they continue) and the new merged ones."""
    before = REFORM_DAY - dt.timedelta(days=1)
    provinces = AdminArea.objects.provinces()
    after_ids = set(provinces.valid_on(REFORM_DAY).values_list("id", flat=True))
    old = [
        Unit(a.uid, a.population or 1_000_000, valid_before=True, valid_after=a.id in after_ids)
        for a in provinces.valid_on(before).order_by("code")
    ]
    new = []
    for a in provinces.valid_on(REFORM_DAY).exclude(valid_from__isnull=True).order_by("code"):
        preds = list(
            AreaSuccession.objects.filter(successor=a).order_by("predecessor__code").values_list("predecessor__uid", flat=True)
        )
        pop = sum(u.population for u in old if u.uid in preds) or a.population or 1_000_000
        new.append(Unit(a.uid, pop, constituents=preds, valid_before=False, valid_after=True))
    return old, new


def demo_rows(today: dt.date, first_year: int = 2016) -> tuple[DemoGenerator, Iterator[dict[str, Any]]]:
    old, new = province_units()
    gen = DemoGenerator(indicator_dicts(), old, new, last_complete_quarter(today), first_year=first_year)
    return gen, gen.rows()


def _organisation_for(hint: str, on: dt.date):
    from baocao.orgs.models import Organisation

    if hint.startswith("department:"):
        from baocao.orgs.services import department_for

        return department_for(AdminArea.objects.get(uid=hint.split(":", 1)[1]), on)
    qs = Organisation.objects.valid_on(on)
    if hint == "ministry":
        return qs.filter(kind="ministry", short_name__in=["Bộ KH&CN", "Bộ TT&TT"]).first() or qs.filter(kind="ministry").first()
    if hint == "ministry_office":
        return qs.filter(kind="ministry_unit", name__icontains="Văn phòng Bộ").first()
    return qs.filter(kind="ministry_unit", name__icontains="Chuyển đổi số").first()


@transaction.atomic
def create_demo_accounts(today: dt.date) -> list[tuple[DemoAccount, Any]]:
    from baocao.accounts.models import Profile

    User = get_user_model()
    out = []
    for acc in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(username=acc.username)
        user.is_staff, user.is_superuser = acc.staff, acc.superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        org = _organisation_for(acc.org_hint, today)
        area = AdminArea.objects.get(uid=acc.org_hint.split(":", 1)[1]) if acc.org_hint.startswith("department:") else None
        Profile.objects.update_or_create(
            user=user, defaults={"role": acc.role, "organisation": org, "area": area, "title": acc.title}
        )
        out.append((acc, org))
    return out


def write_demo_values(today: dt.date, progress: Callable[[int], None] | None = None) -> tuple[Any, DemoGenerator]:
    from baocao.datavalues.services import bulk_write

    gen, rows = demo_rows(today)

    def counted():
        for n, row in enumerate(rows, 1):
            if progress and n % 10000 == 0:
                progress(10000)
            yield row

    result = bulk_write(counted(), source="demo")
    return result, gen
