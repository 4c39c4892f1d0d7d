"""Who reports and who directs on a given day.

The rules are data (``fixtures/organisations.json``): ``ministry_roles`` says which ministry
manages which domains over which dates; ``provincial.departments`` says which provincial
department reports on which domains (Sở TT&TT until 28/02/2025; from 01/03/2025 Sở KH&CN for
post, telecom, IT, information security, digital transformation and inspection, Sở VHTTDL for press,
publishing and grassroots information).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from baocao.geo.models import AdminArea
from baocao.geo.services import fmt_date, resolve_area

from .loader import read_fixture
from .models import Organisation

__all__ = ["OrgError", "department_for", "known_domains", "ministry_on"]


class OrgError(ValueError):
    """No organisation answers the question (unknown domain, date outside every rule, not loaded)."""


def _within(rule: dict[str, Any], day: dt.date) -> bool:
    vf, vt = rule.get("valid_from"), rule.get("valid_to")
    return (not vf or dt.date.fromisoformat(vf) <= day) and (not vt or day <= dt.date.fromisoformat(vt))


def known_domains() -> set[str]:
    """Every domain code the organisation rules mention."""
    data = read_fixture()
    codes = {c for r in data.get("ministry_roles", []) for c in r.get("domains", [])}
    codes |= {c for t in data.get("provincial", {}).get("departments", []) for c in t.get("domains", [])}
    return codes


def _check_domain(domain_code: str | None) -> None:
    if domain_code is not None and domain_code not in known_domains():
        raise OrgError(
            f"Lĩnh vực không hợp lệ: “{domain_code}” (dùng một trong: {', '.join(sorted(known_domains()))})."
        )


def ministry_on(day: dt.date, domain_code: str | None = None) -> Organisation:
    """The ministry in charge on ``day``: Bộ TT&TT until 28/02/2025, Bộ KH&CN from 01/03/2025, or
    Bộ VHTTDL from 01/03/2025 for ``domain_code="press"`` (press, publishing, grassroots information)."""
    _check_domain(domain_code)
    roles = [r for r in read_fixture().get("ministry_roles", []) if _within(r, day)]
    if domain_code is None:
        roles = roles[:1] if roles else []
    else:
        roles = [r for r in roles if domain_code in r.get("domains", [])]
    if not roles:
        raise OrgError(f"Không có bộ quản lý {('lĩnh vực ' + domain_code) if domain_code else ''} vào ngày {fmt_date(day)}.")
    org = Organisation.objects.valid_on(day).filter(uid=roles[0]["uid"]).first()
    if org is None:
        raise OrgError(f"Chưa nạp cơ quan {roles[0]['uid']}: chạy `baocao load_orgs`.")
    return org


def department_for(area: AdminArea | str, on: dt.date, domain_code: str | None = None) -> Organisation:
    """The provincial department that reports for ``area`` on date ``on`` (on ``domain_code`` if given).

    ``area`` is a province (row or anything ``resolve_area`` accepts) valid on ``on``; otherwise
    ``AreaError`` (a ``ValueError``) says why, e.g. that Hà Giang was merged into Tuyên Quang.
    """
    _check_domain(domain_code)
    province = resolve_area(area, on)
    templates = [t for t in read_fixture().get("provincial", {}).get("departments", []) if _within(t, on)]
    if domain_code is None:
        chosen = [t for t in templates if t.get("primary")]
    else:
        chosen = [t for t in templates if domain_code in t.get("domains", [])]
    if not chosen:
        what = f"lĩnh vực {domain_code}" if domain_code else "báo cáo"
        raise OrgError(f"Không có sở phụ trách {what} vào ngày {fmt_date(on)}.")
    uid = f"{chosen[0]['prefix']}-{province.uid}"
    org = Organisation.objects.valid_on(on).filter(uid=uid).first()
    if org is None:
        raise OrgError(f"Chưa có {uid} ({province.name}) vào ngày {fmt_date(on)}: chạy `baocao load_orgs`.")
    return org
