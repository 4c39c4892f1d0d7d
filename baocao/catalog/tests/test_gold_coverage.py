"""Every figure in the gold set (../shared/gold) has an indicator in the catalog, with a compatible unit.

The mapping ``gold_coverage.json`` was written by hand while reading the gold files. This test reads the
gold files themselves, so a fact added to the gold set without a mapping fails here.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from baocao.catalog.models import Indicator
from baocao.catalog.services import unit_fits

from .helpers import fixture_data

MAPPING = Path(__file__).with_name("gold_coverage.json")
ROLES = {"value", "target", "change_abs", "change_pct", "factor", "rank_group"}


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def unit_problem(fact: dict, entry: dict, ind: dict) -> str | None:
    """Why the fact's unit does not fit the indicator (None if it fits)."""
    unit = _norm(fact["unit"])
    units = {_norm(ind["unit"]), *(_norm(u) for u in ind.get("unit_aliases", []))}
    role = entry["role"]
    part_of_whole = ind["value_type"] in ("percent", "fraction") or (
        ind["agg_space"] == "count_if" and ind["value_type"] == "count"
    )
    if role == "change_pct":
        return None if unit == "%" else "a change in % needs unit %"
    if role == "factor":
        return None if unit == "lần" else "a growth factor needs unit 'lần'"
    if role == "rank_group":
        return (
            None
            if unit == "tỉnh" and ind["scope"] in ("province", "both")
            else "a rank group counts provinces"
        )
    if fact.get("denominator") is not None and not (
        ind["value_type"] == "fraction" or ind["agg_space"] == "count_if"
    ):
        return "an X/Y figure needs a fraction or count_if indicator"
    if unit == "%":
        assert unit_fits(ind, fact["unit"]) == part_of_whole
        return None if part_of_whole else f"% does not fit value type {ind['value_type']}"
    if ind["value_type"] == "percent":
        return f"percent indicator, fact unit {fact['unit']!r}"
    if unit not in units:
        assert not unit_fits(ind, fact["unit"])
        return f"unit {fact['unit']!r} not in {sorted(units)}"
    assert unit_fits(ind, fact["unit"])
    return None


@pytest.mark.gold
def test_every_gold_fact_maps_to_a_compatible_indicator(shared_dir):
    catalog = {i["code"]: i for i in fixture_data()["indicators"]}
    disaggs = {d["code"] for d in fixture_data()["disaggregations"]}
    mapping = json.loads(MAPPING.read_text(encoding="utf-8"))["documents"]
    gold_files = sorted((shared_dir / "gold").glob("*.json"))
    assert len(gold_files) == 5
    problems, checked, used = [], 0, set()
    for path in gold_files:
        facts = json.loads(path.read_text(encoding="utf-8"))["facts"]
        entries = mapping.get(path.name)
        assert entries is not None, f"{path.name} has no mapping"
        assert len(entries) == len(facts), f"{path.name}: {len(facts)} facts, {len(entries)} mapped"
        for n, (fact, entry) in enumerate(zip(facts, entries, strict=True)):
            where = f"{path.name} fact {n} ({fact['measures']})"
            assert (entry["quote"], entry["measures"]) == (fact["quote"], fact["measures"]), (
                f"{where}: mapping out of order"
            )
            ind = catalog.get(entry["indicator"])
            if ind is None:
                problems.append(f"{where}: unknown indicator {entry['indicator']}")
                continue
            assert entry["role"] in ROLES, where
            dis = entry.get("disaggregation")
            if dis is not None and (dis not in disaggs or dis not in ind["disaggregations"]):
                problems.append(f"{where}: {ind['code']} has no disaggregation {dis}")
            why = unit_problem(fact, entry, ind)
            if why:
                problems.append(f"{where} → {ind['code']}: {why}")
            if ind["scope"] == "province" and fact["scope"] == "national" and entry["role"] == "value":
                problems.append(f"{where} → {ind['code']}: national figure on a province-only indicator")
            checked += 1
            used.add(ind["code"])
    assert problems == []
    assert checked == 122
    assert len(used) >= 50  # the gold set exercises a large part of the catalog (85 indicators today)


@pytest.mark.gold
@pytest.mark.django_db
def test_gold_indicators_exist_after_loading(shared_dir):
    from django.core.management import call_command

    call_command("load_catalog", verbosity=0)
    mapping = json.loads(MAPPING.read_text(encoding="utf-8"))["documents"]
    codes = {e["indicator"] for entries in mapping.values() for e in entries}
    assert set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True)) == codes


def test_unit_rules_reject_mismatches():
    tel = {
        "unit": "thuê bao",
        "unit_aliases": ["TB"],
        "value_type": "count",
        "agg_space": "sum",
        "scope": "both",
    }
    share = {
        "unit": "%",
        "unit_aliases": [],
        "value_type": "percent",
        "agg_space": "ratio_of_sums",
        "scope": "both",
    }
    value = {"role": "value"}
    assert unit_problem({"unit": "TB", "denominator": None}, value, tel) is None
    assert unit_problem({"unit": "xã", "denominator": None}, value, tel)
    assert unit_problem({"unit": "%", "denominator": None}, value, tel)
    assert unit_problem({"unit": "thuê bao", "denominator": None}, value, share)
    assert unit_problem({"unit": "thuê bao", "denominator": 199}, value, tel)
    assert unit_problem({"unit": "lần", "denominator": None}, {"role": "factor"}, tel) is None


@pytest.mark.gold
def test_phrases_find_the_gold_figures(shared_dir):
    """The catalog's phrases, folded, occur in the gold quotes (or just before them) of their indicator.

    Extraction matches sentences against the phrases; this measures how often the right indicator's
    vocabulary is there at all. Measured when written: 81/122 in the quote, 99/122 with the 150
    characters before it (the rest are figures such as "12/20 Bộ, 39/63 Tỉnh" whose subject is in an
    earlier sentence).
    """
    from baocao.core.text import fold

    catalog = {i["code"]: i for i in fixture_data()["indicators"]}
    mapping = json.loads(MAPPING.read_text(encoding="utf-8"))["documents"]
    in_quote = in_context = total = 0
    for name, entries in mapping.items():
        text = fold((shared_dir / "seeds" / name.replace(".json", ".txt")).read_text(encoding="utf-8"))
        for entry in entries:
            quote = fold(entry["quote"])
            pos = text.find(quote)
            assert pos >= 0, f"{name}: quote not found in the seed"
            context = text[max(0, pos - 150) : pos + len(quote)]
            phrases = [fold(p) for p in catalog[entry["indicator"]]["phrases"]]
            in_quote += any(p in quote for p in phrases)
            in_context += any(p in context for p in phrases)
            total += 1
    assert total == 122
    assert in_quote >= 75
    assert in_context >= 95
