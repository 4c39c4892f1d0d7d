"""``baocao period`` and ``baocao load_regimes`` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from baocao.periods.loading import load_regimes
from baocao.periods.services import deadline, parse_period, window


@pytest.fixture
def regimes(db):
    call_command("load_regimes", verbosity=0)


def run(*args: str) -> dict:
    out = StringIO()
    call_command("period", *args, stdout=out)
    return out.getvalue()


def test_period_json(regimes):
    data = json.loads(run("2020Q3", "--format", "json"))
    assert set(data) == {
        "code",
        "type",
        "label_vi",
        "label_en",
        "start",
        "end",
        "window_start",
        "window_end",
        "deadline",
        "lock_date",
        "regime",
    }
    assert data["code"] == "2020Q3" and data["label_vi"] == "Quý III/2020"
    assert data["window_start"] == "2020-06-15" and data["window_end"] == "2020-09-14"
    assert data["deadline"] == "2020-09-06" and data["regime"] == "TT02_2023"


def test_period_accepts_label_and_regime(regimes):
    data = json.loads(run("Quý III/2020", "--regime", "TT04_2022", "--format", "json"))
    p = parse_period("2020Q3")
    assert data["code"] == "2020Q3" and data["regime"] == "TT04_2022"
    assert data["window_start"] == window(p, "TT04_2022")[0].isoformat() == "2020-07-01"
    assert data["deadline"] == deadline(p, "TT04_2022").isoformat()


def test_period_text(regimes):
    text = run("6 tháng đầu năm 2020")
    assert "6 tháng đầu năm 2020" in text
    assert "Hạn gửi: 06/06/2020" in text
    assert "Chốt số liệu từ: 15/12/2019" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Quý V/2020"], "Quý V/2020"),
        (["202013"], "202013"),
        (["2020Q3", "--regime", "KHONG"], "KHONG"),
        (["2020Q3", "--format", "xml"], "--format"),
    ],
)
def test_period_bad_input(regimes, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_console_command_exit_code_and_stderr(tmp_path):
    """The real ``baocao`` console: JSON on stdout, a clear message on stderr and a non-zero exit."""
    env = {**os.environ, "BAOCAO_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    baocao = [sys.executable, "-m", "baocao.cli"]
    subprocess.run([*baocao, "migrate", "-v0"], env=env, check=True, capture_output=True)
    subprocess.run([*baocao, "load_regimes", "-v0"], env=env, check=True, capture_output=True)
    ok = subprocess.run(
        [*baocao, "period", "2021N9", "--format", "json"], env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["label_vi"] == "9 tháng năm 2021"
    bad = subprocess.run([*baocao, "period", "Quý V/2020"], env=env, capture_output=True, text=True)
    assert bad.returncode != 0
    assert "Quý V/2020" in bad.stderr and bad.stdout == ""


def test_load_regimes_command_is_idempotent(db):
    out = StringIO()
    call_command("load_regimes", stdout=out)
    assert "3 mới" in out.getvalue()
    out = StringIO()
    call_command("load_regimes", stdout=out)
    assert "0 mới, 0 cập nhật" in out.getvalue()
    assert load_regimes().created["regime"] == 0


def test_load_regimes_command_bad_file(db, tmp_path):
    bad = tmp_path / "r.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON"):
        call_command("load_regimes", regimes=str(bad), verbosity=0)
