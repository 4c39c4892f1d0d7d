"""Minimal organisations, provinces and users for the recommendation tests (no reference loaders)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from baocao.accounts.models import Profile, Role
from baocao.catalog.models import Domain
from baocao.geo.models import AdminArea, AreaLevel
from baocao.orgs.models import Organisation, OrgKind

PASSWORD = "mat-khau-Thu-2026"


class World:
    """Two provinces with a department each, the Ministry with three units, one enterprise, users per role."""

    def __init__(self) -> None:
        self.cao_bang = AdminArea.objects.create(uid="T04", code="04", name="Cao Bằng", level=AreaLevel.PROVINCE)
        self.lao_cai = AdminArea.objects.create(uid="T10", code="10", name="Lào Cai", level=AreaLevel.PROVINCE)
        self.ministry = Organisation.objects.create(uid="T-BO", name="Bộ Khoa học và Công nghệ", kind=OrgKind.MINISTRY)
        self.office = Organisation.objects.create(uid="T-VP", name="Văn phòng Bộ", kind=OrgKind.MINISTRY_UNIT, parent=self.ministry)
        self.telecom = Organisation.objects.create(uid="T-CVT", name="Cục Viễn thông", kind=OrgKind.MINISTRY_UNIT, parent=self.ministry)
        self.infosec = Organisation.objects.create(
            uid="T-ATTT", name="Cục An toàn thông tin", kind=OrgKind.MINISTRY_UNIT, parent=self.ministry
        )
        self.dept_cb = Organisation.objects.create(
            uid="T-SCB", name="Sở Khoa học và Công nghệ tỉnh Cao Bằng", kind=OrgKind.DEPARTMENT, area=self.cao_bang
        )
        self.dept_lc = Organisation.objects.create(
            uid="T-SLC", name="Sở Khoa học và Công nghệ tỉnh Lào Cai", kind=OrgKind.DEPARTMENT, area=self.lao_cai
        )
        self.enterprise = Organisation.objects.create(uid="T-DN", name="Tổng công ty Viễn thông Thử nghiệm", kind=OrgKind.ENTERPRISE)
        self.telecom_domain, _ = Domain.objects.get_or_create(code="telecom", defaults={"name": "Viễn thông", "name_en": "Telecommunications"})
        self.infosec_domain, _ = Domain.objects.get_or_create(code="infosec", defaults={"name": "An toàn thông tin", "name_en": "Information security"})
        self.officer = make_user("vanphong", Role.MINISTRY_OFFICER, self.office)
        self.admin = make_user("quantri", Role.MINISTRY_ADMIN, self.office)
        self.unit_user = make_user("cucvienthong", Role.MINISTRY_UNIT, self.telecom)
        self.infosec_user = make_user("cucattt", Role.MINISTRY_UNIT, self.infosec)
        self.reporter_cb = make_user("socaobang", Role.PROVINCE_REPORTER, self.dept_cb, self.cao_bang)
        self.approver_cb = make_user("lanhdaocaobang", Role.PROVINCE_APPROVER, self.dept_cb, self.cao_bang)
        self.reporter_lc = make_user("solaocai", Role.PROVINCE_REPORTER, self.dept_lc, self.lao_cai)


def make_user(username: str, role: str, org: Organisation | None, area: AdminArea | None = None):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    Profile.objects.create(user=user, role=role, organisation=org, area=area)
    return user


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)
