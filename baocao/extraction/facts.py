"""Figures in prose: every quantitative statement, with its unit, qualifier and span.

The rules are about how Vietnamese writes numbers, not about any particular report:

* a figure is a number (digits, digits with triệu/tỷ, words, "gấp đôi") followed by a unit word or
  "%"; ``X/Y unit`` is a part of a whole, ``X unit/Y other-unit`` is two figures ("02 cuộc/04 đơn
  vị"), ``X unit/100 dân`` is a density, ``X dân/điểm`` a rate;
* not figures: dates and times, years and periods ("6 tháng", "Quý III/2020", "năm 2019"),
  anniversaries and durations ("520 năm", "02 năm liên tục"), legal document numbers
  ("Nghị định 49/NĐ-CP", "Quyết định số 362/QĐ-TTg", "Chỉ thị 05"), ordinals ("lần thứ 6"), service
  levels and tier names ("mức độ 3", "mô hình 4 lớp", "liên thông 4 cấp", "3G", "4.0"), list
  numbering, numbers glued to words ("Covid-19", "F1", "A15"), and anything outside the article body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from .numbers import MULTIPLE_WORDS, MULTIPLIERS, find_word_numbers, parse_digits, qualifier_before
from .textutil import Span, fold_same_length

# A run of digits with inner dots/commas ("516.033", "16,2", "30.500.000").
_NUM = re.compile(r"\d+(?:[.,]\d+)*")

# Words right before a number that make it a reference, not a quantity (folded, at the end of the text
# before the number).
_NOT_QUANTITY_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:"
    r"nghi dinh|nghi quyet|quyet dinh|thong tu|chi thi|ke hoach|cong van|luat|thong bao|to trinh|"
    r"cong dien|huong dan|van ban|bao cao|ket luan|chuong trinh|de an|dieu|khoan|chuong|muc|diem|phu luc|"
    r"khoa|trung uong|phien ban|version|"
    r"lan thu|thu|ngay|thang|quy|nam|tuan|gio|luc|"
    r"muc do|cap do|mo hinh|lien thong|so hieu|ma so|cong nghiep|cmcn|"
    r"so dien thoai|hotline|fax|tel|mst|stk|tai khoan so"
    r")\s*(?:so\s*)?(?::\s*)?$"
)

# Words right after a number that make it a period or a duration, not a figure (matched with
# diacritics: folded, "giây" (second) and "giấy" (paper) collide).
_NOT_QUANTITY_AFTER = re.compile(
    r"\s*(?:năm|tháng|quý|tuần|ngày|giờ|phút|giây|thế kỷ|nhiệm kỳ|khóa|khoá|lần thứ)(?![^\W\d_])"
)

# Classifier/unit vocabulary of the sector (folded), longest first. Unknown units fall back to the
# next one or two words.
_UNITS = sorted(
    [
        "thue bao", "giay phep", "chung thu so", "chung thu", "tai khoan", "ho so", "diem phuc vu",
        "xuat ban pham", "ban tin", "dich vu cong", "dich vu", "don vi", "co quan", "hoc vien",
        "ca nhan", "tap the", "dai bieu", "vu viec", "bai viet", "tin bai", "dia phuong", "kien nghi",
        "quyet dinh", "doi tuong", "doanh nghiep", "ho gia dinh", "thiet bi", "hoi nghi", "hoi thao",
        "can bo", "cong chuc", "vien chuc", "van ban", "thu tuc", "tram bts", "tram", "cot ang ten",
        "trang thong tin dien tu", "trang thong tin", "trang tin", "may tinh", "trieu dong", "ty dong",
        "nghin dong", "dong", "luot truy cap", "luot", "nguoi", "dan", "xa", "phuong", "thi tran",
        "huyen", "tinh", "thanh pho", "truong", "lop", "cuoc", "bo", "phong", "cum", "dai", "video",
        "videoclip", "clip", "chuong trinh", "buoi", "du an", "ke hoach", "km", "m", "kg", "tan",
        "mhz", "mbps", "gbps", "gb", "tb", "sim", "diem", "lan", "cuon", "ban", "trang", "so", "tin",
        "san pham", "ung dung", "phan mem", "website", "camera", "cong trinh", "hop dong", "vu",
        "nhiem vu", "de tai", "tac pham", "giai", "bang khen", "giay khen", "bo ho so", "chi tieu",
        "muc tieu", "kenh", "tap chi", "bao", "co so", "diem truy nhap", "diem cung cap", "phan tram",
        "diem phan tram",
    ],
    key=len,
    reverse=True,
)
_UNIT_RE = re.compile(r"(" + "|".join(re.escape(u) for u in _UNITS) + r")(?![^\W\d_])")
_ABBREV_UNITS = {"tb": "thuê bao", "đ": "đồng", "vnđ": "đồng", "vnd": "đồng", "dn": "doanh nghiệp"}
_STOP_WORDS = {
    "cua", "cho", "tai", "trong", "voi", "va", "duoc", "da", "la", "co", "de", "tu", "ve", "theo",
    "tren", "so", "tang", "giam", "dat", "thuoc", "gom", "nhu", "nay", "do", "khi", "thi", "hoac",
    "den", "vao", "ra", "o", "moi", "cac", "nhung", "mot", "nam", "thang", "ngay", "bang", "tuong",
}
_NATIONAL_UNITS = {"tinh", "tinh/thanh pho", "bo", "bo nganh", "dia phuong", "tinh, thanh pho"}
_NATIONAL_CONTEXT = re.compile(r"(?<![^\W\d_])(?:ca nuoc|toan quoc|tren toan quoc|cac tinh|toan nganh)(?![^\W\d_])")
_PLACE_AFTER = re.compile(
    r"\s*(?:[^\W\d_]+\s+){0,3}?tai\s+((?:cua khau|huyen|xa|thi xa|thi tran|phuong|quan|thanh pho|tp\.?)"
    r"\s[^,;()]{2,60})"
)


@dataclass
class Fact:
    start: int
    end: int
    value: Decimal
    unit: str
    qualifier: str = "exact"
    denominator: Decimal | None = None
    scope: str = "province"
    kind: str = "count"  # count | percent | fraction | density | rate | money | multiple
    context: Span | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class _Ctx:
    text: str
    folded: str
    allowed: list[Span]
    lower: str = ""

    def __post_init__(self) -> None:
        low = self.text.lower()
        self.lower = low if len(low) == len(self.text) else self.folded


def _in_allowed(ctx: _Ctx, pos: int) -> bool:
    return any(a.start <= pos < a.end for a in ctx.allowed)


def _is_year(raw: str) -> bool:
    return raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 2100


def _read_unit(ctx: _Ctx, pos: int, limit: int) -> tuple[str, int, str]:
    """The unit right after ``pos``: ``(unit as written, end offset, folded unit)``; ``("", pos, "")``."""
    text, folded = ctx.text, ctx.folded
    i = pos
    while i < limit and text[i] in " \u00a0\t":
        i += 1
    if i < limit and text[i] == "%":
        return "%", i + 1, "%"
    m = _UNIT_RE.match(folded, i, limit)
    if m:
        e = m.end()
        return text[i:e], e, folded[i:e]
    # Abbreviations: "TB", "đ", "VNĐ".
    m = re.match(r"([^\W\d_]+)", text[i:limit])
    if not m:
        return "", pos, ""
    word = m.group(1)
    low = word.lower()
    if low in _ABBREV_UNITS:
        return word, i + len(word), _ABBREV_UNITS[low]
    fw = folded[i : i + len(word)]
    if not word.isupper() and (fw in _STOP_WORDS or (len(word) > 1 and word[0].isupper())):
        # A function word is no unit; a capitalised word after a number is usually a name ("Đồng Văn 4",
        # "Quý III"); unit words written with a capital ("07 Sở", "02 Cụm") are in the vocabulary.
        return "", pos, ""
    e = i + len(word)
    # A second word when the first is short and the next is lower-case ("SIM PKI", "thiết bị Token").
    m2 = re.match(r"[ \u00a0]([^\W\d_]+)", text[e:limit])
    if m2 and len(word) <= 4 and folded[e + 1 : e + 1 + len(m2.group(1))] not in _STOP_WORDS:
        e2 = e + 1 + len(m2.group(1))
        if m2.group(1).isupper() or word.isupper():
            e = e2
    return text[i:e], e, folded[i:e]


def _before(ctx: _Ctx, pos: int, n: int = 40) -> str:
    return ctx.folded[max(0, pos - n) : pos]


def _skip_reference(ctx: _Ctx, start: int, end: int) -> bool:
    """True when the number at [start, end) is a date, a reference, a level or glued to a word."""
    text = ctx.text
    prev = text[start - 1] if start else " "
    nxt = text[end] if end < len(text) else " "
    # Glued to letters: "3G", "F1", "A15", "Covid19", "49NĐ", "20200630-Nam-6.jpg".
    if prev.isalpha() or prev in "_@#&" or (prev == "." and start >= 2 and text[start - 2].isalpha()):
        return True
    if nxt.isalpha():
        glued = re.match(r"[^\W\d_]+", text[end:])
        g = glued.group(0).lower() if glued else ""
        if g not in ("đ", "vnđ", "vnd"):
            return True
    if prev in "-–" and start >= 2:
        j = start - 2
        while j >= 0 and text[j] in " \u00a0":
            j -= 1
        if j >= 0 and text[j].isalpha():
            return True  # "Covid-19", "Covid -19", "Nam-6"
    if nxt in "-–" and end + 1 < len(text) and text[end + 1].isalpha():
        return True  # "19-NQ/TW", "6-Nam"
    # Times: "06:13", "15h30".
    if nxt == ":" and end + 1 < len(text) and text[end + 1].isdigit():
        return True
    if prev == ":" and start >= 2 and text[start - 2].isdigit():
        return True
    # List numbering at the start of a line: "1. ", "2) ", "II.".
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip(" \t\u00a0-–•*+") and nxt in ".)" and (end + 1 >= len(text) or text[end + 1] in " \u00a0\t\n"):
        return True
    before = _before(ctx, start)
    if _NOT_QUANTITY_BEFORE.search(before):
        # "mức 30%" is a target, "mức độ 3" a level.
        if re.search(r"(?<![^\W\d_])muc\s*$", before) and nxt == "%":
            return False
        return True
    if _NOT_QUANTITY_AFTER.match(ctx.lower, end):
        # "tốp 20 tỉnh" is fine; "02 năm liên tục", "6 tháng", "520 năm" are not figures.
        return True
    return False


def _slash_chain(text: str, start: int) -> re.Match | None:
    return re.compile(r"\d+(?:[.,]\d+)*(?:\s*/\s*\d+(?:[.,]\d+)*)+(?:/[^\s,;.()]+)?").match(text, start)


def _classify_slash(ctx: _Ctx, m: re.Match) -> str:
    """'date', 'legal', 'fraction' or 'other' for a chain like 158/199, 30/5/2019, 362/QĐ-TTg."""
    raw = m.group(0)
    parts = re.split(r"\s*/\s*", raw)
    nums = [p for p in parts if re.fullmatch(r"\d+(?:[.,]\d+)*", p)]
    if len(nums) < len(parts):
        return "legal"
    end = m.end()
    nxt = ctx.text[end : end + 3]
    if re.match(r"/?[A-ZĐ]", nxt) or re.match(r"-[A-ZĐ]", nxt):
        return "legal"
    if len(nums) >= 3:
        return "date"
    a, b = nums[0], nums[1]
    if b.isdigit() and len(b) == 4 and 1900 <= int(b) <= 2100 and a.isdigit() and int(a) <= 12:
        return "date"
    before = _before(ctx, m.start(), 20)
    date_word = re.search(r"(?<![^\W\d_])(?:ngay|sang|chieu|toi|hom|vao|tu|den|toi|luc|truoc|sau|han|thang|quy|ky)\s*$", before)
    if a.isdigit() and b.isdigit() and 1 <= int(a) <= 31 and 1 <= int(b) <= 12 and date_word:
        return "date"
    if a.isdigit() and b.isdigit() and int(a) > int(b) and int(a) <= 31 and int(b) <= 12:
        return "date"
    if nxt[:1] == "-" or re.match(r"\s*-\s*\d", ctx.text[end : end + 4]):
        return "date"  # "3/10/1950-3/10/2019" ranges
    return "fraction"


def find_facts(text: str, folded: str, allowed: list[Span]) -> list[Fact]:
    """All figures inside ``allowed`` spans of ``text`` (``folded`` = ``fold_same_length(text)``)."""
    ctx = _Ctx(text, folded, allowed)
    facts: list[Fact] = []
    consumed_until = -1
    skipped_list_end = -2
    for m in _NUM.finditer(text):
        start, end = m.start(), m.end()
        if start < consumed_until or not _in_allowed(ctx, start):
            continue
        raw = m.group(0)
        # Slash chains first: dates, legal numbers, fractions, "02 cuộc/04 đơn vị".
        sm = _slash_chain(text, start)
        if sm and "/" in sm.group(0):
            kind = _classify_slash(ctx, sm)
            if kind in ("date", "legal"):
                consumed_until = sm.end()
                continue
            if _skip_reference(ctx, start, start + len(re.match(r"\d+(?:[.,]\d+)*", sm.group(0)).group(0))):
                consumed_until = sm.end()
                continue
            nums = re.findall(r"\d+(?:[.,]\d+)*", sm.group(0))
            num, den = parse_digits(nums[0]), parse_digits(nums[1])
            if num is None or den is None or den == 0:
                consumed_until = sm.end()
                continue
            unit, uend, ufold = _read_unit(ctx, sm.end(), min(len(text), sm.end() + 60))
            # "158/199 xã/phường": the unit may itself carry a slash.
            uend = _absorb_unit_slash(ctx, uend)
            f = Fact(start, uend if unit else sm.end(), num, unit or "", denominator=den, kind="fraction")
            _finish(ctx, f, start)
            facts.append(f)
            consumed_until = uend if unit else sm.end()
            continue
        # Years standing alone and references.
        if _skip_reference(ctx, start, end) or (
            _is_year(raw) and not _year_is_quantity(ctx, start, end)
        ):
            skipped_list_end = _list_tail(ctx, end)
            continue
        # A number continuing a list of skipped references: "mức độ 3, 4", "Nghị quyết số 18, 19".
        if start <= skipped_list_end:
            skipped_list_end = _list_tail(ctx, end)
            continue
        value = parse_digits(raw)
        if value is None and re.fullmatch(r"\d+\.\d{1,2}", raw) and re.match(r"[ \u00a0]*%", text[end : end + 3]):
            value = Decimal(raw)  # "12.5%": a dot before one or two digits cannot group thousands
        if value is None:
            continue  # "4.0", "2,512" (English notation) are not Vietnamese numbers
        pos = end
        # Multipliers: "1,2 triệu", "2 tỷ 500 triệu".
        while True:
            mm = re.match(r"[ \u00a0]*(nghin|ngan|trieu|ty|ti)(?![^\W\d_])", folded[pos : pos + 12])
            if not mm:
                break
            value *= MULTIPLIERS[mm.group(1)]
            pos += mm.end()
            nx = re.match(r"[ \u00a0]+(\d+(?:[.,]\d+)*)[ \u00a0]*(trieu|nghin|ngan)(?![^\W\d_])", folded[pos : pos + 20])
            if nx and parse_digits(nx.group(1)) is not None:
                value += parse_digits(nx.group(1)) * MULTIPLIERS[nx.group(2)]
                pos += nx.end()
        # "1 trong 7 tỉnh": the 1 is a rank, the 7 is the figure.
        if re.match(r"[ \u00a0]+trong[ \u00a0]+(?:so[ \u00a0]+)?\d", folded[pos : pos + 14]):
            continue
        unit, uend, ufold = _read_unit(ctx, pos, min(len(text), pos + 60))
        if not unit:
            unit, ufold = _elliptic_unit(ctx, facts, start, pos)
            uend = pos
        if not unit:
            continue
        if ufold in ("%", "phan tram"):
            kind = "percent"
            unit = "%"
        elif ufold in ("dong", "trieu dong", "ty dong", "nghin dong"):
            kind = "money"
            unit = "đồng"
            if ufold != "dong":
                value *= {"trieu dong": 10**6, "ty dong": 10**9, "nghin dong": 1000}[ufold]
        else:
            kind = "count"
        f = Fact(start, uend, value, unit, kind=kind)
        # "X unit/100 dân" densities, "X dân/điểm" rates, "X unit/Y other" pairs.
        after = text[uend : uend + 40]
        dm = re.match(r"[ \u00a0]*/[ \u00a0]*(100|1\.000)[ \u00a0]+([^\W\d_]+)", after)
        rm = re.match(r"[ \u00a0]*/[ \u00a0]*([^\W\d_][^\W\d_ ]*(?:[ \u00a0][^\W\d_]+)?)", after)
        pm = re.match(r"[ \u00a0]*/[ \u00a0]*(\d+(?:[.,]\d+)*)", after)
        if dm:
            f.unit = f"{_canonical_unit(unit)}/{dm.group(1)} {dm.group(2)}"
            f.kind = "density"
            f.end = uend + dm.end()
        elif pm:
            den = parse_digits(pm.group(1))
            du, duend, dufold = _read_unit(ctx, uend + pm.end(), min(len(text), uend + pm.end() + 40))
            if den is not None and dufold and dufold == ufold:
                # "72 xã/199 xã": a part of a whole written with the unit twice.
                f.denominator = den
                f.kind = "fraction"
                f.end = duend
        elif rm:
            slash = uend + after.index("/") + 1
            du, duend, _ = _read_unit(ctx, slash, min(len(text), slash + 40))
            if not du:
                du, duend = rm.group(1).split()[0], uend + rm.start(1) + len(rm.group(1).split()[0])
            f.unit = f"{_canonical_unit(unit)}/{du}"
            f.kind = "rate"
            f.end = duend
        f.unit = _canonical_unit(f.unit)
        _finish(ctx, f, start)
        facts.append(f)
        consumed_until = max(consumed_until, f.end)
    facts.extend(_word_facts(ctx, facts))
    facts.extend(_multiple_facts(ctx))
    facts.sort(key=lambda f: f.start)
    _propagate_qualifiers(ctx, facts)
    return facts


def _elliptic_unit(ctx: _Ctx, facts: list[Fact], start: int, pos: int) -> tuple[str, str]:
    """"02 Cụm … (01 tại X; 01 tại Y)": a bare number before tại/ở/thuộc takes the unit just used."""
    if not re.match(r"[ \u00a0]+(?:tai|o|thuoc|cho|cua)(?![^\W\d_])", ctx.folded[pos : pos + 8]):
        return "", ""
    for f in reversed(facts):
        if start - f.end > 200:
            break
        if f.unit and f.kind == "count" and "." not in ctx.text[f.end : start].replace("...", ""):
            return f.unit, fold_same_length(f.unit)
    return "", ""


def _year_is_quantity(ctx: _Ctx, start: int, end: int) -> bool:
    """A 4-digit number in 1900..2100 is a year unless a unit follows and no date word precedes."""
    before = _before(ctx, start, 16)
    if re.search(r"(?<![^\W\d_])(?:nam|den|tu|giai doan|trong|cuoi|dau|thang|quy|ky|khoa|nien)\s*$", before):
        return False
    if ctx.text[start - 1 : start] in "(/-–" or ctx.text[end : end + 1] in "-–/)":
        return False
    unit, _, ufold = _read_unit(ctx, end, min(len(ctx.text), end + 40))
    return bool(unit) and _UNIT_RE.fullmatch(ufold) is not None and ufold not in ("so", "bo", "ban", "tin")


def _list_tail(ctx: _Ctx, end: int) -> int:
    """End of a ", 4" / " và 4" continuation right after a skipped reference, else -2."""
    m = re.match(r"[ \u00a0]*(?:,|và|hoặc|-|–)[ \u00a0]*(?=\d)", ctx.text[end : end + 8])
    return end + m.end() if m else -2


def _absorb_unit_slash(ctx: _Ctx, uend: int) -> int:
    m = re.match(r"/[^\W\d_]+", ctx.text[uend : uend + 30])
    return uend + m.end() if m else uend


def _canonical_unit(unit: str) -> str:
    u = unit.strip()
    low = u.lower()
    if low in _ABBREV_UNITS:
        return _ABBREV_UNITS[low]
    head, sep, rest = u.partition("/")
    if sep and head.lower() in _ABBREV_UNITS:
        return _ABBREV_UNITS[head.lower()] + "/" + rest
    return u


def _finish(ctx: _Ctx, f: Fact, start: int) -> None:
    f.qualifier = qualifier_before(_before(ctx, start, 30))
    if f.unit == "%" and f.kind == "count":
        f.kind = "percent"


def _word_facts(ctx: _Ctx, digit_facts: list[Fact]) -> list[Fact]:
    """Amounts in words ("Ba mươi triệu năm trăm ngàn đồng"), unless they repeat a figure in digits."""
    out = []
    for a in ctx.allowed:
        for s, e, value in find_word_numbers(ctx.folded, a.start, a.end):
            unit, uend, ufold = _read_unit(ctx, e, min(len(ctx.text), e + 40))
            if not unit or ufold in ("nam", "thang", "ngay"):
                continue
            # "30.500.000 đồng (Ba mươi triệu năm trăm ngàn đồng)": the words repeat the digits.
            if any(abs(f.start - s) < 80 and f.value == value for f in digit_facts):
                continue
            f = Fact(s, uend, value, "đồng" if ufold == "dong" else unit, kind="money" if ufold == "dong" else "count")
            _finish(ctx, f, s)
            out.append(f)
    return out


_MULTIPLE = re.compile(r"(?<![^\W\d_])gap[ \u00a0]+(doi|ruoi|ba|bon|nam|muoi)(?![^\W\d_])")


def _multiple_facts(ctx: _Ctx) -> list[Fact]:
    """"tăng gần gấp đôi" → 2 lần (at least)."""
    out = []
    for a in ctx.allowed:
        for m in _MULTIPLE.finditer(ctx.folded, a.start, a.end):
            f = Fact(m.start(), m.end(), MULTIPLE_WORDS[m.group(1)], "lần", kind="multiple")
            _finish(ctx, f, m.start())
            out.append(f)
    return out


def _propagate_qualifiers(ctx: _Ctx, facts: list[Fact]) -> None:
    """"gần 100 bài viết, 300 video": the qualifier covers the whole short list."""
    for prev, cur in zip(facts, facts[1:], strict=False):
        if cur.qualifier == "exact" and prev.qualifier != "exact":
            gap = ctx.text[prev.end : cur.start]
            if re.fullmatch(r"[ \u00a0]*(?:,|và)[ \u00a0]*", gap):
                cur.qualifier = prev.qualifier


def assign_scope(text: str, folded: str, facts: list[Fact], doc_scope: str, clause_of) -> None:
    """Scope per figure: the report's province, "national", or a named place ("01 tại cửa khẩu X")."""
    for f in facts:
        if doc_scope == "national":
            f.scope = "national"
            continue
        f.scope = "province"
        unit_fold = fold_same_length(f.unit)
        if unit_fold in _NATIONAL_UNITS or unit_fold.split("/")[0] in ("tinh", "bo") or (
            f.denominator is not None and int(f.denominator) in (63, 34)
        ):
            f.scope = "national"
            continue
        span = clause_of(f.start)
        if span and _NATIONAL_CONTEXT.search(folded, span.start, span.end):
            f.scope = "national"
            continue
        pm = _PLACE_AFTER.match(folded, f.end, min(len(text), f.end + 90))
        if pm:
            place = text[pm.start(1) : pm.end(1)].strip()
            f.scope = place
