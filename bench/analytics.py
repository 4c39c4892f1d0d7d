"""Benchmark: analytics over 10,000,000 data values on SQLite and PostgreSQL.

    python bench/analytics.py              # full size: 10,000,000 values per database
    python bench/analytics.py --quick      # 200,000 values
    python bench/analytics.py --no-postgres

For each database the benchmark builds a throwaway database (SQLite: a file in a temporary directory;
PostgreSQL: a database ``bench_analytics_<pid>`` created and dropped on ``--pg-url``), migrates it,
loads the real reference data (catalog, the 63 + 34 provinces, report forms, targets), then writes
the values with the raw driver (``executemany`` / ``COPY``, indexes dropped during the load and
rebuilt after, as ``bench/bulk_load.py`` measures the raw path): every catalog indicator plus
generated ``BENCH_*`` indicators, monthly, quarterly, half-yearly and yearly values 2016–2025 for
the provinces valid at the end of each period (63 before 01/07/2025, 34 after), and accepted /
submitted / draft reports for every quarter, so that the accepted-data rule is exercised.

It then measures, through ``baocao.analytics.services`` on a warm connection:

(a) ``series`` of the national value of TEL_SUBS_TOTAL (sum) over the 40 quarters 2016Q1–2025Q4
    (63 provinces before the reform, 34 after): p50 of ``--repeat`` runs; also a ratio-of-sums one;
(b) ``ranking`` of the 34 provinces for 2025Q4: p50;
(c) the national overview page ``/phan-tich/?ky=2025Q4`` over real HTTP: gunicorn (4 sync workers)
    started on the generated database, 20 concurrent clients on loopback, logged in with a session
    cookie: p95 of ``--requests`` requests. The page's table is cached under the data stamp
    (``baocao.analytics.cache``), and the data do not change during this run; so (c) is then run again
    while the bench changes one value twice a second (``overview_writes_*``): every change is a new
    stamp and the page is recomputed.

Progress goes to stdout; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import benchutil
from benchutil import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
FULL_ROWS = 10_000_000
QUICK_ROWS = 200_000
FIRST_YEAR, LAST_YEAR = 2016, 2025
CLIENTS = 20
FIRST = ["TEL_SUBS_TOTAL", "LGSP_NDXP_CONNECTED", "INFOSEC_4LAYER_DEPLOYED", "DVC_DOSSIERS_ONLINE_SHARE"]
COLS = (
    "area_id, indicator_id, period, period_type, period_start, period_end, disagg, value, numerator,"
    " denominator, qualifier, comment, source, provenance, reporter_id, version, created_at,"
    " created_by_id, updated_at, updated_by_id"
)


def log(msg: str) -> None:
    print(msg, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[k], 2)


# --- data ---------------------------------------------------------------------------------------


def all_periods() -> list[Any]:
    from baocao.periods.services import Period

    out = []
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        out += [Period("month", y, m) for m in range(1, 13)]
        out += [Period("quarter", y, q) for q in range(1, 5)]
        out += [Period("half_year", y, h) for h in (1, 2)]
        out.append(Period("year", y, 1))
    return out


def setup_reference(n_rows: int) -> dict[str, Any]:
    """Reference data, the indicators to fill (real ones first, then BENCH_*) and the provinces per period."""
    from baocao.analytics.services import load_analytics
    from baocao.catalog.models import Domain, Indicator
    from baocao.core.reference import load_reference
    from baocao.geo.models import AdminArea

    load_reference(communes=False, verbosity=0)
    load_analytics()
    periods = all_periods()
    provinces = list(AdminArea.objects.provinces())
    by_period = [
        [p.id for p in provinces if p.is_valid_on(per.end)] for per in periods
    ]
    per_indicator = sum(len(ids) for ids in by_period)
    real = list(Indicator.objects.all())
    real.sort(key=lambda i: (i.code not in FIRST, FIRST.index(i.code) if i.code in FIRST else 0, not hasattr(i, "key_indicator"), i.code))
    needed = -(-n_rows // per_indicator)
    if needed > len(real):
        dom = Domain.objects.create(code="bench", name="Chỉ tiêu thử nghiệm", name_en="Benchmark", order=99)
        Indicator.objects.bulk_create(
            Indicator(code=f"BENCH_{i:04d}", name=f"Chỉ tiêu thử nghiệm {i}", name_en=f"Benchmark {i}", domain=dom,
                      unit="đơn vị", value_type="count", agg_space="sum", agg_time="stock", search_text="")
            for i in range(needed - len(real))
        )
        real += list(Indicator.objects.filter(code__startswith="BENCH_").order_by("code"))
    return {"periods": periods, "by_period": by_period, "indicators": real[:needed], "per_indicator": per_indicator}


def _value(ind: Any, h: int) -> tuple[Any, Any, Any]:
    """(value, numerator, denominator) as strings/ints for one indicator and a hash."""
    if ind.agg_space == "ratio_of_sums" or ind.value_type == "fraction":
        den = 100 + h % 900
        num = h % den
        if ind.value_type == "fraction":
            return num, num, den
        scale = 100 if ind.value_type in ("percent", "density") else 1
        return f"{num * scale / den:.4f}", num, den
    if ind.value_type == "boolean":
        return h % 3 != 0 and 1 or 0, None, None
    if ind.value_type in ("percent", "density") or ind.agg_space == "weighted_mean":
        return f"{h % 10000 / 100:.2f}", None, None
    if ind.agg_space == "none":
        return f"{h % 1000 / 10:.1f}", None, None
    return h * 37 + 1000, None, None


def rows(ref: dict[str, Any], n_rows: int, now: Any, sqlite: bool) -> Iterator[tuple]:
    periods = [
        (p.code, p.type, p.start.isoformat() if sqlite else p.start, p.end.isoformat() if sqlite else p.end)
        for p in ref["periods"]
    ]
    n = 0
    for ind in ref["indicators"]:
        for k, (code, ptype, start, end) in enumerate(periods):
            for a in ref["by_period"][k]:
                if n >= n_rows:
                    return
                h = (a * 7919 + ind.id * 104729 + k * 31) % 100_003
                value, num, den = _value(ind, h)
                yield (a, ind.id, code, ptype, start, end, "", value, num, den, "exact", "", "demo",
                       None, None, 1, now, None, now, None)
                n += 1


def make_reports(ref: dict[str, Any]) -> int:
    """Quarterly reports for every province and quarter: accepted, except the last quarter where a
    few are submitted or drafts (their values must not count by default)."""
    from baocao.reporting.models import ReportForm, Submission
    from baocao.reporting.services import version_for

    form = ReportForm.objects.get(code="ICT-Q")
    subs = []
    quarters = [(k, p) for k, p in enumerate(ref["periods"]) if p.type == "quarter"]
    for k, per in quarters:
        version = version_for(form, per)
        for j, a in enumerate(ref["by_period"][k]):
            state = "accepted"
            if per.code == f"{LAST_YEAR}Q4":
                state = "submitted" if j % 10 == 1 else "draft" if j % 10 == 2 else "accepted"
            subs.append(Submission(form=form, version=version, area_id=a, period=per.code, period_type="quarter",
                                   period_start=per.start, period_end=per.end, state=state))
    Submission.objects.bulk_create(subs, batch_size=1000)
    return len(subs)


def load_values(ref: dict[str, Any], n_rows: int, vendor: str) -> float:
    """Drop the value table's indexes, write the rows with the raw driver, rebuild the indexes."""
    from django.db import connection
    from django.utils import timezone

    connection.ensure_connection()
    raw = connection.connection
    t0 = time.perf_counter()
    if vendor == "sqlite":
        ddl = raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'datavalues_datavalue'"
            " AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in ddl:
            raw.execute(f'DROP INDEX "{name}"')
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        raw.execute("BEGIN")
        raw.executemany(f"INSERT INTO datavalues_datavalue ({COLS}) VALUES ({', '.join(['?'] * 20)})",
                        rows(ref, n_rows, now, sqlite=True))
        raw.execute("COMMIT")
        log(f"  rows written in {time.perf_counter() - t0:.0f} s; rebuilding {len(ddl)} indexes")
        for _, sql in ddl:
            raw.execute(sql)
        raw.execute("ANALYZE")
    else:
        raw.autocommit = True
        idx = raw.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'datavalues_datavalue'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'datavalues_datavalue'::regclass)"
        ).fetchall()
        cons = raw.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'datavalues_datavalue'::regclass AND contype IN ('u', 'f')"
        ).fetchall()
        for name, _ in cons:
            raw.execute(f'ALTER TABLE datavalues_datavalue DROP CONSTRAINT "{name}"')
        for name, _ in idx:
            raw.execute(f'DROP INDEX "{name}"')
        raw.autocommit = False
        now = timezone.now()
        with raw.cursor() as cur, cur.copy(f"COPY datavalues_datavalue ({COLS}) FROM STDIN") as cp:
            for t in rows(ref, n_rows, now, sqlite=False):
                cp.write_row(t)
        raw.commit()
        raw.autocommit = True
        log(f"  rows written in {time.perf_counter() - t0:.0f} s; rebuilding {len(idx)} indexes, {len(cons)} constraints")
        raw.execute("SET maintenance_work_mem = '256MB'")
        for _, sql in idx:
            raw.execute(sql)
        for name, condef in cons:
            raw.execute(f'ALTER TABLE datavalues_datavalue ADD CONSTRAINT "{name}" {condef}')
        raw.execute("VACUUM ANALYZE datavalues_datavalue")
    return time.perf_counter() - t0


def measure_queries(repeat: int) -> dict[str, float]:
    from django.db import reset_queries

    from baocao.analytics import services as s
    from baocao.periods.services import Period

    quarters = [Period("quarter", y, q) for y in range(FIRST_YEAR, LAST_YEAR + 1) for q in range(1, 5)]
    assert len(quarters) == 40

    def timed(fn) -> list[float]:
        fn()  # warm (connection, catalog rows)
        out = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
            reset_queries()
        return out

    agg = timed(lambda: s.series("TEL_SUBS_TOTAL", periods=quarters))
    points = s.series("TEL_SUBS_TOTAL", periods=quarters)
    assert all(p.value is not None for p in points[:-1]), points
    ratio = timed(lambda: s.series("DVC_DOSSIERS_ONLINE_SHARE", periods=quarters))
    rank = timed(lambda: s.ranking("TEL_SUBS_TOTAL", f"{LAST_YEAR}Q4"))
    ranked = s.ranking("TEL_SUBS_TOTAL", f"{LAST_YEAR}Q4")
    assert len(ranked) == 34, len(ranked)
    # the last quarter has submitted and draft reports: those provinces are unranked by default
    assert sum(r.value is None for r in ranked) > 0
    assert sum(r.value is None for r in s.ranking("TEL_SUBS_TOTAL", f"{LAST_YEAR}Q4", include_submitted=True)) < sum(
        r.value is None for r in ranked
    )
    overview = timed(lambda: s.overview(f"{LAST_YEAR}Q4"))
    return {
        "aggregate_p50_ms": pct(agg, 0.5),
        "aggregate_ratio_p50_ms": pct(ratio, 0.5),
        "ranking_p50_ms": pct(rank, 0.5),
        "overview_call_p50_ms": pct(overview, 0.5),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clients(url: str, headers: dict[str, str], n_requests: int) -> dict[str, float]:
    """``CLIENTS`` threads requesting ``url`` until ``n_requests`` are done: p95, p50, requests/s."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_client = max(1, n_requests // CLIENTS)

    def client() -> None:
        for _ in range(per_client):
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as r:
                    r.read()
                    ok = r.status == 200
            except OSError as exc:
                ok = False
                with lock:
                    errors.append(str(exc))
            ms = (time.perf_counter() - t0) * 1000
            if ok:
                with lock:
                    latencies.append(ms)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"{len(errors)} overview requests failed, e.g. {errors[0]}")
    return {"overview_p95_ms": pct(latencies, 0.95), "overview_p50_ms": pct(latencies, 0.5),
            "overview_rps": round(len(latencies) / wall, 1)}


def measure_overview_http(n_requests: int, env: dict[str, str]) -> dict[str, float]:
    """gunicorn on the generated database; 20 concurrent logged-in clients on loopback; p95 latency."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from baocao.accounts.models import Profile

    user = get_user_model().objects.create_user("bench.bo", password="Bench@2026-x")
    Profile.objects.update_or_create(user=user, defaults={"role": "ministry_officer"})
    login = Client()
    login.force_login(user)  # a database session, as the server reads it
    session_key = login.cookies["sessionid"].value
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "baocao.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "4", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}/phan-tich/?ky={LAST_YEAR}Q4"
    headers = {"Cookie": f"sessionid={session_key}", "Host": "127.0.0.1"}
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
                    body = r.read().decode()
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer: " + (server.stderr.read() if server.poll() is not None else ""))
        assert "TEL_SUBS_TOTAL" in body or "thuê bao" in body, body[:500]
        for _ in range(CLIENTS):  # warm every worker
            urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30).read()
        out = _clients(url, headers, n_requests)
        # The same again while a value changes twice a second (a correction somewhere in the country):
        # every change makes a new data stamp, so the cached page is recomputed (baocao.analytics.cache).
        stop = threading.Event()
        writes = [0]

        def writer() -> None:
            from django.db import connection

            from baocao.datavalues.services import set_value
            from baocao.geo.models import AdminArea

            area = AdminArea.objects.filter(level="province").valid_on(dt.date(LAST_YEAR, 12, 31)).order_by("code").first()
            k = 0
            while not stop.is_set():
                k += 1
                set_value(area=area, indicator="TEL_SUBS_TOTAL", period=f"{LAST_YEAR}Q4",
                          value=1_000_000 + k, source="import")
                writes[0] += 1
                stop.wait(0.5)
            connection.close()

        w = threading.Thread(target=writer)
        t0 = time.perf_counter()
        w.start()
        try:
            busy = _clients(url, headers, n_requests)
        finally:
            stop.set()
            w.join()
        out.update({"overview_writes_" + k.removeprefix("overview_"): v for k, v in busy.items()},
                   writes_per_s=round(writes[0] / (time.perf_counter() - t0), 1))
        return out
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def worker(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    data_dir = tempfile.TemporaryDirectory(prefix="bench_analytics_")
    pg_name = f"bench_analytics_{os.getpid()}"
    admin_url = args.pg_url.rstrip("/") + "/postgres"
    env_extra = {"BAOCAO_DATA_DIR": data_dir.name, "DJANGO_SETTINGS_MODULE": "baocao.settings",
                 "BAOCAO_DEBUG": "0", "BAOCAO_SECRET_KEY": "bench-only-" + "x" * 40}
    if kind == "postgres":
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}"')
            admin.execute(f'CREATE DATABASE "{pg_name}"')
        env_extra["DATABASE_URL"] = args.pg_url.rstrip("/") + "/" + pg_name
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.update(env_extra)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        log(f"{kind}: migrate and reference data")
        call_command("migrate", verbosity=0)
        ref = setup_reference(args.rows)
        log(f"{kind}: {args.rows:,} values ({len(ref['indicators'])} indicators × {ref['per_indicator']:,})")
        seconds = load_values(ref, args.rows, connection.vendor)
        reports = make_reports(ref)
        log(f"{kind}: values loaded in {seconds:.0f} s; {reports:,} reports")
        connection.close()
        figures = measure_queries(args.repeat)
        log(f"{kind}: {figures}")
        env = {**os.environ, **env_extra, "PYTHONPATH": str(ROOT)}
        if not args.no_http:
            http = measure_overview_http(args.requests, env)
            log(f"{kind}: overview over HTTP {http}")
            figures.update(http)
        connection.close()
        figures.update(seconds=round(seconds, 1), peak_rss_mb=peak_rss_mb())
        return figures
    finally:
        if kind == "postgres":
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        data_dir.cleanup()


def run_worker(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", kind, "--rows", str(args.rows), "--repeat", str(args.repeat),
           "--requests", str(args.requests), "--pg-url", args.pg_url] + (["--no-http"] if args.no_http else [])
    return benchutil.run_worker(cmd, kind, ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} values instead of {FULL_ROWS:,}")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=30, help="runs per query for the p50")
    parser.add_argument("--requests", type=int, default=400, help="overview requests over HTTP")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-http", action="store_true", help="skip (c), the page over HTTP")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows is None:
        args.rows = QUICK_ROWS if args.quick else FULL_ROWS
    if args.quick:
        args.repeat, args.requests = min(args.repeat, 10), min(args.requests, 100)
    sys.path.insert(0, str(ROOT))
    if args.worker:
        print(json.dumps(worker(args.worker, args)))
        return
    log(f"analytics: {args.rows:,} values per database")
    t0 = time.perf_counter()
    sq = run_worker("sqlite", args)
    pg = None if args.no_postgres else run_worker("postgres", args)
    overview = [x.get("overview_p95_ms") for x in (sq, pg) if x and x.get("overview_p95_ms") is not None]
    figures = {
        "rows": args.rows,
        "sqlite_aggregate_p50_ms": sq["aggregate_p50_ms"],
        "sqlite_ranking_p50_ms": sq["ranking_p50_ms"],
        "postgres_aggregate_p50_ms": pg["aggregate_p50_ms"] if pg else None,
        "postgres_ranking_p50_ms": pg["ranking_p50_ms"] if pg else None,
        "overview_p95_ms": max(overview) if overview else None,
        "sqlite_overview_p95_ms": sq.get("overview_p95_ms"),
        "postgres_overview_p95_ms": pg.get("overview_p95_ms") if pg else None,
        "sqlite_overview_writes_p95_ms": sq.get("overview_writes_p95_ms"),
        "postgres_overview_writes_p95_ms": pg.get("overview_writes_p95_ms") if pg else None,
        "sqlite_aggregate_ratio_p50_ms": sq["aggregate_ratio_p50_ms"],
        "postgres_aggregate_ratio_p50_ms": pg["aggregate_ratio_p50_ms"] if pg else None,
        "sqlite_overview_call_p50_ms": sq["overview_call_p50_ms"],
        "postgres_overview_call_p50_ms": pg["overview_call_p50_ms"] if pg else None,
        "sqlite_generate_s": sq["seconds"],
        "postgres_generate_s": pg["seconds"] if pg else None,
        "total_s": round(time.perf_counter() - t0, 1),
        "peak_rss_mb": max([sq["peak_rss_mb"], peak_rss_mb()] + ([pg["peak_rss_mb"]] if pg else [])),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
