"""The quarterly briefing pack (báo cáo giao ban): figures gathered, sentences written, .docx and PDF made.

Every figure comes from a service that owns it: indicator values from ``baocao.analytics.services``,
completeness and timeliness from ``baocao.reporting.services.completeness``, recommendation and
directive statistics from ``baocao.recommendations.stats``. This module only chooses, phrases and
lays them out (Decree 30/2020 layout, see ``docx.py``). What the pack contains (its key indicators,
recipients, signer) is data: ``PackIndicator`` / ``PackProfile``, seeded from ``fixtures/briefing.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from baocao.analytics import services as analytics
from baocao.catalog.models import Indicator
from baocao.core.numbers import format_number, format_percent
from baocao.geo.services import provinces_on
from baocao.orgs.models import Organisation, OrgKind
from baocao.periods.services import Period, PeriodError, parse_any
from baocao.recommendations.models import OPEN_REC_STATES, Recommendation
from baocao.recommendations.stats import recommendation_stats, speed_up_list
from baocao.reporting import services as reporting
from baocao.reporting.models import ReportForm

from .models import PackIndicator, PackProfile

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "briefing.json"
BILLION = Decimal(1_000_000_000)


class BriefingError(ValueError):
    """A pack cannot be made from this input (bad period, empty catalog…); nothing is written."""


class PdfUnavailable(RuntimeError):  # noqa: N818 - a condition the caller reports, not a bug
    """The PDF cannot be made (LibreOffice missing or failed); the .docx still exists."""


# --- configuration (data) -----------------------------------------------------------------------------


def load_defaults(force: bool = False) -> None:
    """Seed the pack's indicators and profile from the fixture when the tables are empty (or ``force``)."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    with transaction.atomic():
        if force or not PackIndicator.objects.exists():
            for row in data["indicators"]:
                PackIndicator.objects.update_or_create(
                    code=row["code"], defaults={"order": row["order"], "rank": row["rank"], "active": True}
                )
        if force or not PackProfile.objects.exists():
            PackProfile.objects.all().delete()
            PackProfile.objects.create(**data["profile"])


def profile() -> PackProfile:
    load_defaults()
    return PackProfile.objects.order_by("pk").first()  # type: ignore[return-value]


def parse_pack_period(code: str) -> Period:
    """A period code such as ``2020Q3`` (also ``2020S1``, ``2020``); a clear message otherwise."""
    text = (code or "").strip()
    if not text:
        raise BriefingError("Chưa nhập kỳ báo cáo (ví dụ 2020Q3).")
    try:
        period = parse_any(text)
    except PeriodError as exc:
        raise BriefingError(f"Kỳ «{text}» không hợp lệ: {exc}. Ví dụ đúng: 2020Q3.") from exc
    if period.type == "month":
        raise BriefingError(f"Báo cáo giao ban lập theo quý, 6 tháng hoặc năm, không theo tháng («{text}»).")
    return period


# --- the figures --------------------------------------------------------------------------------------


@dataclass
class KeyFigure:
    """An indicator's national value and its changes, as ``analytics.change`` gives them."""

    indicator: Indicator
    value: Decimal | None
    previous_period: Period
    previous: Decimal | None
    delta_previous: Decimal | None
    pct_previous: Decimal | None
    last_year_period: Period
    last_year: Decimal | None
    delta_last_year: Decimal | None
    pct_last_year: Decimal | None
    missing: int  # provinces without a value
    units: int  # provinces combined
    target: Decimal | None = None

    @property
    def is_percent(self) -> bool:
        return self.indicator.unit.strip() == "%"


@dataclass
class RankedRow:
    rank: int
    area: Any
    value: Decimal


@dataclass
class Ranking:
    indicator: Indicator
    rows: list[RankedRow]  # best first
    without_value: int
    higher_is_better: bool = True


@dataclass
class FormCompleteness:
    form: ReportForm
    report: reporting.Completeness


@dataclass
class PackData:
    period: Period
    issued_on: dt.date
    issuer: Organisation | None
    profile: PackProfile
    figures: list[KeyFigure]
    trend: list[tuple[Period, Decimal | None]]  # the first key indicator over the last periods
    rankings: list[Ranking]
    completeness: list[FormCompleteness]
    recommendations: dict[str, Any]
    open_recommendations: list[Recommendation]
    open_total: int
    overdue_directives: list[dict[str, Any]]
    as_of: dt.date
    charts: dict[str, Path] = field(default_factory=dict)


def _delta(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def _pct(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or not b else (a - b) / abs(b) * 100


def key_figure(indicator: Indicator, period: Period) -> KeyFigure:
    """The national value now, vs the previous period and the same period last year (analytics service)."""
    prev, last = period.previous(), period.same_period_last_year()
    now = analytics.national_value(indicator, period)
    target_fn = getattr(analytics, "target_for", None)
    target = target_fn(indicator, period.year) if target_fn else None
    change_fn = getattr(analytics, "change", None)
    if change_fn is not None:
        c = change_fn(indicator, period)
        return KeyFigure(
            indicator, c.value, prev, c.previous, c.delta_previous, c.pct_previous,
            last, c.last_year, c.delta_last_year, c.pct_last_year,
            len(now.missing), len(now.units) + len(now.missing), target,
        )
    v, p, ly = now.value, analytics.national_value(indicator, prev).value, analytics.national_value(indicator, last).value
    return KeyFigure(
        indicator, v, prev, p, _delta(v, p), _pct(v, p), last, ly, _delta(v, ly), _pct(v, ly),
        len(now.missing), len(now.units) + len(now.missing), target,
    )


def trend(indicator: Indicator, period: Period, count: int = 8) -> list[tuple[Period, Decimal | None]]:
    """The national value over the ``count`` periods ending with ``period`` (analytics ``series``)."""
    periods = [period.shift(-i) for i in range(count - 1, -1, -1)]
    series_fn = getattr(analytics, "series", None)
    if series_fn is not None:
        got = {pt.period: pt.value for pt in series_fn(indicator, None, periods, period_type=period.type)}
        return [(p, got.get(p.code)) for p in periods]
    return [(p, analytics.national_value(indicator, p).value) for p in periods]


def _higher_is_better(indicator: Indicator) -> bool:
    better = getattr(analytics, "better", None)
    return better is None or better(indicator) != "lower"


def ranking(indicator: Indicator, period: Period) -> Ranking:
    """Provinces valid at the end of the period, best first (the analytics ranking when it exists)."""
    rank_fn = getattr(analytics, "ranking", None)
    if rank_fn is not None:
        got = rank_fn(indicator, period)
        rows = [RankedRow(int(r.rank), r.area, Decimal(r.value)) for r in got if r.value is not None and r.rank]
        return Ranking(indicator, rows, sum(1 for r in got if r.value is None), _higher_is_better(indicator))
    higher = _higher_is_better(indicator)
    values = []
    without = 0
    for area in provinces_on(period.end):
        v = analytics.area_value(area, indicator, period).value
        if v is None:
            without += 1
        else:
            values.append((area, v))
    values.sort(key=lambda av: (-av[1] if higher else av[1], av[0].code))
    return Ranking(indicator, [RankedRow(i + 1, a, v) for i, (a, v) in enumerate(values)], without, higher)


def _issuer(day: dt.date) -> Organisation | None:
    """The ministry in charge of the ICT sector on ``day`` (Bộ TT&TT until 28/02/2025, then Bộ KH&CN)."""
    qs = Organisation.objects.filter(kind=OrgKind.MINISTRY, domains__code="telecom").valid_on(day).distinct()
    return qs.order_by("uid").first()


def collect(period: Period | str, today: dt.date | None = None) -> PackData:
    """Everything the pack states, read from the owning services; writes nothing (but the default profile)."""
    period = parse_pack_period(period) if isinstance(period, str) else period
    today = today or timezone.localdate()
    prof = profile()
    items = list(PackIndicator.objects.filter(active=True).order_by("order", "code"))
    by_code = {i.code: i for i in Indicator.objects.filter(code__in=[p.code for p in items]).select_related("weight")}
    unknown = [p.code for p in items if p.code not in by_code]
    if unknown:
        raise BriefingError(f"Chỉ tiêu trong cấu hình báo cáo giao ban không có trong danh mục: {', '.join(unknown)}.")
    valid = [(p, by_code[p.code]) for p in items if by_code[p.code].is_valid_on(period.end)]
    if not valid:
        raise BriefingError(f"Không có chỉ tiêu nào của báo cáo giao ban có hiệu lực trong {period.label_vi}.")
    figures = [key_figure(ind, period) for _, ind in valid]
    first = valid[0][1]
    rankings = [ranking(ind, period) for p, ind in valid if p.rank]

    forms = ReportForm.objects.filter(active=True, period_type=period.type).select_related("regime").order_by("order", "code")
    comp = [FormCompleteness(f, reporting.completeness(f, period, today)) for f in forms]

    as_of = min(period.end, today)
    rec = recommendation_stats(period.start, period.end, today)
    open_qs = Recommendation.objects.filter(state__in=OPEN_REC_STATES, received_on__lte=period.end).select_related(
        "lead_unit", "area"
    )
    open_total = open_qs.count()
    open_list = list(open_qs.order_by("due_on", "received_on", "pk")[: prof.max_open_items])
    overdue = []
    for group in speed_up_list(as_of, period.end):
        late = [d for d in group["directives"] if d["days_overdue"] > 0]
        if late:
            overdue.append({**group, "directives": late})
    return PackData(
        period, today, _issuer(today), prof, figures, trend(first, period), rankings, comp, rec, open_list, open_total, overdue, as_of
    )


# --- sentences ----------------------------------------------------------------------------------------


def amount(value: Decimal | None, indicator: Indicator) -> str:
    """A value with its unit, the Vietnamese way: ``516.033 thuê bao``, ``45,27%``, ``1.234,6 tỷ đồng``."""
    if value is None:
        return "chưa có số liệu"
    unit = indicator.unit.strip()
    if unit == "%":
        return format_percent(value, indicator.decimals or 1)
    if unit == "đồng" and abs(value) >= BILLION:
        return f"{format_number(value / BILLION, 1)} tỷ đồng"
    return f"{format_number(value, indicator.decimals)} {unit}".strip()


def table_unit(indicator: Indicator, reference: Decimal | None) -> tuple[str, Decimal]:
    """The unit a table column shows and the divisor: ``("tỷ đồng", 10⁹)`` for large amounts in đồng."""
    unit = indicator.unit.strip()
    if unit == "đồng" and reference is not None and abs(reference) >= BILLION:
        return "tỷ đồng", BILLION
    return unit, Decimal(1)


def table_number(value: Decimal | None, indicator: Indicator, divisor: Decimal) -> str:
    """A value in a table cell (its unit is in its own column): ``21.677.409``, ``58,73``, ``30.694,8``."""
    if value is None:
        return "–"
    if divisor != 1:
        return format_number(value / divisor, 1)
    return format_number(value, indicator.decimals)


def _movement(fig: KeyFigure, delta: Decimal | None, pct: Decimal | None, against: str) -> str | None:
    if delta is None:
        return None
    if delta == 0:
        return f"không đổi so với {against}"
    word = "tăng" if delta > 0 else "giảm"
    if fig.is_percent:
        return f"{word} {format_number(abs(delta), 1)} điểm phần trăm so với {against}"
    if pct is None:
        return f"{word} {amount(abs(delta), fig.indicator)} so với {against}"
    return f"{word} {format_percent(abs(pct), 1)} so với {against}"


def figure_sentence(fig: KeyFigure) -> str:
    """E.g. "Số thuê bao Internet băng rộng cố định đạt 516.033 thuê bao, tăng 16,2% so với cùng kỳ năm trước…"."""
    name = fig.indicator.name
    if fig.value is None:
        return f"{name}: chưa có số liệu được tiếp nhận trong kỳ."
    parts = [f"{name} đạt {amount(fig.value, fig.indicator)}"]
    for delta, pct, against in (
        (fig.delta_last_year, fig.pct_last_year, f"cùng kỳ năm trước ({_phrase(fig.last_year_period)})"),
        (fig.delta_previous, fig.pct_previous, f"kỳ trước ({_phrase(fig.previous_period)})"),
    ):
        m = _movement(fig, delta, pct, against)
        if m:
            parts.append(m)
    text = ", ".join(parts)
    if fig.target is not None:
        higher = _higher_is_better(fig.indicator)
        reached = fig.value >= fig.target if higher else fig.value <= fig.target
        goal = f"mục tiêu năm {fig.last_year_period.year + 1} là {amount(fig.target, fig.indicator)}"
        gap = abs(fig.target - fig.value)
        left = f"{format_number(gap, 1)} điểm phần trăm" if fig.is_percent else amount(gap, fig.indicator)
        text += f"; {goal}, " + ("đã đạt" if reached else f"còn cách {left}")
    if fig.missing:
        text += f" (còn {fig.missing}/{fig.units} tỉnh, thành phố chưa có số liệu)"
    return text + "."


def ranking_sentences(r: Ranking, top: int) -> list[str]:
    name = r.indicator.name
    if not r.rows:
        return [f"{name}: chưa có tỉnh, thành phố nào có số liệu được tiếp nhận."]
    n = min(top, len(r.rows))
    best = ", ".join(f"{x.area.name} ({amount(x.value, r.indicator)})" for x in r.rows[:n])
    out = [f"{name}: dẫn đầu là {best}."]
    if len(r.rows) > n:
        tail = r.rows[-n:] if len(r.rows) >= 2 * n else r.rows[n:]
        worst = ", ".join(f"{x.area.name} ({amount(x.value, r.indicator)})" for x in reversed(tail))
        out.append(f"Thấp nhất là {worst}.")
    if r.without_value:
        out.append(f"Còn {r.without_value} tỉnh, thành phố chưa có số liệu.")
    return out


def completeness_sentence(fc: FormCompleteness) -> str:
    c = fc.report
    text = (
        f"Biểu {fc.form.symbol} ({fc.form.title}): {c.submitted}/{c.expected} tỉnh, thành phố đã gửi báo cáo, "
        f"trong đó {c.on_time} đúng hạn, {c.late} muộn; hạn gửi {c.deadline.deadline:%d/%m/%Y}"
    )
    missing = c.missing
    if missing:
        names = ", ".join(r.area.name for r in missing[:10])
        more = f" và {len(missing) - 10} tỉnh, thành phố khác" if len(missing) > 10 else ""
        text += f". Chưa gửi: {names}{more}"
    return text + "."


def _phrase(period: Period) -> str:
    """"quý III/2024" (the label in running text)."""
    return period.label_vi[0].lower() + period.label_vi[1:]


def recommendation_sentences(stats: dict[str, Any], period: Period, as_of: dt.date) -> list[str]:
    if not stats["received"]:
        return [f"Trong {_phrase(period)}, Bộ không tiếp nhận kiến nghị nào."]
    out = [
        f"Trong {_phrase(period)}, Bộ tiếp nhận {format_number(stats['received'])} kiến nghị; "
        f"đến ngày {as_of:%d/%m/%Y} đã giải quyết {format_number(stats['resolved'])} "
        f"(trả lời {format_number(stats['answered'])}, không xử lý {format_number(stats['declined'])}), "
        f"đã công khai {format_number(stats['published'])}; còn {format_number(stats['in_progress'])} đang xử lý, "
        f"trong đó {format_number(stats['overdue'])} quá hạn."
    ]
    if stats["on_time_share"] is not None:
        out.append(f"Tỷ lệ trả lời đúng hạn đạt {format_percent(stats['on_time_share'], 1)}.")
    if stats["median_days_to_answer"] is not None:
        out.append(f"Thời gian trả lời trung vị là {format_number(stats['median_days_to_answer'], 0)} ngày.")
    return out


# --- charts (matplotlib, Agg) -------------------------------------------------------------------------


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = "DejaVu Sans"
    return plt


def _vn_axis(ax: Any, axis: str = "y", decimals: int = 0) -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _pos: format_number(v, decimals))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def make_charts(data: PackData, folder: Path) -> dict[str, Path]:
    """PNG charts: trend of the first key indicator, each ranking, completeness, recommendations."""
    plt = _plt()
    out: dict[str, Path] = {}

    known = [(p, v) for p, v in data.trend if v is not None]
    if len(known) >= 2:
        ind = data.figures[0].indicator
        fig, ax = plt.subplots(figsize=(6.3, 2.8), dpi=150)
        ax.plot([p.label_vi for p, _ in known], [float(v) for _, v in known], marker="o", color="#1f4e79")
        ax.set_title(f"{ind.name} ({ind.unit}), toàn quốc", fontsize=9)
        ax.tick_params(labelsize=7)
        _vn_axis(ax, "y")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        out["trend"] = folder / "xu-huong.png"
        fig.savefig(out["trend"])
        plt.close(fig)

    for i, r in enumerate(data.rankings):
        if not r.rows:
            continue
        rows = r.rows
        fig, ax = plt.subplots(figsize=(6.3, max(3.0, 0.14 * len(rows) + 0.8)), dpi=150)
        ax.barh([x.area.name for x in rows][::-1], [float(x.value) for x in rows][::-1], color="#2e75b6")
        ax.set_title(f"{r.indicator.name} ({r.indicator.unit}), {data.period.label_vi}", fontsize=9)
        ax.tick_params(axis="y", labelsize=5)
        ax.tick_params(axis="x", labelsize=7)
        _vn_axis(ax, "x", 0)
        fig.tight_layout()
        key = f"ranking_{i}"
        out[key] = folder / f"xep-hang-{i + 1}.png"
        fig.savefig(out[key])
        plt.close(fig)

    if data.completeness:
        labels = [fc.form.symbol for fc in data.completeness]
        on_time = [fc.report.on_time for fc in data.completeness]
        late = [fc.report.late for fc in data.completeness]
        missing = [len(fc.report.missing) for fc in data.completeness]
        fig, ax = plt.subplots(figsize=(6.3, 0.5 * len(labels) + 1.4), dpi=150)
        ax.barh(labels, on_time, color="#548235", label="Đúng hạn")
        ax.barh(labels, late, left=on_time, color="#c55a11", label="Muộn")
        ax.barh(labels, missing, left=[a + b for a, b in zip(on_time, late, strict=True)], color="#a6a6a6", label="Chưa gửi")
        ax.set_title(f"Tình hình gửi báo cáo {data.period.label_vi}", fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
        ax.tick_params(labelsize=7)
        fig.tight_layout()
        out["completeness"] = folder / "tinh-hinh-nop.png"
        fig.savefig(out["completeness"])
        plt.close(fig)

    groups = [g for g in data.recommendations.get("by_sender_type", []) if g["received"]]
    if groups:
        fig, ax = plt.subplots(figsize=(6.3, 2.8), dpi=150)
        xs = range(len(groups))
        ax.bar([x - 0.2 for x in xs], [g["received"] for g in groups], width=0.4, label="Tiếp nhận", color="#2e75b6")
        ax.bar([x + 0.2 for x in xs], [g["resolved"] for g in groups], width=0.4, label="Đã giải quyết", color="#548235")
        ax.set_xticks(list(xs), [g["label"] for g in groups], fontsize=7)
        ax.set_title(f"Kiến nghị tiếp nhận trong {data.period.label_vi}", fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        out["recommendations"] = folder / "kien-nghi.png"
        fig.savefig(out["recommendations"])
        plt.close(fig)
    return out


# --- files --------------------------------------------------------------------------------------------


@dataclass
class PackResult:
    docx: Path
    pdf: Path | None
    pdf_error: str
    data: PackData


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(docx_path: Path, timeout: int = 180) -> Path:
    """LibreOffice headless, in a private profile (several conversions may run at once)."""
    exe = soffice()
    if not exe:
        raise PdfUnavailable(
            "Không tạo được PDF: máy chủ chưa cài LibreOffice (soffice). Tệp .docx vẫn được tạo; "
            "cài bằng scripts/bootstrap.sh."
        )
    with tempfile.TemporaryDirectory(prefix="baocao-soffice-") as profile_dir:
        cmd = [
            exe, f"-env:UserInstallation=file://{profile_dir}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", str(docx_path.parent), str(docx_path),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, "HOME": profile_dir})
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"Không tạo được PDF: LibreOffice không trả lời sau {timeout} giây.") from exc
    pdf = docx_path.with_suffix(".pdf")
    if proc.returncode != 0 or not pdf.exists():
        detail = (proc.stderr or proc.stdout or "").strip()[-300:]
        raise PdfUnavailable(f"Không tạo được PDF: LibreOffice báo lỗi ({detail or proc.returncode}).")
    return pdf


def generate(period: Period | str, out: Path, *, pdf: bool = True, today: dt.date | None = None) -> PackResult:
    """Write the pack to ``out`` (.docx) and, with ``pdf``, its PDF beside it.

    Checks first (period, output path, configuration), so a bad input writes nothing.
    """
    from .document import build_docx

    out = Path(out)
    if out.suffix.lower() != ".docx":
        raise BriefingError(f"Tệp kết quả phải có đuôi .docx: {out}")
    if not out.parent.is_dir():
        raise BriefingError(f"Thư mục không tồn tại: {out.parent}")
    data = collect(period, today)
    with tempfile.TemporaryDirectory(prefix="baocao-brief-") as tmp:
        data.charts = make_charts(data, Path(tmp))
        partial = Path(tmp) / out.name
        build_docx(data, partial)
        shutil.move(str(partial), out)
    pdf_path, pdf_error = None, ""
    if pdf:
        try:
            pdf_path = convert_to_pdf(out)
        except PdfUnavailable as exc:
            pdf_error = str(exc)
    return PackResult(out, pdf_path, pdf_error, data)
