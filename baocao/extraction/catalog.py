"""Mapping figures to catalog indicators through the indicators' Vietnamese phrases.

The catalog is data: each indicator has a ``code``, a ``unit``, a ``value_type`` and ``phrases`` (how
reports name it). A figure is compared with every phrase, accent-insensitively, over the words of its
clause; the score is the share of the phrase's syllables and syllable pairs found near the number,
plus agreement of the unit and value type. Nothing here names an indicator.

Where the phrases come from: the database when the catalog table has rows, else the fixture file
``baocao/catalog/fixtures/catalog.json``, else nowhere (every figure stays unmapped, and
:func:`load_catalog` says so).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from baocao.core.text import fold

from .textutil import fold_same_length

FIXTURE = Path(__file__).resolve().parent.parent / "catalog" / "fixtures" / "catalog.json"

_PERCENT_TYPES = {"percent"}
_DENSITY_TYPES = {"density"}


@dataclass
class IndicatorPhrases:
    code: str
    unit: str
    value_type: str
    scope: str
    phrases: list[tuple[str, ...]]  # folded syllables of each phrase
    unit_aliases: tuple[str, ...] = ()
    unit_folded: str = ""
    pairs: list[tuple[tuple[str, str], ...]] = field(default_factory=list)
    sets: list[frozenset[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.unit_folded = fold(self.unit)
        self.pairs = [tuple(zip(ph, ph[1:], strict=False)) for ph in self.phrases]
        self.sets = [frozenset(ph) for ph in self.phrases]


@dataclass
class Catalog:
    indicators: list[IndicatorPhrases]
    source: str  # "database" | "fixture" | "none" | "given"
    _index: dict[object, list[tuple[int, int]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Indexed by syllable pairs (and by the syllable of one-syllable phrases): a phrase is a
        # candidate only when one of its pairs occurs near the number.
        for i, ind in enumerate(self.indicators):
            for j, (ph, pairs) in enumerate(zip(ind.phrases, ind.pairs, strict=True)):
                for key in set(pairs or ph):
                    self._index.setdefault(key, []).append((i, j))

    def phrase_hits(self, syllables: set[str], pairs: set[tuple[str, str]]) -> dict[tuple[int, int], int]:
        """``{(indicator, phrase): number of the phrase's pairs found}`` for the phrases that occur."""
        hits: dict[tuple[int, int], int] = {}
        for key in pairs:
            for ij in self._index.get(key, ()):
                hits[ij] = hits.get(ij, 0) + 1
        for key in syllables:
            for ij in self._index.get(key, ()):
                hits[ij] = hits.get(ij, 0) + 1
        return hits


_SYL = re.compile(r"[a-z0-9&]+")


def _syllables(text: str) -> tuple[str, ...]:
    return tuple(_SYL.findall(fold_same_length(text)))


def catalog_from_records(records: list[dict], source: str = "given") -> Catalog:
    """Build a catalog from dicts with ``code``, ``unit``, ``value_type``, ``scope``, ``phrases``.

    Accepts Django fixture rows too (``{"model": …, "fields": {…}}``); rows of other models are ignored.
    """
    inds = []
    for r in records:
        if "fields" in r:
            if not str(r.get("model", "")).endswith("indicator"):
                continue
            r = {**r["fields"], "code": r["fields"].get("code") or r.get("pk")}
        code = r.get("code")
        phrases = r.get("phrases") or []
        if not code:
            continue
        names = [p for p in phrases if isinstance(p, str) and p.strip()]
        if r.get("name") and not names:
            names = [r["name"]]
        inds.append(
            IndicatorPhrases(
                code=str(code),
                unit=str(r.get("unit") or ""),
                value_type=str(r.get("value_type") or ""),
                scope=str(r.get("scope") or "province"),
                phrases=[s for s in (_syllables(p) for p in names) if s],
                unit_aliases=tuple(fold(a) for a in (r.get("unit_aliases") or []) if isinstance(a, str)),
            )
        )
    return Catalog(inds, source)


def load_catalog() -> Catalog:
    """The catalog's phrases from the database, else the fixture file, else an empty catalog."""
    try:
        from baocao.catalog.models import Indicator

        rows = list(Indicator.objects.values("code", "unit", "value_type", "scope", "phrases", "name"))
        for r in rows:
            r.setdefault("unit_aliases", [])
        if rows:
            return catalog_from_records(rows, "database")
    except Exception:  # no database or no table yet
        pass
    if FIXTURE.exists():
        try:
            data = json.loads(FIXTURE.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):
            data = data.get("indicators") or data.get("items") or []
        if isinstance(data, list) and data:
            cat = catalog_from_records(data, "fixture")
            if cat.indicators:
                return cat
    return Catalog([], "none")


def _unit_agreement(ind: IndicatorPhrases, unit: str, kind: str, has_denominator: bool) -> float:
    """1.0 when unit and value type agree, 0.0 when they clash, 0.5 when unknown."""
    vt = ind.value_type
    iu = ind.unit_folded
    fu = unit
    if kind == "percent":
        return 1.0 if vt in _PERCENT_TYPES or "%" in iu else (0.5 if vt == "fraction" else 0.0)
    if kind == "density":
        return 1.0 if vt in _DENSITY_TYPES or "/100" in iu else 0.0
    if has_denominator:
        return 1.0 if vt in ("fraction", "percent") else 0.4
    if kind == "money":
        return 1.0 if vt == "money" or "dong" in iu else 0.0
    if vt in _PERCENT_TYPES or vt in _DENSITY_TYPES:
        return 0.0
    units = {iu, *ind.unit_aliases} - {""}
    if ("/" in iu) != ("/" in fu) and iu and fu:
        return 0.0  # "dân/điểm phục vụ" is a rate, "điểm phục vụ" a count
    if fu and any(fu == u or fu.split("/")[0] == u.split("/")[0] or u in fu or fu in u for u in units):
        return 1.0
    return 0.5


def match(
    catalog: Catalog,
    context: str,
    unit: str,
    kind: str,
    has_denominator: bool,
    local: str | None = None,
    memo: dict | None = None,
) -> tuple[str | None, float]:
    """``(code, confidence)`` of the best indicator for a figure, or ``(None, best score)``.

    ``local`` is the part of the clause that belongs to this figure alone (from the previous figure to
    the next); it is scored first, the whole clause ``context`` second with a small penalty. ``memo``
    (a dict kept for one document) remembers the phrase scores of a context shared by several figures.
    """
    if not catalog.indicators:
        return None, 0.0
    unit = fold(unit)
    if local:
        code, conf = _match(catalog, local, unit, kind, has_denominator, memo)
        if code is not None:
            return code, conf
        code, conf = _match(catalog, context, unit, kind, has_denominator, memo)
        conf = round(conf * 0.9, 3)
        return (code, conf) if code is not None and conf >= THRESHOLD else (None, conf)
    return _match(catalog, context, unit, kind, has_denominator, memo)


THRESHOLD = 0.55


def _phrase_scores(catalog: Catalog, context: str) -> dict[int, float]:
    """Best phrase score of every indicator with a phrase near the number."""
    ctx = _syllables(context)
    if not ctx:
        return {}
    ctx_set = set(ctx)
    ctx_pairs = set(zip(ctx, ctx[1:], strict=False))
    per_indicator: dict[int, float] = {}
    for (i, j), n_pairs in catalog.phrase_hits(ctx_set, ctx_pairs).items():
        ind = catalog.indicators[i]
        phs = ind.sets[j]
        pairs = ind.pairs[j]
        uni = len(phs & ctx_set) / len(phs)
        bi = n_pairs / len(pairs) if pairs else uni
        score = 0.4 * uni + 0.6 * bi
        if score > per_indicator.get(i, 0.0):
            per_indicator[i] = score
    return per_indicator


def _match(
    catalog: Catalog, context: str, unit: str, kind: str, has_denominator: bool, memo: dict | None = None
) -> tuple[str | None, float]:
    if memo is not None:
        per_indicator = memo.get(context)
        if per_indicator is None:
            per_indicator = memo[context] = _phrase_scores(catalog, context)
    else:
        per_indicator = _phrase_scores(catalog, context)
    best_code, best = None, 0.0
    for i, phrase_score in sorted(per_indicator.items(), key=lambda kv: -kv[1]):
        if 0.75 * phrase_score + 0.25 <= best:
            break  # no later candidate can win, whatever its unit
        ind = catalog.indicators[i]
        agree = _unit_agreement(ind, unit, kind, has_denominator)
        score = 0.75 * phrase_score + 0.25 * agree
        if agree == 0.0:
            score *= 0.5
        if score > best:
            best, best_code = score, ind.code
    if best >= THRESHOLD:
        return best_code, round(min(1.0, best), 3)
    return None, round(best, 3)
