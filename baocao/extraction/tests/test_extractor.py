"""The pure function: offsets into the text as given, deterministic, no database."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from baocao.extraction.extractor import extract

SAMPLES = Path(__file__).resolve().parent / "samples"


def test_offsets_into_decomposed_text_point_at_the_same_words():
    nfc = (SAMPLES / "s2_daklak_2022.txt").read_text(encoding="utf-8")
    nfd = unicodedata.normalize("NFD", nfc)
    a, b = extract(nfc), extract(nfd)
    assert [f["value"] for f in a["facts"]] == [f["value"] for f in b["facts"]]
    for f in b["facts"]:
        assert unicodedata.normalize("NFC", nfd[f["start"] : f["end"]]) == unicodedata.normalize("NFC", f["quote"])
    assert a["province"] == b["province"] == "Đắk Lắk"


def test_deterministic_and_json_serialisable():
    text = (SAMPLES / "s3_bo_q1_2023.txt").read_text(encoding="utf-8")
    one, two = extract(text), extract(text)
    assert json.dumps(one, ensure_ascii=False, sort_keys=True) == json.dumps(two, ensure_ascii=False, sort_keys=True)


def test_no_break_spaces_are_kept_in_quotes():
    text = "Sơ kết 6 tháng đầu năm 2020 tỉnh Lạng Sơn\nLạng Sơn\u00a0đã lắp\u00a0200 bộ máy tính cho cấp xã.\n"
    f = extract(text)["facts"][0]
    assert f["quote"] == "200 bộ" and text[f["start"] : f["end"]] == "200 bộ"


def test_empty_and_noise_only_text():
    assert extract("")["facts"] == []
    r = extract("Thông báo lỗi\nNotice: Undefined offset: 1 (dòng 70)\n")
    assert r["facts"] == [] and r["recommendations"] == [] and r["directives"] == []
