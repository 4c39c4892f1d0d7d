"""Ingest reports for review: read, extract, store — one transaction per document, idempotent.

``ingest_path`` / ``ingest_bytes`` are what ``baocao ingest`` and the upload page call. A document
already stored (same SHA-256 of its bytes) is returned as it is, without extracting again. Bad input
raises :class:`baocao.extraction.readers.ReadError` and stores nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from .about import province_names_from_db
from .catalog import Catalog, load_catalog
from .extractor import SCHEMA_VERSION, extract
from .models import ExtractedItem, ItemKind, ReviewStatus, SourceDocument
from .readers import MAX_BYTES, ReadError, read_document


@dataclass
class IngestResult:
    document: SourceDocument
    created: bool
    counts: dict[str, int]


def _counts(doc: SourceDocument) -> dict[str, int]:
    out = {k.value: 0 for k in ItemKind}
    for kind in doc.items.values_list("kind", flat=True):
        out[kind] += 1
    return out


def ingest_path(path: str | Path, *, user: Any = None, catalog: Catalog | None = None) -> IngestResult:
    """Store one report file for review (see the module docstring)."""
    p = Path(path)
    if p.is_file() and p.stat().st_size <= MAX_BYTES:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        existing = SourceDocument.objects.filter(sha256=digest).first()
        if existing is not None:
            return IngestResult(existing, False, _counts(existing))
    doc = read_document(p)  # raises ReadError on bad input
    data = p.read_bytes()
    return _store(data, p.name, doc, user=user, catalog=catalog)


def ingest_bytes(data: bytes, name: str, *, user: Any = None, catalog: Catalog | None = None) -> IngestResult:
    """Store uploaded bytes (``name`` gives the format by its extension)."""
    digest = hashlib.sha256(data).hexdigest()
    existing = SourceDocument.objects.filter(sha256=digest).first()
    if existing is not None:
        return IngestResult(existing, False, _counts(existing))
    suffix = Path(name).suffix.lower()
    if len(data) > MAX_BYTES:
        raise ReadError(f"{name}: the file is too large", f"Tệp {name} quá lớn")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp) / f"upload{suffix}"
        tmp_path.write_bytes(data)
        doc = read_document(tmp_path)
    return _store(data, name, doc, user=user, catalog=catalog)


def _store(data: bytes, name: str, doc: Any, *, user: Any, catalog: Catalog | None) -> IngestResult:
    digest = hashlib.sha256(data).hexdigest()
    catalog = catalog if catalog is not None else load_catalog()
    result = extract(doc.text, catalog=catalog, provinces=province_names_from_db())
    items: list[ExtractedItem] = []
    for kind, key in ((ItemKind.FACT, "facts"), (ItemKind.RECOMMENDATION, "recommendations"), (ItemKind.DIRECTIVE, "directives")):
        for it in result[key]:
            items.append(
                ExtractedItem(kind=kind, start=it["start"], end=it["end"], quote=doc.text[it["start"] : it["end"]], data=it)
            )
    event = dt.date.fromisoformat(result["event_date"]) if result.get("event_date") else None
    try:
        with transaction.atomic():
            sd = SourceDocument.objects.create(
                sha256=digest,
                name=name[:255],
                fmt=doc.fmt,
                encoding=doc.encoding,
                size=len(data),
                text=doc.text,
                province=result.get("province") or "",
                period=result.get("period") or "",
                event_date=event,
                catalog_source=getattr(catalog, "source", ""),
                extractor_version=SCHEMA_VERSION,
                result=result,
                uploaded_by=user if getattr(user, "pk", None) else None,
            )
            for it in items:
                it.document = sd
            ExtractedItem.objects.bulk_create(items, batch_size=500)
    except IntegrityError:
        # Another process stored the same bytes meanwhile: idempotent all the same.
        existing = SourceDocument.objects.get(sha256=digest)
        return IngestResult(existing, False, _counts(existing))
    return IngestResult(sd, True, {k: sum(1 for i in items if i.kind == k) for k in ItemKind.values})


# ---- review: accept, edit or reject what was extracted ------------------------------------------------


class ReviewError(ValueError):
    """A decision that cannot be applied; ``field`` names the input, ``message`` says why (Vietnamese)."""

    def __init__(self, field: str, message: str, item: int | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.item = item


@dataclass
class Decision:
    """What the reviewer decided for one item; the optional fields are corrections."""

    item: int
    action: str  # "accept" | "reject" | "pending"
    value: str | None = None
    denominator: str | None = None
    indicator: str | None = None
    qualifier: str | None = None
    text: str | None = None
    assignees: list[str] | None = None  # organisation uids for a directive


def default_area(document: SourceDocument) -> Any:
    """The area the document is about, from the map: the province valid in its period, or the country."""
    from baocao.geo.models import AdminArea, AreaLevel

    from .about import period_start

    day = period_start(document.period) or document.event_date or dt.date.today()
    if document.province == "national":
        return AdminArea.objects.filter(level=AreaLevel.COUNTRY).first()
    if not document.province:
        return None
    from baocao.core.text import fold

    qs = AdminArea.objects.filter(level=AreaLevel.PROVINCE, name_folded=fold(document.province))
    return qs.valid_on(day).first() or qs.order_by("-valid_from").first()


def guess_assignees(item: ExtractedItem, document: SourceDocument) -> list[str]:
    """Organisations a directive's addressee names, from the organisations table (best effort).

    "Sở …" in a provincial report is that province's department; otherwise an organisation whose name
    (or short name) the addressee contains, or which contains the addressee.
    """
    from baocao.core.text import fold
    from baocao.orgs.models import Organisation, OrgKind

    to = fold(item.data.get("to") or "")
    if not to:
        return []
    orgs = Organisation.objects.all()
    if re.match(r"^(?:cac )?so(?: |$)", to) and document.province and document.province != "national":
        dept = [o for o in orgs.filter(kind=OrgKind.DEPARTMENT).select_related("area")
                if o.area_id and fold(o.area.name) == fold(document.province)]
        if dept:
            return [dept[0].uid]
    best: list[tuple[int, str]] = []
    for o in orgs:
        for name in (o.name, o.short_name):
            f = fold(name or "")
            if len(f) >= 6 and (f in to or to in f):
                best.append((len(f), o.uid))
    best.sort(reverse=True)
    return [best[0][1]] if best else []


def _parse_number(raw: str | None, field: str, item: int) -> Any:
    from decimal import Decimal

    from baocao.core.numbers import NumberFormatError, parse_number

    if raw is None or str(raw).strip() == "":
        return None
    s = str(raw).strip()
    try:
        return parse_number(s)
    except NumberFormatError:
        try:
            return Decimal(s)  # "16.2" typed the English way
        except Exception:
            raise ReviewError(field, f"“{s}” không phải là số (ví dụ 516.033 hoặc 16,2)", item) from None


def review(
    document: SourceDocument,
    decisions: list[Decision],
    *,
    user: Any,
    area: Any = None,
    period: str | None = None,
) -> dict[str, int]:
    """Apply the reviewer's decisions in one transaction; any error writes nothing.

    Accepted figures become data values (source "extraction", provenance = document + span + quote);
    accepted recommendations and directives become records of the recommendations app. Returns the
    number of items accepted (by kind) and rejected.
    """
    from django.utils import timezone

    items = {i.pk: i for i in document.items.all()}
    counts = {"fact": 0, "recommendation": 0, "directive": 0, "rejected": 0}
    period = (period or document.period or "").strip()
    now = timezone.now()
    with transaction.atomic():
        for d in decisions:
            item = items.get(d.item)
            if item is None:
                raise ReviewError("item", f"Mục #{d.item} không thuộc văn bản này", d.item)
            if d.action == "pending":
                continue
            if item.status in (ReviewStatus.ACCEPTED, ReviewStatus.EDITED):
                raise ReviewError("item", f"Mục «{item.quote[:60]}» đã được chấp nhận trước đó", item.pk)
            if d.action == "reject":
                item.status = ReviewStatus.REJECTED
                counts["rejected"] += 1
            elif d.action == "accept":
                edited = _apply(item, d, document, user, area, period)
                item.status = ReviewStatus.EDITED if edited else ReviewStatus.ACCEPTED
                counts[item.kind] += 1
            else:
                raise ReviewError("action", f"Quyết định “{d.action}” không hợp lệ", item.pk)
            item.reviewed_by = user if getattr(user, "pk", None) else None
            item.reviewed_at = now
            item.save()
    return counts


def _apply(item: ExtractedItem, d: Decision, document: SourceDocument, user: Any, area: Any, period: str) -> bool:
    """Create the record for one accepted item; returns whether the reviewer corrected it."""
    from decimal import Decimal

    from baocao.catalog.models import Indicator
    from baocao.datavalues.services import DataValueError, set_value
    from baocao.recommendations.services import (
        ServiceError,
        directive_from_extraction,
        recommendation_from_extraction,
    )

    data = item.data
    provenance = {
        "document_id": document.pk,
        "document": document.name,
        "sha256": document.sha256,
        "span": [item.start, item.end],
        "quote": item.quote,
        "item_id": item.pk,
    }
    if item.kind == ItemKind.FACT:
        value = _parse_number(d.value, "value", item.pk)
        den = _parse_number(d.denominator, "denominator", item.pk)
        code = (d.indicator or "").strip() or data.get("indicator")
        qualifier = (d.qualifier or "").strip() or data.get("qualifier") or "exact"
        edited = {}
        if value is not None and value != Decimal(str(data.get("value"))):
            edited["value"] = str(value)
        if d.denominator is not None and str(d.denominator).strip() != "" and (
            data.get("denominator") is None or den != Decimal(str(data.get("denominator")))
        ):
            edited["denominator"] = str(den)
        if code != data.get("indicator"):
            edited["indicator"] = code
        if qualifier != data.get("qualifier"):
            edited["qualifier"] = qualifier
        value = value if value is not None else Decimal(str(data["value"]))
        if den is None and data.get("denominator") is not None and "denominator" not in edited:
            den = Decimal(str(data["denominator"]))
        if not code:
            raise ReviewError("indicator", f"Chưa chọn chỉ tiêu cho số liệu «{item.quote}»", item.pk)
        if area is None:
            raise ReviewError("area", "Chưa chọn đơn vị hành chính cho các số liệu", item.pk)
        if not period:
            raise ReviewError("period", "Chưa có kỳ báo cáo cho các số liệu", item.pk)
        ind = Indicator.objects.filter(code=code).first()
        numerator = value if den is not None else None
        if ind is not None and ind.value_type == "percent" and den is not None and data.get("unit") != "%":
            value = (numerator * 100 / den).quantize(Decimal("0.01"))  # "340/465 trường" read as a share
        try:
            dv = set_value(
                area=area, indicator=code, period=period, value=value, numerator=numerator, denominator=den,
                qualifier=qualifier, source="extraction", provenance=provenance,
                user=user if getattr(user, "pk", None) else None,
            )
        except DataValueError as exc:
            raise ReviewError(exc.field, f"«{item.quote}»: {exc.message}", item.pk) from exc
        item.target = {"datavalue": dv.pk}
        item.edited = edited or None
        return bool(edited)
    text = (d.text or "").strip() or data.get("text") or item.quote
    edited = {"text": text} if text != (data.get("text") or item.quote) else None
    try:
        if item.kind == ItemKind.RECOMMENDATION:
            rec = recommendation_from_extraction(
                user,
                {
                    "text": text,
                    "sender_name": data.get("from") or document.province or document.name,
                    "document": document.name,
                    "received_on": document.event_date,
                    "sha256": document.sha256,
                    "span": [item.start, item.end],
                },
            )
            item.target = {"recommendation": rec.pk}
        else:
            assignees = [a for a in (d.assignees or []) if a] or guess_assignees(item, document)
            if not assignees:
                raise ReviewError("assignees", f"Chọn đơn vị thực hiện cho chỉ đạo «{item.quote[:60]}»", item.pk)
            directive = directive_from_extraction(
                user,
                {
                    "title": text,
                    "assignees": assignees,
                    "leader_name": data.get("by") or "",
                    "given_on": document.event_date,
                    "document": document.name,
                    "sha256": document.sha256,
                    "span": [item.start, item.end],
                },
            )
            item.target = {"directive": directive.pk}
    except ServiceError as exc:
        raise ReviewError(getattr(exc, "field", "item") or "item", f"«{item.quote[:60]}»: {exc}", item.pk) from exc
    item.edited = edited
    return bool(edited)
