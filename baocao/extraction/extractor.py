"""``extract(text)``: figures, recommendations and directives of one Vietnamese prose report.

A pure function (no database, no files, no network): the benchmark and the tests call it directly, the
``baocao extract`` command wraps it. Offsets are Python ``str`` indices into ``text`` exactly as given
(end exclusive); the text is never normalised in place — NO-BREAK SPACEs stay where they are, and a
text in decomposed Unicode is analysed in NFC with its offsets mapped back.
"""

from __future__ import annotations

import bisect
import datetime as dt
import unicodedata
from typing import Any

from . import catalog as catalog_mod
from .about import detect_event_date, detect_period, detect_province, period_start
from .facts import assign_scope, find_facts
from .items import find_items
from .numbers import to_json_number
from .textutil import Span, body_region, clauses, fold_same_length, paragraphs, sentences

SCHEMA_VERSION = 1


def _nfc_with_map(text: str) -> tuple[str, list[int] | None]:
    """NFC text and, when it differs, the original offset of every NFC character (plus the end)."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    out: list[str] = []
    where: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = unicodedata.normalize("NFC", text[i:j])
        out.append(piece)
        where.extend([i] * len(piece))
        i = j
    where.append(n)
    return "".join(out), where


def _title(text: str, folded: str, body: Span, noise: list[Span]) -> Span | None:
    for p in paragraphs(text, body.start, body.end):
        if any(nz.start <= p.start < nz.end for nz in noise):
            continue
        w = len(folded[p.start : p.end].split())
        if 4 <= w <= 40:
            return p
    return None


def _allowed(body: Span, noise: list[Span]) -> list[Span]:
    out = []
    s = body.start
    for nz in sorted(noise, key=lambda x: x.start):
        if nz.end <= s or nz.start >= body.end:
            continue
        if nz.start > s:
            out.append(Span(s, nz.start))
        s = max(s, nz.end)
    if s < body.end:
        out.append(Span(s, body.end))
    return out


class _ClauseIndex:
    """Find the clause (sentence part between ";") around an offset."""

    def __init__(self, text: str, body: Span):
        spans: list[Span] = []
        for p in paragraphs(text, body.start, body.end):
            for s in sentences(text, p):
                spans.extend(clauses(text, s))
        self.spans = spans
        self.starts = [s.start for s in spans]

    def __call__(self, pos: int) -> Span | None:
        k = bisect.bisect_right(self.starts, pos) - 1
        if k >= 0 and self.spans[k].start <= pos < self.spans[k].end + 2:
            return self.spans[k]
        return None


def extract(text: str, *, catalog: Any = None, provinces: tuple | None = None) -> dict:
    """Extract what a report says: province, period, event date, facts, recommendations, directives.

    ``catalog``: a :class:`baocao.extraction.catalog.Catalog` (or a list of indicator dicts with
    ``code``, ``unit``, ``value_type``, ``phrases``) to map figures to indicators; ``None`` maps
    nothing. ``provinces``: province names (:func:`baocao.extraction.about.province_names_from_db`);
    ``None`` uses the names of the installed packages. Returns the JSON-ready dict described in
    ``docs/extraction.md``.
    """
    if catalog is not None and not isinstance(catalog, catalog_mod.Catalog):
        catalog = catalog_mod.catalog_from_records(list(catalog))
    original = text
    text, back = _nfc_with_map(text)
    folded = fold_same_length(text)
    b_start, b_end, noise = body_region(text, folded)
    body = Span(b_start, b_end)
    allowed = _allowed(body, noise)
    title = _title(text, folded, body, noise)
    tspan = (title.start, title.end) if title else None

    event = detect_event_date(text, folded, body.start, body.end, None)
    period = detect_period(text, folded, body.start, body.end, tspan, event)
    if event is None:
        event = detect_event_date(text, folded, body.start, body.end, period)
    on = period_start(period) or event
    province = detect_province(text, folded, body.start, body.end, tspan, provinces, on)

    facts = find_facts(text, folded, allowed)
    clause_of = _ClauseIndex(text, body)
    assign_scope(text, folded, facts, "national" if province == "national" else "province", clause_of)

    def off(i: int) -> int:
        return back[i] if back is not None else i

    out_facts = []
    memo: dict = {}
    for k, f in enumerate(facts):
        cl = clause_of(f.start)
        context = text[cl.start : cl.end] if cl else text[max(0, f.start - 80) : f.end + 80]
        code, conf = None, 0.0
        if catalog is not None and catalog.indicators:
            lo = cl.start if cl else max(0, f.start - 80)
            hi = cl.end if cl else f.end + 80
            if k > 0 and facts[k - 1].end > lo and facts[k - 1].end <= f.start:
                lo = facts[k - 1].end
            if k + 1 < len(facts) and facts[k + 1].start < hi and facts[k + 1].start >= f.end:
                hi = facts[k + 1].start
            hi = min(hi, f.end + 60)
            code, conf = catalog_mod.match(
                catalog, context, f.unit, f.kind, f.denominator is not None, local=text[lo:hi], memo=memo
            )
        s, e = off(f.start), off(f.end)
        out_facts.append(
            {
                "value": to_json_number(f.value),
                "denominator": to_json_number(f.denominator) if f.denominator is not None else None,
                "unit": f.unit,
                "qualifier": f.qualifier,
                "indicator": code,
                "confidence": conf if code else (conf if catalog is not None else 0.0),
                "scope": f.scope,
                "start": s,
                "end": e,
                "quote": original[s:e],
                "kind": f.kind,
                "context": " ".join(context.split()),
            }
        )

    recs, dirs = [], []
    for it in find_items(text, folded, body, noise):
        s, e = off(it.start), off(it.end)
        entry = {"text": " ".join(original[s:e].split()), "start": s, "end": e}
        if it.kind == "recommendation":
            recs.append({"text": entry["text"], "from": it.who, "to": it.to, "start": s, "end": e})
        else:
            dirs.append({"text": entry["text"], "by": it.who, "to": it.to, "start": s, "end": e})

    return {
        "province": province,
        "period": period,
        "event_date": event.isoformat() if isinstance(event, dt.date) else None,
        "facts": out_facts,
        "recommendations": recs,
        "directives": dirs,
        "catalog": getattr(catalog, "source", "none") if catalog is not None else "none",
        "schema": SCHEMA_VERSION,
    }
