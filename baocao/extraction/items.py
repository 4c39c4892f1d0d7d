"""Recommendations (asks sent upward) and directives (tasks a leader hands down).

How a report says them:

* a **trigger** opens a block: a recommendation cue (kiến nghị, đề nghị, đề xuất) said by an
  organisation or addressed upward (Bộ, Chính phủ, Tỉnh ủy, UBND tỉnh …), or a directive cue (kết luận,
  chỉ đạo, yêu cầu, giao, đề nghị, lưu ý, nhấn mạnh, nêu rõ) said by a leader (Bộ trưởng, Thứ trưởng,
  Chủ tịch, Giám đốc, đồng chí …) addressed to someone below; a short heading "Kiến nghị, đề xuất"
  followed by a list works the same way;
* the block is the rest of the trigger sentence after ":", the following sentences of the paragraph,
  numbered or bulleted paragraphs after an introduction ending with ":", and — for a leader's closing
  remarks — the following paragraphs as long as they still read as instructions;
* inside a block, each clause separated by ";" or "." is one item unless it only explains or reports
  ("Diễn giải: …", "Vì vậy …", a sentence in the past tense with "đã", an appraisal such as "ghi
  nhận", "biểu dương");
* past-tense reports of having directed someone ("Sở đã chỉ đạo các doanh nghiệp …") are results, not
  items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .textutil import Span, clauses, fold_same_length, paragraphs, sentences

_W = r"(?<![^\W\d_])"
_E = r"(?![^\W\d_])"

REC_CUE = re.compile(_W + r"(kien nghi|de nghi|de xuat|kien nghi, de xuat|de xuat, kien nghi|xin de nghi)" + _E)
DIR_CUE = re.compile(
    _W + r"(ket luan|chi dao|yeu cau|giao nhiem vu|giao|de nghi|luu y|nhan manh|neu ro|quan triet|"
    r"dan do|chi thi|phat bieu chi dao|de ra nhiem vu)" + _E
)
LEADER = re.compile(
    _W + r"(bo truong|thu truong|chu tich|pho chu tich|bi thu|pho bi thu|giam doc|pho giam doc|"
    r"tong giam doc|cuc truong|pho cuc truong|vu truong|chanh van phong|chanh thanh tra|truong doan|"
    r"truong ban|pho truong ban|thu tuong|tong cuc truong|vien truong|truong phong|"
    r"pho thu tuong|dong chi|d/c|lanh dao bo|lanh dao tinh|lanh dao so)" + _E
)
# Addressees higher up: a cue followed by one of these is an ask sent upward.
UPWARD = re.compile(
    r"[\s,:]*(?:với\s+)?(?:các\s+)?(bộ|chính phủ|thủ tướng|trung ương|văn phòng chính phủ|tỉnh ủy|tỉnh uỷ|ubnd tỉnh|"
    r"ủy ban nhân dân tỉnh|uỷ ban nhân dân tỉnh|hđnd|hội đồng nhân dân|cục|ban cơ yếu|quốc hội|lãnh đạo tỉnh|"
    r"lãnh đạo bộ|cấp trên|cơ quan cấp trên)(?!\w)"
)
# Organisations that send recommendations.
SENDER = re.compile(
    _W + r"(so|cac so|doanh nghiep|cac doanh nghiep|dai dien|dai bieu|cac dai bieu|dia phuong|don vi|"
    r"ubnd huyen|ubnd cac huyen|huyen|nganh|trung tam|dai|bao|phong)" + _E
)
# Modal and imperative words are matched on the lower-cased text WITH diacritics: folded, "cần"
# (need) and "cán" (cán bộ), "có" and "cơ" (cơ quan), "giảm" and "giám" (giám đốc) collide.
MODAL = re.compile(
    _W + r"(cần|phải|yêu cầu|đề nghị|(?<!được )(?<!đã )giao|chịu trách nhiệm|có trách nhiệm|khẩn trương|kiên quyết|nghiêm túc|"
    r"phấn đấu|bắt buộc|không để|chú ý|lưu ý)" + _E
)
STRONG_MODAL = re.compile(_W + r"(cần|đề nghị|yêu cầu|(?<!được )(?<!đã )giao|chịu trách nhiệm|có trách nhiệm)" + _E)
PASSIVE = re.compile(_W + r"được\s+(?!giao)[^\W\d_]+")
# Verbs an instruction or an ask starts with (general administrative vocabulary).
_VERBS = (
    r"tiếp tục|tăng cường|đẩy mạnh|tập trung|làm tốt|thực hiện|triển khai|xây dựng|nghiên cứu|"
    r"học tập|rà soát|hoàn thiện|bổ sung|sửa đổi|chủ động|phối hợp|hướng dẫn|đảm bảo|bảo đảm|quan tâm|"
    r"tạo điều kiện|ưu tiên|bố trí|duy trì|xem xét|sớm|kịp thời|nâng cao|theo dõi|đánh giá|kiểm tra|"
    r"giám sát|tuyên truyền|chỉ đạo|đôn đốc|hỗ trợ|đầu tư|lắp đặt|cung cấp|ban hành|tham mưu|lấy|"
    r"phát huy|củng cố|đổi mới|tổ chức|quán triệt|khẩn trương|phấn đấu|chấn chỉnh|ứng dụng|phát triển|"
    r"hoàn thành|thường xuyên|đề xuất|đề nghị|kiến nghị|làm rõ|cải thiện|tránh|không để|mở|có|cần|"
    r"phải|giao|yêu cầu|rút kinh nghiệm|tăng tốc|thúc đẩy|nhân rộng|sắp xếp|kiện toàn|bám sát|"
    r"đẩy nhanh|quyết liệt|nghiêm túc|tích cực|xử lý|ngăn chặn|đấu tranh|góp ý|chia sẻ kinh nghiệm|"
    r"điều chỉnh|cấp|miễn|giảm|ra|lựa chọn|rút ngắn|đảm nhận|chịu trách nhiệm|số hóa|chuyển đổi|"
    r"cho phép|chủ trì|báo cáo|sửa|ký|phân bổ|cấp phát|hướng tới|đưa|tháo gỡ|giải quyết|trả lời"
)
IMPERATIVE = re.compile(r"^(?:" + _VERBS + r")" + _E)
# Sentences that explain, report or appraise rather than ask or instruct.
DESCRIPTIVE_START = re.compile(
    r"^(?:dien giai|giai trinh|ly do|vi vay|vi the|vi |boi vi|do do|hien nay|hien co|hien tai|tu nam|"
    r"qua do|nhu vay|tuy nhien|theo do|trong do|ket qua|den nay|tinh den|ngoai ra, (?:da|con)|nguon|anh|"
    r"bao cao (?:cho biet|tai|cua|nay)|theo bao cao)"
    r"(?![^\W\d_])|^[\"“'(]"
)
APPRAISAL = re.compile(
    _W + r"(ghi nhan|bieu duong|danh gia cao|khang dinh|cho rang|chia se nhung|"
    r"chuc mung|cam on|trao doi, giai dap|giai dap|thong bao de)" + _E
)
PAST = re.compile(_W + r"(đã|vừa qua)" + _E)
TOPIC_PREFIX = re.compile(
    r"^(?:(?:dong thoi|ngoai ra|ben canh do|mat khac|do vay|vi vay|theo do|cu the|truoc mat|"
    r"trong thoi gian toi|thoi gian toi|trong nam \d{4}|tai (?:buoi lam viec|hoi nghi)),?\s+)+"
)
TOPIC_PHRASE = re.compile(r"^(?:ve|doi voi|linh vuc|ve viec|rieng|viec)\s[^,]{2,90},\s*")
# An addressee followed by what it must do: "Các doanh nghiệp viễn thông cần …", "Cục Viễn thông phải …",
# "Trung tâm Công nghệ số rà soát …" (lower-cased text with diacritics).
ADDRESSEE = re.compile(
    r"^(?!(?:bộ trưởng|thứ trưởng|chủ tịch|bí thư|đồng chí|phó)\s)((?:lãnh đạo\s+)?(?:các\s+|toàn thể\s+)?(?:sở|cục|vụ|ubnd|ủy ban nhân dân|uỷ ban nhân dân|phòng|trung tâm|"
    r"doanh nghiệp|đơn vị|cơ quan|giám đốc|đài|báo|ngành|huyện|xã|ban|bộ|tỉnh|thanh tra|công an|địa phương|"
    r"nhà mạng|văn phòng|chi cục|viện|tổng công ty|công ty|bưu điện|viettel|vnpt|mobifone)"
    r"(?!\w)(?:[^.;:]{0,100}?))\s+(?:(?:cần|phải|sớm|tiếp tục|khẩn trương|chủ động|tích cực)\s+)*"
    r"(?:" + _VERBS + r"|chịu trách nhiệm|đứng ra)" + _E
)
HEADING = re.compile(
    r"^(?:[ivx]+\.|\d+(?:\.\d+)*\.?|[a-z]\))?\s*(?:mot so |cac )?(?:kien nghi|de xuat|de nghi)"
    r"(?:[ ,]+(?:va )?(?:kien nghi|de xuat|de nghi))*(?:\s+(?:voi|gui|len)\s[^.;]{2,50})?\s*:?$"
)
LIST_MARK = re.compile(r"^(?:\d{1,2}[.)]|[a-zđ]\)|[-–•*+])\s")


_NAME_END = re.compile(
    r"[,.;:(]|\s(?:cũng\s|đã\s)?(?:phát biểu|chủ trì|dự|làm việc|ghi nhận|đánh giá|lưu ý|nhấn mạnh|nêu rõ|yêu cầu|"
    r"đề nghị|kết luận|chỉ đạo|giao|cho rằng|khẳng định|thăm|đến|tới|tại)(?!\w)"
)
_GENERIC_SPEAKER = re.compile(r"^(?:dong chi|d/c)(?:\s+(?:cung|da))?\s*$")


def _bare(who: str) -> str:
    """Folded speaker without "đồng chí"/"Đ/c": "Đồng chí Thứ trưởng" → "thu truong"."""
    return re.sub(r"^(?:dong chi|d/c)\s+", "", fold_same_length(who).strip())


@dataclass
class Item:
    kind: str  # "recommendation" | "directive"
    start: int
    end: int
    who: str | None  # from / by
    to: str | None


def _words(s: str) -> int:
    return len(s.split())


def _clean_phrase(text: str) -> str | None:
    t = re.sub(r"[\s\u00a0]+", " ", text).strip(" ,:;.-–")
    return t or None


def _strip_prefix(folded: str, s: int, e: int) -> int:
    """Offset after connectives ("Đồng thời, …") and a topic phrase ("Về …, ", "Đối với …, ")."""
    seg = folded[s:e]
    m = TOPIC_PREFIX.match(seg)
    off = m.end() if m else 0
    m2 = TOPIC_PHRASE.match(seg[off:])
    if m2 and _words(seg[off + m2.end() :]) >= 3:
        off += m2.end()
    m3 = TOPIC_PREFIX.match(seg[off:])
    if m3:
        off += m3.end()
    return s + off


def _qualifies(folded: str, span: Span, mode: str, first: bool) -> bool:
    """Is this clause an item of a block of the given mode?"""
    lower = _LOWER.get(id(folded)) or folded
    s = span.start
    while s < span.end and (folded[s].isspace() or folded[s] in ",;:.-–"):
        s += 1
    span = Span(s, span.end)
    seg = folded[span.start : span.end]
    if _words(seg) < 3:
        return False
    lseg = lower[span.start : span.end]
    if DESCRIPTIVE_START.match(seg) and not STRONG_MODAL.search(lseg):
        return False
    body_start = _strip_prefix(folded, span.start, span.end)
    lbody = lower[body_start : span.end]
    has_modal = bool(MODAL.search(lbody))
    if APPRAISAL.search(seg) and not has_modal:
        return False
    if PAST.search(lbody) and not has_modal:
        return False
    if mode == "directive" and PASSIVE.search(lbody) and not has_modal:
        return False
    if mode == "recommendation":
        return True
    if has_modal or IMPERATIVE.match(lbody) or ADDRESSEE.match(lbody):
        return True
    return first


def _addressee(text: str, folded: str, span: Span) -> str | None:
    s = _strip_prefix(folded, span.start, span.end)
    lead = re.match(r"(?:giao|yeu cau|de nghi)\s+", folded[s : span.end])
    if lead:
        s += lead.end()
    lower = _LOWER.get(id(folded)) or folded
    m = ADDRESSEE.match(lower[s : span.end])
    if m:
        return _clean_phrase(text[s : s + m.end(1)])
    return None


def _speaker(text: str, folded: str, s: int, cue_pos: int) -> str | None:
    """The subject before a cue: "Sở", "Đại diện các doanh nghiệp …", "Bộ trưởng … Nguyễn Mạnh Hùng"."""
    head = text[s:cue_pos]
    fhead = folded[s:cue_pos]
    # Drop an opening circumstance ("Tại buổi làm việc, ", "Phát biểu kết luận Hội nghị, ").
    parts = re.split(r",\s+", head)
    fparts = re.split(r",\s+", fhead)
    best = None
    for p, fp in zip(parts, fparts, strict=False):
        if LEADER.search(fp) or SENDER.search(fp):
            best = p
    phrase = best if best is not None else (parts[-1] if parts else "")
    phrase = re.sub(
        r"\s+(?:cũng|đã|xin|có|thì|đều|lưu ý|nhấn mạnh|nêu rõ|phát biểu|thảo luận|tiếp tục|đưa ra|nêu)(?!\w).*$",
        "",
        phrase.strip(),
    )
    return _clean_phrase(phrase)


def _after_cue_target(text: str, folded: str, pos: int, end: int) -> str | None:
    lower = _LOWER.get(id(folded)) or folded
    m = UPWARD.match(lower, pos, end)
    if not m:
        return None
    s = pos + (m.start(1) - pos)
    stop = _TARGET_STOP.search(lower, s + 1, end)
    e = stop.start() if stop else min(end, s + 40)
    return _clean_phrase(text[s:e])


# Where an addressee ends: punctuation, or the first verb of what is asked.
_TARGET_STOP = re.compile(
    r"[:;,.(]|\s(?=(?:một số|các nội dung|như sau|về|trong|(?:cần|phải|sớm)\s|(?:" + _VERBS + r")(?!\w)))"
)


@dataclass
class _Block:
    mode: str
    who: str | None
    to: str | None
    until_para: int  # last paragraph index the block may reach (inclusive)
    list_only: bool = False
    first_pending: bool = False  # the next clause directly follows an introduction ending with ":"


_LOWER: dict[int, str] = {}


def find_items(text: str, folded: str, body: Span, noise: list[Span]) -> list[Item]:
    """Recommendations and directives inside the article body, one per distinct ask or task."""
    _LOWER[id(folded)] = text.lower() if len(text.lower()) == len(text) else folded
    try:
        return _find_items(text, folded, body, noise)
    finally:
        _LOWER.pop(id(folded), None)


def _find_items(text: str, folded: str, body: Span, noise: list[Span]) -> list[Item]:
    paras = [p for p in paragraphs(text, body.start, body.end) if not any(n.start <= p.start < n.end for n in noise)]
    items: list[Item] = []
    block: _Block | None = None
    last_leader: str | None = None
    for pi, para in enumerate(paras):
        fpara = folded[para.start : para.end]
        is_list = bool(LIST_MARK.match(fpara))
        if block and pi > block.until_para:
            block = None
        if block and block.list_only and not is_list:
            # Explanations between the numbered asks ("Diễn giải: …", "Qua đó …") are skipped.
            continue
        # A heading "Kiến nghị, đề xuất" opens a list of recommendations.
        if HEADING.match(fpara.strip()) and _words(fpara) <= 8:
            block = _Block("recommendation", None, None, until_para=_list_reach(folded, paras, pi), list_only=True)
            if block.until_para == pi:
                block = _Block("recommendation", None, None, until_para=_prose_reach(folded, paras, pi))
            continue
        sents = sentences(text, para)
        for sent in sents:
            lm = LEADER.search(folded, sent.start, sent.end)
            if lm and not _GENERIC_SPEAKER.match(lm.group(1)) and lm.start() - sent.start < 200:
                end_name = _NAME_END.search(text[lm.start() : sent.end])
                cand = _clean_phrase(text[lm.start() : lm.start() + (end_name.start() if end_name else 60)])
                if cand and _words(cand) <= 14 and not (
                    last_leader and _bare(cand) in fold_same_length(last_leader)
                ):
                    last_leader = cand
        for si, sent in enumerate(sents):
            fs = folded[sent.start : sent.end]
            in_list = block is not None and block.list_only and is_list
            trig = None if in_list else _trigger(text, folded, sent, fs, block)
            if trig is not None:
                mode, who, to, cue_end = trig
                if mode == "directive":
                    if who and last_leader and (
                        _GENERIC_SPEAKER.match(fold_same_length(who)) or _bare(who) in fold_same_length(last_leader)
                    ):
                        who = last_leader
                    elif who:
                        last_leader = who
                colon = _colon(text, cue_end, sent.end)
                follow_list = colon >= 0 and text[colon + 1 : sent.end].strip() == ""
                if block is not None and block.mode == mode:
                    who = who or block.who
                    to = to or block.to
                block = _Block(mode, who, to, until_para=pi)
                if mode == "directive":
                    block.until_para = _directive_reach(folded, paras, pi)
                if follow_list:
                    reach = _list_reach(folded, paras, pi)
                    if reach > pi:
                        block.until_para = reach
                        block.list_only = True
                    else:
                        # The introduction is followed by plain paragraphs, not a numbered list.
                        block.until_para = (
                            _directive_reach(folded, paras, pi) if mode == "directive" else _prose_reach(folded, paras, pi)
                        )
                        block.first_pending = True
                    continue
                if colon >= 0 and colon - sent.start <= (cue_end - sent.start) + 160:
                    rest = Span(colon + 1, sent.end)
                    for k, cl in enumerate(clauses(text, rest)):
                        if _qualifies(folded, cl, mode, first=(k == 0)):
                            items.append(_make(text, folded, cl, block))
                    continue
                # No colon: the trigger sentence itself is the ask or the instruction when what follows
                # the cue reads as one.
                rest = Span(cue_end, sent.end)
                cls = clauses(text, Span(sent.start, sent.end))
                strong = folded[cue_end - 12 : cue_end].rstrip().endswith(("giao", "yeu cau", "de nghi", "chi dao", "giao nhiem vu"))
                if _words(folded[rest.start : rest.end]) >= 4 and _qualifies(folded, rest, mode, first=strong):
                    first = cls[0]
                    items.append(_make(text, folded, first, block, whole_sentence=True))
                    for cl in cls[1:]:
                        if _qualifies(folded, cl, mode, first=False):
                            items.append(_make(text, folded, cl, block))
                elif _words(folded[para.start : para.end]) < 25 or _words(folded[rest.start : rest.end]) <= 3:
                    # A photo caption ("… phát biểu kết luận Hội nghị") or "dự và chỉ đạo Hội nghị" opens nothing.
                    block = None
                else:
                    # "… nhấn mạnh, năm qua ngành đã …": a remark, not yet an instruction; the rest of this
                    # paragraph may still hold some, the next paragraphs are not taken on trust.
                    block.until_para = pi
                continue
            if block is None:
                continue
            first_pending, block.first_pending = block.first_pending, False
            for k, cl in enumerate(clauses(text, sent)):
                first = (block.list_only and k == 0 and si == 0) or (first_pending and k == 0)
                if _qualifies(folded, cl, block.mode, first=first):
                    items.append(_make(text, folded, cl, block))
    return _dedupe(items)


def _colon(text: str, start: int, end: int) -> int:
    """First ":" outside parentheses in ``text[start:end]``, or -1."""
    depth = 0
    for i in range(start, end):
        c = text[i]
        if c in "(“[":
            depth += 1
        elif c in ")”]" and depth:
            depth -= 1
        elif c == ":" and depth == 0:
            return i
    return -1


def _make(text: str, folded: str, cl: Span, block: _Block, whole_sentence: bool = False) -> Item:
    to = None
    s = cl.start
    seg = folded[cl.start : cl.end]
    m = LIST_MARK.match(seg)
    if m:
        s = cl.start + m.end()
    if block.mode == "directive":
        to = _addressee(text, folded, Span(s, cl.end)) or block.to
    else:
        head = folded[s : cl.end]
        mm = re.match(r"(?:de nghi|de xuat|kien nghi)\s+", head)
        target = _after_cue_target(text, folded, s + (mm.end() if mm else 0), cl.end)
        to = target or block.to
    return Item(block.mode, s, cl.end, block.who, to)


def _trigger(
    text: str, folded: str, sent: Span, fs: str, block: _Block | None = None
) -> tuple[str, str | None, str | None, int] | None:
    """``(mode, who, to, cue_end)`` when the sentence opens a block of asks or instructions."""
    # Inside a block, only a cue near the start of a sentence opens a new one.
    words_before_limit = 4 if block is not None else 40
    for m in list(REC_CUE.finditer(fs)) + list(DIR_CUE.finditer(fs)):
        cue_s, cue_e = sent.start + m.start(), sent.start + m.end()
        before = fs[: m.start()]
        lead = TOPIC_PREFIX.match(before)
        if _words(before[lead.end() :] if lead else before) > words_before_limit:
            continue
        # "7.793 kiến nghị", "các kiến nghị của …", "đã chỉ đạo …": counts, nouns, past reports.
        if re.search(r"\d[\d.,]*\s*$", before):
            continue
        after = fs[m.end() :]
        colon_soon = re.match(r"[^.;]{0,90}:", after) is not None
        if re.match(r"\s*(?:cua|da duoc|duoc|nay|do|tren)" + _E, after) and not colon_soon:
            continue
        if re.search(_W + r"(?:da|vua|duoc)\s*$", before) and not colon_soon:
            continue
        cue = m.group(1)
        if cue == "giao" and re.search(r"tuyen\s*$", before):
            continue  # "Ban Tuyên giáo"
        leader = LEADER.search(before)
        lower = _LOWER.get(id(folded)) or folded
        upward = UPWARD.match(lower, cue_e, sent.end)
        if cue in ("kien nghi", "de xuat", "kien nghi, de xuat", "de xuat, kien nghi", "xin de nghi") or (
            cue == "de nghi" and (upward or not leader)
        ):
            if cue == "de nghi" and not upward and not leader and not colon_soon and not SENDER.search(before):
                # "đề nghị" inside an instruction ("… có khó khăn đề nghị Bộ hỗ trợ") is not a new block
                # unless it opens the sentence.
                if _words(before) > 2:
                    continue
            if not colon_soon and not upward and _words(before) > 12:
                continue
            if not colon_soon and (
                re.search(_W + r"(?:gui|tiep nhan|cac|nhung|giai quyet|tra loi|xu ly|nhieu|mot so|y kien,?)\s*$", before)
                or re.search(r"(?<!\w)số\s*$", lower[sent.start : cue_s])
            ):
                continue  # "người dân gửi kiến nghị qua …", "giải quyết các kiến nghị": the noun, not an ask
            if not colon_soon and not upward and before.strip() and not SENDER.search(before):
                continue  # an ask without ":" or an addressee above needs a sender before the cue
            who = _speaker(text, folded, sent.start, cue_s) if before.strip() else None
            to = _after_cue_target(text, folded, cue_e, sent.end)
            return "recommendation", who, to, cue_e
        if cue in ("ket luan", "phat bieu chi dao") and not leader:
            continue
        if leader is None or fs.startswith("bao cao"):
            continue
        between = fs[leader.end() : m.start()]
        if _words(between) > 10 or re.search(_W + r"(?:tap trung|su|theo|cong tac|van ban|cac|duoi su|de)\s*$", before):
            continue
        if cue == "chi dao" and re.search(r"theo\s*$", before):
            continue
        who = _speaker(text, folded, sent.start, cue_s)
        target_m = re.match(
            r"(?:[\s,:]|yeu cau|de nghi|luu y|chi dao|giao|trong thoi gian toi|thoi gian toi|trong nam toi)*"
            r"((?:lanh dao\s+)?(?:cac\s+)?(?:so|cuc|ubnd|phong|doanh nghiep|don vi|co quan|nganh|giam doc|dai|bao|"
            r"trung tam|vu|ban|huyen|xa|thanh tra)(?![^\W\d_])[^.;:]{0,80})",
            after,
        )
        to = None
        if target_m:
            to = _clean_phrase(text[cue_e + target_m.start(1) : cue_e + target_m.end(1)])
            cut = re.search(r"[\s,]+(?:cần|phải|làm|chịu|" + _VERBS + r")(?!\w)", (to or "").lower()[1:])
            to = (to[: cut.start() + 1] if cut else to) or None
        return "directive", who, to, cue_e
    return None


def _list_reach(folded: str, paras: list[Span], pi: int) -> int:
    """Last paragraph of the numbered/bulleted list that follows paragraph ``pi``."""
    last = pi
    gap = 0
    for k in range(pi + 1, len(paras)):
        fp = folded[paras[k].start : paras[k].end]
        if LIST_MARK.match(fp):
            last = k
            gap = 0
        else:
            gap += 1
            if gap > 2 or _words(fp) < 8:
                break  # a heading or a signature ends the list
    return last


def _prose_reach(folded: str, paras: list[Span], pi: int) -> int:
    """Paragraphs under a heading, up to the next short line (another heading, a signature)."""
    last = pi
    for k in range(pi + 1, len(paras)):
        if _words(folded[paras[k].start : paras[k].end]) < 8:
            break
        last = k
    return last


def _directive_reach(folded: str, paras: list[Span], pi: int) -> int:
    """A leader's remarks run on while the next paragraphs still read as instructions."""
    last = pi
    for k in range(pi + 1, len(paras)):
        fp = folded[paras[k].start : paras[k].end]
        if _words(fp) < 8:
            break
        lp = (_LOWER.get(id(folded)) or folded)[paras[k].start : paras[k].end]
        if MODAL.search(lp) or LEADER.search(fp) or TOPIC_PHRASE.match(fp) or ADDRESSEE.match(lp):
            last = k
            continue
        break
    return last


def _dedupe(items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for it in sorted(items, key=lambda i: (i.start, -i.end)):
        if out and it.start < out[-1].end and it.start >= out[-1].start:
            continue
        out.append(it)
    return out
