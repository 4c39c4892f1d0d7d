"""Shared scene and helpers for the attack tests (``test_attacks_*.py``).

The scene: the reference data, the report forms, two provinces (A = Cao Bằng P04, B = Lạng Sơn P20)
with a reporter and an approver each, Ministry users, and objects on both sides: recommendations
(unpublished, with attachments), a published one, directives with evidence files, a briefing session,
a report of province B with a value, an extracted document. Every private object of province B and
every Ministry-only object carries ``SECRET_B`` / ``SECRET_MIN`` in its text, so a leak is visible
in any response body.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern

from baocao.orgs.models import Organisation, OrgKind
from baocao.recommendations import services as rs
from baocao.reporting.tests.factories import PASSWORD, World

SECRET_B = "BIMAT-TINH-B-7f3a"
SECRET_MIN = "BIMAT-BO-91c2"

__all__ = ["PASSWORD", "SECRET_B", "SECRET_MIN", "AttackWorld", "db_fingerprint", "media_files", "walk_urls"]


class AttackWorld(World):
    def __init__(self) -> None:
        super().__init__()
        self.unit_org = Organisation.objects.filter(kind=OrgKind.MINISTRY_UNIT).order_by("pk").first()
        assert self.unit_org is not None, "the reference organisations have no Ministry unit"
        today = dt.date.today()
        self.session = rs.create_session(self.officer, "Giao ban quý", today, "Nguyễn Văn A", "Thứ trưởng")
        pdf = b"%PDF-1.4\n% attack test\n"
        self.rec_a = rs.create_recommendation(
            self.reporter,
            rs.NewRecommendation(title="Kiến nghị của tỉnh A", text="Nội dung kiến nghị tỉnh A.", received_on=today),
            files=[SimpleUploadedFile("to-trinh-a.pdf", pdf, content_type="application/pdf")],
        )
        self.rec_b = rs.create_recommendation(
            self.reporter_ls,
            rs.NewRecommendation(title=f"Kiến nghị riêng {SECRET_B}", text=f"Nội dung {SECRET_B}.", received_on=today),
            files=[SimpleUploadedFile("to-trinh-b.pdf", pdf, content_type="application/pdf")],
        )
        rs.assign(self.officer, self.rec_b, self.unit_org.pk)
        self.attachment_a = self.rec_a.attachments.get()
        self.attachment_b = self.rec_b.attachments.get()
        self.rec_pub = rs.create_recommendation(
            self.reporter_ls,
            rs.NewRecommendation(title="Kiến nghị đã công khai", text="Nội dung công khai.", received_on=today),
        )
        rs.assign(self.officer, self.rec_pub, self.unit_org.pk)
        rs.answer(self.officer, self.rec_pub, "Trả lời nội bộ.")
        rs.publish(self.officer, self.rec_pub, "Trả lời công khai.")
        self.directive_a = rs.create_directive(self.officer, "Nhiệm vụ của tỉnh A", "Nguyễn Văn A", [self.dept_cb.pk])
        # Overdue, so that it is in the statistics' "speed up" list.
        self.directive_b = rs.create_directive(
            self.officer, f"Nhiệm vụ {SECRET_B}", "Nguyễn Văn A", [self.dept_ls.pk], session=self.session,
            given_on=today - dt.timedelta(days=60), due_on=today - dt.timedelta(days=5),
        )
        upd = rs.report_progress(
            self.reporter_ls, self.directive_b, 30, f"Tiến độ {SECRET_B}",
            files=[SimpleUploadedFile("minh-chung-b.pdf", pdf, content_type="application/pdf")],
        )
        self.evidence_b = upd.evidence.get()
        self.directive_min = rs.create_directive(
            self.officer, f"Nhiệm vụ nội bộ {SECRET_MIN}", "Nguyễn Văn A", [self.unit_org.pk],
            given_on=today - dt.timedelta(days=60), due_on=today - dt.timedelta(days=5),
        )
        upd = rs.report_progress(
            self.officer, self.directive_min, 10, f"Tiến độ {SECRET_MIN}",
            files=[SimpleUploadedFile("minh-chung-bo.pdf", pdf, content_type="application/pdf")],
        )
        self.evidence_min = upd.evidence.get()
        self.rec_list = [self.rec_a, self.rec_b, self.rec_pub]
        from baocao.extraction.services import ingest_bytes

        text = f"Báo cáo {SECRET_MIN}. Năm 2024, tỉnh Cao Bằng có 120 doanh nghiệp bưu chính.\n".encode()
        self.document = ingest_bytes(text, "bao-cao.txt", user=self.admin).document
        # Province B's report with one value whose comment is secret.
        from baocao.reporting import services as rep

        self.sub_b, per = rep.open_submission(self.approver_ls, self.form_q.code, self.period.code, "P20", "enter")
        key = rep.entry_items(self.sub_b, per)[0].key
        res = rep.save_values(
            self.sub_b, per, self.approver_ls,
            {key: {"value": "7", "numerator": "", "denominator": "", "comment": SECRET_B, "version": ""}},
        )
        assert res.ok, res.errors
        self.sub_b.refresh_from_db()
        from baocao.datavalues.models import DataValue

        self.value_b = DataValue.objects.filter(area__uid="P20").order_by("pk").first()
        assert self.value_b is not None


def walk_urls(resolver: URLResolver | None = None, prefix: str = "", ns: str = "") -> Iterator[tuple[str, str, Any]]:
    """Every URL pattern of the project as (route template, qualified name or "", callback).

    The route template is the concatenation of the pieces: ``<int:pk>`` for routes; regex pieces
    are kept as regex text (``(?P<app_label>auth|…)``) and filled by :func:`fill_route`."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        piece = _piece(p.pattern)
        if isinstance(p, URLResolver):
            sub_ns = ns
            if p.namespace:
                sub_ns = f"{ns}:{p.namespace}" if ns else p.namespace
            yield from walk_urls(p, prefix + piece, sub_ns)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield prefix + piece, name, p.callback


def _piece(pattern: Any) -> str:
    if isinstance(pattern, LocalePrefixPattern):
        return ""  # the default language has no prefix
    if isinstance(pattern, RoutePattern):
        return str(pattern._route)
    if isinstance(pattern, RegexPattern):
        return str(pattern._regex).removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    return str(pattern)


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")


def route_args(route: str) -> list[str]:
    return [m.group(2) for m in _CONVERTER.finditer(route)] + [m.group(1) for m in _GROUP.finditer(route)]


def fill_route(route: str, values: dict[str, str]) -> str:
    """A concrete path for a route template: each argument from ``values`` (by argument name);
    a regex group with alternatives takes its first alternative when no value is given."""

    def conv(m: re.Match) -> str:
        return str(values.get(m.group(2), "1" if m.group(1) == "int" else "x"))

    def group(m: re.Match) -> str:
        if m.group(1) in values:
            return str(values[m.group(1)])
        alts = m.group(2)
        return alts.split("|")[0] if "|" in alts and "\\" not in alts.split("|")[0] else "x"

    path = _CONVERTER.sub(conv, route)
    path = _GROUP.sub(group, path)
    return "/" + path.replace("\\/", "/")


def db_fingerprint(exclude: tuple[str, ...] = ("django_session",)) -> str:
    """A hash of every row of every table (sorted): any write anywhere changes it."""
    return hashlib.sha256(repr(sorted(table_fingerprints(exclude).items())).encode()).hexdigest()


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def table_fingerprints(exclude: tuple[str, ...] = ("django_session",)) -> dict[str, str]:
    """Per table, a hash of its rows (sorted)."""
    out = {}
    tables = sorted(
        m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.db_table not in exclude and m._meta.managed
    )
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cur:
        for t in tables:
            if t not in existing:
                continue
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(t)}")  # noqa: S608 - table names from the models
            h = hashlib.sha256()
            for r in sorted(repr(r) for r in cur.fetchall()):
                h.update(r.encode())
            out[t] = h.hexdigest()
    return out


def media_files(root: Path | str) -> list[str]:
    root = Path(root)
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
