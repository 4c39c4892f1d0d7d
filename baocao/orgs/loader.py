"""Load organisations: the fixture's static rows plus people's committees and departments per province.

Idempotent: rows are matched by ``uid``; only new or changed rows (and links) are written. Every
generated row is valid only while both its template (e.g. Sở TT&TT until 28/02/2025) and its
province are valid, so the provinces of 2024 have Sở TT&TT rows and the 34 of 2025-07-01 have
Sở KH&CN and Sở VHTTDL rows whose predecessors are the departments of the provinces they were
formed from.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction

from baocao.geo.models import AdminArea, AreaLevel, AreaSuccession

from .models import Organisation, OrgKind

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "organisations.json"
ORG_FIELDS = ["name", "short_name", "name_en", "kind", "area_id", "valid_from", "valid_to", "note"]


class OrgDataError(ValueError):
    """The organisations fixture is inconsistent, or the map it needs is not loaded."""


@dataclass
class OrgLoadStats:
    created: int = 0
    updated: int = 0
    links_added: int = 0
    links_removed: int = 0
    domains_linked: int = 0
    domains_missing: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"organisations: +{self.created} ~{self.updated}; links +{self.links_added} -{self.links_removed}; "
                f"domain links +{self.domains_linked}")
        if self.domains_missing:
            text += f"; catalog domains not found (not linked): {', '.join(self.domains_missing)}"
        return text


def _date(value: str | None, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise OrgDataError(f"{where}: ngày không hợp lệ {value!r} (dạng YYYY-MM-DD)") from None


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_fixture(path: Path = FIXTURE) -> dict[str, Any]:
    """The organisations fixture (cached while the file is unchanged)."""
    return _read(str(path), path.stat().st_mtime)


def _area_phrase(area: AdminArea) -> str:
    full = area.full_name or area.name
    return full[0].lower() + full[1:]


def _overlap(a_from: dt.date | None, a_to: dt.date | None, b_from: dt.date | None, b_to: dt.date | None):
    lo = max((d for d in (a_from, b_from) if d), default=None)
    hi = min((d for d in (a_to, b_to) if d), default=None)
    if lo and hi and lo > hi:
        return None
    return lo, hi


def build_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Desired rows (dicts with uid, fields, parent uid, predecessor uids, domain codes)."""
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    kinds = set(OrgKind.values)
    for i, o in enumerate(data.get("organisations", [])):
        where = f"organisations.json organisations[{i}] ({o.get('uid')!r})"
        if not o.get("uid") or not o.get("name"):
            errors.append(f"{where}: thiếu uid hoặc name")
            continue
        if o.get("kind") not in kinds:
            errors.append(f"{where}: kind {o.get('kind')!r} không hợp lệ")
        try:
            vf, vt = _date(o.get("valid_from"), where), _date(o.get("valid_to"), where)
        except OrgDataError as exc:
            errors.append(str(exc))
            continue
        if vf and vt and vf > vt:
            errors.append(f"{where}: valid_from sau valid_to")
        rows.append({
            "uid": o["uid"], "name": o["name"], "short_name": o.get("short_name", ""), "name_en": o.get("name_en", ""),
            "kind": o.get("kind"), "area": None, "valid_from": vf, "valid_to": vt, "note": o.get("note", ""),
            "parent": o.get("parent"), "predecessors": list(o.get("predecessors", [])),
            "domains": list(o.get("domains", [])),
        })

    provinces = list(AdminArea.objects.filter(level=AreaLevel.PROVINCE).order_by("code", "uid"))
    if not provinces:
        raise OrgDataError("Chưa có bản đồ hành chính: chạy `baocao load_map` trước `baocao load_orgs`.")
    preds_of: dict[int, list[AdminArea]] = {}
    for s in AreaSuccession.objects.select_related("predecessor").filter(successor__level=AreaLevel.PROVINCE):
        preds_of.setdefault(s.successor_id, []).append(s.predecessor)

    prov = data.get("provincial", {})
    pc = prov.get("peoples_committee")
    templates = [(pc, None)] if pc else []
    templates += [(t, t) for t in prov.get("departments", [])]
    for tpl, dept in templates:
        t_from = _date(tpl.get("valid_from"), tpl["prefix"])
        t_to = _date(tpl.get("valid_to"), tpl["prefix"])
        for area in provinces:
            span = _overlap(t_from, t_to, area.valid_from, area.valid_to)
            if span is None:
                continue
            vf, vt = span
            fmt = {"area": _area_phrase(area), "name": area.name, "name_en": area.name}
            override = tpl.get("overrides", {}).get(area.uid, {})
            preds: list[str] = []
            if area.valid_from is not None and (t_from is None or area.valid_from > t_from):
                # A province formed during the template's life: the same department of its predecessors.
                preds = [f"{tpl['prefix']}-{p.uid}" for p in preds_of.get(area.pk, [])]
            elif dept and dept.get("predecessor"):
                preds = [f"{dept['predecessor']}-{area.uid}"]
            rows.append({
                "uid": f"{tpl['prefix']}-{area.uid}",
                "name": override.get("name", tpl["name"].format(**fmt)),
                "short_name": override.get("short_name", tpl.get("short_name", "").format(**fmt)),
                "name_en": tpl.get("name_en", "").format(**fmt),
                "kind": tpl.get("kind", OrgKind.DEPARTMENT),
                "area": area.pk, "valid_from": vf, "valid_to": vt,
                "note": override.get("note", tpl.get("note", "")),
                "parent": f"UBND-{area.uid}" if dept else tpl.get("parent"),
                "predecessors": preds,
                "domains": list(tpl.get("domains", [])),
            })

    uids = [r["uid"] for r in rows]
    dupes = sorted({u for u in uids if uids.count(u) > 1})
    if dupes:
        errors.append(f"uid trùng: {', '.join(dupes)}")
    known = set(uids)
    for r in rows:
        if r["parent"] and r["parent"] not in known:
            errors.append(f"{r['uid']}: cơ quan chủ quản {r['parent']!r} không có trong danh sách")
        for p in r["predecessors"]:
            if p not in known:
                errors.append(f"{r['uid']}: tiền thân {p!r} không có trong danh sách")
    if errors:
        raise OrgDataError("Dữ liệu cơ quan, đơn vị không hợp lệ:\n- " + "\n- ".join(errors[:50]))
    return rows


def _sync_links(through: Any, left: str, right: str, owners: list[int], wanted: set[tuple[int, int]]) -> tuple[int, int]:
    existing = set(through.objects.filter(**{f"{left}__in": owners}).values_list(left, right))
    add = wanted - existing
    remove = existing - wanted
    through.objects.bulk_create([through(**{left: a, right: b}) for a, b in sorted(add)])
    for a, b in remove:
        through.objects.filter(**{left: a, right: b}).delete()
    return len(add), len(remove)


def load_orgs(path: Path = FIXTURE) -> OrgLoadStats:
    """Load or refresh every organisation in one transaction."""
    from baocao.catalog.models import Domain

    stats = OrgLoadStats()
    data = read_fixture(path)
    with transaction.atomic():
        rows = build_rows(data)
        existing = {o.uid: o for o in Organisation.objects.filter(uid__in=[r["uid"] for r in rows])}
        create, update = [], []
        for r in rows:
            values = {f: r[f] for f in ("name", "short_name", "name_en", "kind", "valid_from", "valid_to", "note")}
            values["area_id"] = r["area"]
            obj = existing.get(r["uid"])
            if obj is None:
                create.append(Organisation(uid=r["uid"], **values))
            elif any(getattr(obj, f) != values[f] for f in ORG_FIELDS):
                for f in ORG_FIELDS:
                    setattr(obj, f, values[f])
                update.append(obj)
        Organisation.objects.bulk_create(create, batch_size=1000)
        if update:
            Organisation.objects.bulk_update(update, ORG_FIELDS, batch_size=1000)
        stats.created, stats.updated = len(create), len(update)

        pk = dict(Organisation.objects.filter(uid__in=[r["uid"] for r in rows]).values_list("uid", "pk"))
        parents = dict(Organisation.objects.filter(pk__in=pk.values()).values_list("pk", "parent_id"))
        reparent = []
        for r in rows:
            want = pk[r["parent"]] if r["parent"] else None
            if parents[pk[r["uid"]]] != want:
                reparent.append(Organisation(pk=pk[r["uid"]], parent_id=want))
        if reparent:
            Organisation.objects.bulk_update(reparent, ["parent_id"], batch_size=1000)
            touched = {existing[u].pk for u in existing} - {o.pk for o in update}
            stats.updated += len({o.pk for o in reparent} & touched)

        owners = list(pk.values())
        wanted_preds = {(pk[r["uid"]], pk[p]) for r in rows for p in r["predecessors"]}
        a, b = _sync_links(Organisation.predecessors.through, "from_organisation_id", "to_organisation_id",
                           owners, wanted_preds)
        stats.links_added, stats.links_removed = a, b

        codes = {c for r in rows for c in r["domains"]}
        domain_pk = dict(Domain.objects.filter(code__in=codes).values_list("code", "pk"))
        stats.domains_missing = sorted(codes - set(domain_pk))
        if domain_pk:
            wanted_domains = {(pk[r["uid"]], domain_pk[c]) for r in rows for c in r["domains"] if c in domain_pk}
            a, _ = _sync_links(Organisation.domains.through, "organisation_id", "domain_id", owners, wanted_domains)
            stats.domains_linked = a
    return stats
