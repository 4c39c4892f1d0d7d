"""``baocao extract``: one JSON object on stdout, the text with --text, clear errors with exit code ≠ 0."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

SAMPLES = Path(__file__).resolve().parent / "samples"
BAOCAO = Path(sys.executable).parent / "baocao"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("extract", *args, stdout=out)
    return out.getvalue()


def test_json_is_one_object_with_the_schema():
    path = SAMPLES / "s2_daklak_2022.txt"
    r = json.loads(_run("--format", "json", "--no-catalog", str(path)))
    assert set(r) >= {"province", "period", "event_date", "facts", "recommendations", "directives"}
    text = path.read_text(encoding="utf-8")
    f = r["facts"][0]
    assert set(f) >= {"value", "denominator", "unit", "qualifier", "indicator", "confidence", "scope", "start", "end", "quote"}
    for f in r["facts"]:
        assert text[f["start"] : f["end"]] == f["quote"]
        assert f["qualifier"] in ("exact", "approx", "at_least") and 0 <= f["confidence"] <= 1
    for d in r["directives"]:
        assert set(d) >= {"text", "by", "to", "start", "end"}
    for rec in r["recommendations"]:
        assert set(rec) >= {"text", "from", "to", "start", "end"}


def test_text_option_prints_the_indexed_text(tmp_path):
    page = tmp_path / "r.html"
    page.write_text(
        "<html><body><nav>Trang chủ 2024</nav><p>Năm 2022, Sở TT&amp;TT tỉnh Sơn La đã cấp 12 giấy phép "
        "xuất bản bản tin cho các cơ quan, đơn vị trên địa bàn tỉnh.</p></body></html>",
        encoding="utf-8",
    )
    text = _run("--text", str(page))
    r = json.loads(_run("--format", "json", "--no-catalog", str(page)))
    assert "Trang chủ" not in text
    f = r["facts"][0]
    assert f["value"] == 12 and text[f["start"] : f["end"]] == "12 giấy phép"
    assert r["province"] == "Sơn La" and r["period"] == "2022"


def test_human_readable_output():
    out = _run("--no-catalog", str(SAMPLES / "s3_bo_q1_2023.txt"))
    assert "Kỳ: 2023Q1" in out and "Chỉ đạo (4)" in out


def test_bad_input_raises_command_error(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    with pytest.raises(CommandError, match="empty") as exc:
        _run("--format", "json", str(p))
    assert exc.value.returncode == 2


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02\x03" * 100, "binary"),
        ("old.txt", "Trong naêm 2019, caùc cô quan cuûa tænh vaø coâng ty ñaõ ñöôïc thoâng tin".encode("cp1252"), "VNI"),
        ("scan.pdf", b"%PDF-1.4\nnot really a pdf\n%%EOF", "PDF"),
        ("missing.txt", None, "no such file"),
    ],
)
def test_cli_exit_code_and_stderr_on_bad_input(tmp_path, name, payload, message):
    p = tmp_path / name
    if payload is not None:
        p.write_bytes(payload)
    res = subprocess.run([str(BAOCAO), "extract", "--format", "json", str(p)], capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert res.stdout == ""
    assert message in res.stderr


def test_cli_stdout_is_exactly_one_json_object():
    res = subprocess.run(
        [str(BAOCAO), "extract", "--format", "json", str(SAMPLES / "s1_quangninh_9t2021.txt")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    obj = json.loads(res.stdout)  # raises if anything else is printed
    assert obj["province"] == "Quảng Ninh" and obj["period"] == "2021N9"
