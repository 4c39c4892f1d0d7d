"""Helpers for the extraction tests."""

from __future__ import annotations

from baocao.extraction.facts import find_facts
from baocao.extraction.textutil import Span, fold_same_length


def figures(text: str) -> list[tuple]:
    """``(value, denominator, unit, qualifier, quote)`` of every figure found in ``text``."""
    folded = fold_same_length(text)
    out = []
    for f in find_facts(text, folded, [Span(0, len(text))]):
        v = int(f.value) if f.value == int(f.value) else float(f.value)
        d = None if f.denominator is None else int(f.denominator)
        out.append((v, d, f.unit, f.qualifier, text[f.start : f.end]))
    return out


def values(text: str) -> list:
    return [f[0] for f in figures(text)]
