"""Quality as CI measures it: the shared scorer on the gold set, and on our own sample reports.

The gold set (../shared) is small on purpose; the samples in ``samples/`` are reports written by us in
the same genre (other provinces, periods and wording) with answers made by hand the same way, so a rule
that only fits the five seed reports shows up here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from baocao.extraction.extractor import extract

SAMPLES = Path(__file__).resolve().parent / "samples"
BAOCAO = Path(sys.executable).parent / "baocao"


def _score(shared: Path, gold: Path, docs: Path) -> tuple[subprocess.CompletedProcess, dict]:
    res = subprocess.run(
        [
            sys.executable,
            str(shared / "eval" / "score_extraction.py"),
            "--gold", str(gold),
            "--docs", str(docs),
            "--cmd", f"{BAOCAO} extract --format json {{path}}",
            "--min-fact-f1", "0.9",
            "--min-item-f1", "0.75",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    return res, summary


@pytest.mark.gold
def test_scorer_thresholds_on_the_gold_set(shared_dir):
    res, s = _score(shared_dir, shared_dir / "gold", shared_dir / "seeds")
    assert "ERROR" not in res.stderr, res.stderr
    assert res.returncode == 0, res.stdout
    assert s["facts"]["f1"] >= 0.9
    assert s["items_f1"] >= 0.75
    assert s["province_period_accuracy"] == 1.0


@pytest.mark.gold
def test_scorer_thresholds_on_our_samples(shared_dir):
    res, s = _score(shared_dir, SAMPLES, SAMPLES)
    assert "ERROR" not in res.stderr, res.stderr
    assert res.returncode == 0, res.stdout
    assert s["facts"]["f1"] >= 0.9 and s["items_f1"] >= 0.75
    assert s["province_period_accuracy"] == 1.0


def _norm_period(p: str | None) -> str | None:
    if not p:
        return None
    p = p.upper().replace("-", "")
    return p.replace("9M", "N9").replace("H", "S")


@pytest.mark.parametrize("answer", sorted(SAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_samples_about_and_every_fact(answer):
    """Without the scorer: province, period, date, and each expected figure with its value."""
    gold = json.loads(answer.read_text(encoding="utf-8"))
    text = (SAMPLES / gold["document"]).read_text(encoding="utf-8")
    r = extract(text)
    assert r["province"] == gold["province"]
    assert _norm_period(r["period"]) == _norm_period(gold["period"])
    assert r["event_date"] == gold["event_date"]
    spans = [(f["start"], f["end"], f["value"], f["denominator"]) for f in r["facts"]]
    for g in gold["facts"]:
        at = text.index(g["quote"])
        hit = [s for s in spans if s[0] < at + len(g["quote"]) and at < s[1] and s[2] == g["value"]]
        assert hit, f"missing {g['value']} in «{g['quote']}»"
        assert hit[0][3] == g.get("denominator")
    assert len(r["facts"]) == len(gold["facts"])
    # Items: every predicted item is an expected one; most expected items are found (two asks joined by
    # a comma in one clause are one item for the extractor — see docs/extraction.md).
    for key in ("recommendations", "directives"):
        places = [(text.index(g["quote"]), text.index(g["quote"]) + len(g["quote"])) for g in gold[key]]
        for i in r[key]:
            assert any(i["start"] < e and s < i["end"] for s, e in places), text[i["start"] : i["end"]]
        found = sum(1 for s, e in places if any(i["start"] < e and s < i["end"] for i in r[key]))
        assert found >= 0.66 * len(places), (key, found, len(places))
