"""``baocao brief``: a pack on good input; a precise message, a non-zero exit and no file on bad input."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from django.core.management import CommandError, call_command

from .factories import PERIOD, TODAY

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "period, message",
    [
        ("2020Q5", "Kỳ «2020Q5» không hợp lệ"),
        ("quý 3", "Kỳ «quý 3» không hợp lệ"),
        ("202007", "không theo tháng"),
        ("", "Chưa nhập kỳ báo cáo"),
    ],
)
def test_bad_period_is_refused_and_nothing_written(db, tmp_path, period, message):
    out = tmp_path / "pack.docx"
    with pytest.raises(CommandError, match=message):
        call_command("brief", period, "--out", str(out))
    assert list(tmp_path.iterdir()) == []


def test_bad_output_is_refused(pack_world, tmp_path):
    with pytest.raises(CommandError, match=r"đuôi \.docx"):
        call_command("brief", PERIOD, "--out", str(tmp_path / "pack.pdf"))
    with pytest.raises(CommandError, match="Thư mục không tồn tại"):
        call_command("brief", PERIOD, "--out", str(tmp_path / "no" / "pack.docx"))
    existing = tmp_path / "old.docx"
    existing.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="Tệp đã có"):
        call_command("brief", PERIOD, "--out", str(existing))
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(CommandError, match="--date không hợp lệ"):
        call_command("brief", PERIOD, "--out", str(tmp_path / "x.docx"), "--date", "20/11/2024")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.docx"]


def test_command_writes_the_docx(pack_world, tmp_path):
    out = tmp_path / "pack.docx"
    stdout = io.StringIO()
    call_command("brief", PERIOD, "--out", str(out), "--no-pdf", "--date", TODAY.isoformat(), stdout=stdout)
    assert f"Đã tạo {out} (Quý III/2024)" in stdout.getvalue()
    assert "BÁO CÁO" in [p.text for p in docx.Document(str(out)).paragraphs]
    assert not out.with_suffix(".pdf").exists()


def test_exit_code_of_the_real_command(tmp_path):
    """Through the ``baocao`` entry point: a bad period exits with 1 and a clear message on stderr."""
    env = {**os.environ, "BAOCAO_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    out = tmp_path / "pack.docx"
    proc = subprocess.run(
        [sys.executable, "-m", "baocao.cli", "brief", "2020Q9", "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )
    assert proc.returncode != 0
    assert "Kỳ «2020Q9» không hợp lệ" in proc.stderr
    assert not out.exists()
