"""Text helpers for extraction that never move offsets.

Every helper here works on the text as decoded and returns positions into it: ``fold_same_length``
folds accents and case character by character (so an index into the folded copy is an index into the
original), ``paragraphs`` and ``sentences`` return spans, ``body_region`` finds where the article ends
and the web page's sidebars, counters and comment boxes begin.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_FOLD_CACHE: dict[int, str] = {}


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    low = c.lower()
    if len(low) != 1:
        low = c
    base = unicodedata.normalize("NFD", low)[0]
    return base if base.isascii() or base.isalpha() else low


class _FoldTable(dict):
    """``str.translate`` table that folds a character to one lower-case base character."""

    def __missing__(self, key: int) -> str:
        c = chr(key)
        value = _fold_char(c)
        self[key] = value
        return value


_TABLE = _FoldTable()


def fold_same_length(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics, one character for one character.

    ``fold_same_length("Sở TT&TT Cao Bằng")`` → ``"so tt&tt cao bang"``; ``len`` is unchanged, so a
    match position in the folded copy is the same position in the original text. Text should be NFC
    (combining marks fold to themselves and keep the length).
    """
    return text.translate(_TABLE)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


_LINE = re.compile(r"[^\n]+")


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Non-blank lines of ``text[start:end]`` as spans, stripped of surrounding whitespace."""
    end = len(text) if end is None else end
    out = []
    for m in _LINE.finditer(text, start, end):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append(Span(s, e))
    return out


# A sentence ends at . ! ? … followed by space and a capital, a digit, a bullet or a quote; or at the
# end of the paragraph. Abbreviations such as "TP." and "v.v." do not end a sentence.
_SENT_END = re.compile(r"(?:\.{2,}|…|[.!?])(?=[\s\u00a0]+[\"“'(\-–•]?[\s\u00a0]*[A-ZĐÀ-ỸÂÊÔƠƯĂ0-9])")
_ABBREV = re.compile(r"(?:\b(?:TP|Tp|tp|TS|ThS|PGS|GS|BS|KS|Th|St|v\.v|Mr|Ms|No)|\b[A-ZĐ])\.$")


_PAREN = re.compile(r"[(“\[)”\]]")
_OPEN = set("(“[")


def sentences(text: str, span: Span) -> list[Span]:
    """Sentences of one paragraph, ignoring full stops inside parentheses."""
    ends = [m.end() for m in _SENT_END.finditer(text, span.start, span.end)]
    if not ends:
        return [span] if span.end > span.start else []
    parens = [(m.start(), m.group()) for m in _PAREN.finditer(text, span.start, span.end)]
    out: list[Span] = []
    s = span.start
    depth = 0
    k = 0
    for e in ends:
        while k < len(parens) and parens[k][0] < e:
            if parens[k][1] in _OPEN:
                depth += 1
            elif depth:
                depth -= 1
            k += 1
        if depth == 0 and e > s and not _ABBREV.search(text, max(s, e - 7), e):
            out.append(Span(s, e))
            s = e
            while s < span.end and text[s].isspace():
                s += 1
    if s < span.end:
        out.append(Span(s, span.end))
    return [x for x in out if x.end > x.start]


_SEP_CACHE: dict[str, re.Pattern] = {}


def clauses(text: str, span: Span, sep: str = ";") -> list[Span]:
    """Split a sentence at ``sep`` outside parentheses; spans trimmed of spaces and separators."""
    rx = _SEP_CACHE.get(sep)
    if rx is None:
        rx = _SEP_CACHE[sep] = re.compile("[(“\\[)”\\]" + re.escape(sep) + "]")
    cuts: list[tuple[int, int]] = []
    depth = 0
    s = span.start
    for m in rx.finditer(text, span.start, span.end):
        c = m.group()
        if c in _OPEN:
            depth += 1
        elif c in ")”]":
            if depth:
                depth -= 1
        elif depth == 0:
            cuts.append((s, m.start()))
            s = m.end()
    cuts.append((s, span.end))
    result = []
    for a, b in cuts:
        while a < b and (text[a].isspace() or text[a] in ",;:-–•"):
            a += 1
        while b > a and (text[b - 1].isspace() or text[b - 1] in ",;:./…"):
            b -= 1
        if b > a:
            result.append(Span(a, b))
    return result


# Lines that belong to the web page around the article, not to the article.
_TAIL_MARKERS = re.compile(
    r"^(?:thong ke truy cap|thong ke|binh luan|y kien ban doc|y kien|gui binh luan|gui y kien|"
    r"tin cung chuyen muc|tin lien quan|tin khac|cac tin khac|tin moi|tin moi cap nhat|tin moi nhat|"
    r"tin doc nhieu|doc nhieu|xem nhieu|tin xem nhieu|video xem nhieu|bai viet lien quan|bai lien quan|"
    r"lien ket website|lien ket|chia se|tin tuc lien quan|tin da dua|cac bai viet khac|bai viet khac|"
    r"visitors|luot truy cap|so luot truy cap|dang truy cap|truy cap|tong so diem cua bai viet|"
    r"click de danh gia|danh gia bai viet|tu khoa|tags?|in bai viet|quay lai|ve dau trang|"
    r"ban quyen|copyright|noi nhan)\b"
)
_NOISE_LINE = re.compile(
    r"^(?:notice|warning|deprecated|fatal error|parse error|thong bao loi)\b|"
    r"^a- a a\+|"
    r"^\S+\.(?:jpe?g|png|gif|webp|bmp)$|"
    r"^(?:hom nay|trong tuan|trong thang|trong nam|tong so|hom qua|online|dang online)\s*:"
)


def is_noise_line(folded_line: str) -> bool:
    s = folded_line.strip(" \t\u00a0•·*-–|")
    return bool(_NOISE_LINE.search(s))


def body_region(text: str, folded: str) -> tuple[int, int, list[Span]]:
    """``(start, end, noise)``: where the article runs and the noise lines inside it.

    The article ends at the first short line that opens a page block (comments, related articles,
    visit counters, links) after the first substantial paragraph.
    """
    paras = paragraphs(text)
    noise: list[Span] = []
    seen_body = False
    end = len(text)
    start = paras[0].start if paras else 0
    for p in paras:
        line = folded[p.start : p.end]
        words = len(line.split())
        if is_noise_line(line):
            noise.append(p)
            continue
        if seen_body and words <= 12 and _TAIL_MARKERS.search(line.strip(" \t\u00a0•·*-–|")):
            end = p.start
            break
        if words >= 25:
            seen_body = True
    return start, end, noise
