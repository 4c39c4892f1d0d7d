"""Benchmark: load 1,000,000 data values through the project's bulk path, beside a raw baseline.

    python bench/bulk_load.py              # full size: 1,000,000 rows, SQLite and PostgreSQL
    python bench/bulk_load.py --quick      # 20,000 rows
    python bench/bulk_load.py --no-postgres

For each database the benchmark builds a fresh database (SQLite: a file in a temporary directory;
PostgreSQL: a database ``bench_bulk_<pid>`` created and dropped on ``--pg-url``), migrates it,
creates the reference data it needs (63 provinces, 100 indicators of mixed value types), then:

1. loads the generated rows through ``baocao.datavalues.services.bulk_write`` (codes resolved,
   every row validated, one transaction);
2. loads the SAME rows, already in database form, into an identical empty table with the raw driver:
   sqlite3 ``executemany`` in one transaction; PostgreSQL ``COPY``.

Each half runs in its own subprocess (Django is configured once per process). Progress goes to
stdout; the last line is one JSON object with the figures. ``peak_rss_mb`` is the largest peak
resident set size of the processes (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import benchutil
from benchutil import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
FULL_ROWS = 1_000_000
QUICK_ROWS = 20_000
N_AREAS = 63
N_INDICATORS = 100
FIRST_YEAR, LAST_YEAR = 2016, 2024
# value type by indicator number (i % 10): mostly counts, as in the catalog
TYPES = ["count"] * 6 + ["money", "percent", "fraction", "density"]


def log(msg: str) -> None:
    print(msg, flush=True)




# --- deterministic data -------------------------------------------------------------------------


def period_codes() -> list[str]:
    codes: list[str] = []
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        codes += [f"{y}{m:02d}" for m in range(1, 13)]
        codes += [f"{y}Q{q}" for q in range(1, 5)]
        codes += [f"{y}S1", f"{y}S2", f"{y}"]
    return codes


def raw_values(i: int, p: int, a: int) -> tuple[Any, Any]:
    """(value, denominator) for indicator i, period p, area a: plain Python numbers/strings, as an import gives."""
    kind = TYPES[i % 10]
    h = (a * 7919 + i * 104729 + p * 31) % 100_000
    if kind == "count":
        return h * (a % 7 + 1), None
    if kind == "money":
        return h * 1_000_000 + 500_000, None
    if kind == "percent":
        return f"{h % 1000 / 10:.1f}", None
    if kind == "fraction":
        den = 100 + h % 400
        return h % den, den
    return f"{h % 20000 / 100:.2f}", None  # density per 100 inhabitants


def keys(n_rows: int) -> Iterator[tuple[int, int, int]]:
    """(indicator, period, area) indexes, indicator-major so that a batch touches few (indicator, period)."""
    n = 0
    n_periods = len(period_codes())
    for i in range(N_INDICATORS):
        for p in range(n_periods):
            for a in range(N_AREAS):
                if n >= n_rows:
                    return
                yield i, p, a
                n += 1
    raise SystemExit(f"at most {N_INDICATORS * n_periods * N_AREAS} rows")


def value_rows(n_rows: int) -> Iterator[dict[str, Any]]:
    """The input of bulk_write: codes and plain values."""
    codes = period_codes()
    ind_codes = [f"BENCH_{i:03d}" for i in range(N_INDICATORS)]
    area_uids = [f"P{a + 1:02d}" for a in range(N_AREAS)]
    for i, p, a in keys(n_rows):
        value, den = raw_values(i, p, a)
        row = {"indicator": ind_codes[i], "area": area_uids[a], "period": codes[p], "value": value}
        if den is not None:
            row["denominator"] = den
        yield row


def baseline_rows(
    n_rows: int, ind_ids: list[int], area_ids: list[int], now: Any, sqlite: bool, user_id: int | None = None,
    source: str = "demo",
) -> Iterator[tuple]:
    """The same rows as ``value_rows``, already in database form (ids resolved, period columns filled);
    ``user_id`` and ``source`` as the load being compared writes them."""
    from baocao.periods.services import parse_period

    periods = []
    for code in period_codes():
        per = parse_period(code)
        start, end = (per.start.isoformat(), per.end.isoformat()) if sqlite else (per.start, per.end)
        periods.append((code, per.type, start, end))
    for i, p, a in keys(n_rows):
        value, den = raw_values(i, p, a)
        code, ptype, start, end = periods[p]
        num = value if den is not None else None
        yield (area_ids[a], ind_ids[i], code, ptype, start, end, "", value, num, den, "exact", "", source,
               None, None, 1, now, user_id, now, user_id)


# --- one database -------------------------------------------------------------------------------


def make_reference() -> tuple[list[int], list[int]]:
    """63 provinces and 100 indicators, created directly (the bench does not depend on the fixtures)."""
    from baocao.catalog.models import Domain, Indicator
    from baocao.geo.models import AdminArea

    dom = Domain.objects.create(code="BENCH", name="Chỉ tiêu thử nghiệm", name_en="Benchmark", order=99)
    inds = []
    for i in range(N_INDICATORS):
        kind = TYPES[i % 10]
        inds.append(Indicator(
            code=f"BENCH_{i:03d}", name=f"Chỉ tiêu thử nghiệm {i}", name_en=f"Benchmark indicator {i}", domain=dom,
            unit="%" if kind == "percent" else "đơn vị", value_type=kind,
            agg_space="ratio_of_sums" if kind == "fraction" else "sum", agg_time="stock",
            min_value=0 if kind == "percent" else None, max_value=100 if kind == "percent" else None,
        ))
    Indicator.objects.bulk_create(inds)
    for a in range(N_AREAS):
        AdminArea(uid=f"P{a + 1:02d}", code=f"{a + 1:02d}", name=f"Tỉnh {a + 1}", level="province",
                  valid_to=dt.date(2025, 6, 30)).save()
    ind_ids = [dict(Indicator.objects.values_list("code", "id"))[f"BENCH_{i:03d}"] for i in range(N_INDICATORS)]
    area_map = dict(AdminArea.objects.values_list("uid", "id"))
    return ind_ids, [area_map[f"P{a + 1:02d}"] for a in range(N_AREAS)]


def run_bulk(n_rows: int, batch_size: int) -> float:
    from baocao.datavalues.models import DataValue
    from baocao.datavalues.services import bulk_write

    step = max(n_rows // 10, 1)
    marks = {"next": step}

    def progress(done: int, res: Any) -> None:
        if done >= marks["next"]:
            log(f"  bulk_write: {done:,} rows ({peak_rss_mb()} MB peak)")
            marks["next"] += step

    t0 = time.perf_counter()
    res = bulk_write(value_rows(n_rows), source="demo", batch_size=batch_size, progress=progress)
    elapsed = time.perf_counter() - t0
    assert res.created == n_rows and not res.errors, res
    assert DataValue.objects.count() == n_rows
    return elapsed


def worker_sqlite(n_rows: int, batch_size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench_bulk_") as tmp:
        os.environ.pop("DATABASE_URL", None)
        os.environ["BAOCAO_DATA_DIR"] = tmp
        os.environ["DJANGO_SETTINGS_MODULE"] = "baocao.settings"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        log(f"SQLite: {tmp}/baocao.sqlite3 — migrate")
        call_command("migrate", verbosity=0)
        ind_ids, area_ids = make_reference()
        log(f"SQLite: bulk_write of {n_rows:,} rows")
        t_bulk = run_bulk(n_rows, batch_size)
        log(f"SQLite: bulk_write {t_bulk:.1f} s, {n_rows / t_bulk:,.0f} values/s")

        # identical empty table, same indexes and foreign keys, same connection settings
        connection.ensure_connection()
        raw = connection.connection
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        ddl = raw.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'datavalues_datavalue' AND sql IS NOT NULL"
        ).fetchall()
        for kind, sql in sorted(ddl, key=lambda r: r[0] != "table"):
            sql = sql.replace('"datavalues_datavalue"', '"bench_baseline"')
            if kind == "index":
                sql = sql.replace('INDEX "', 'INDEX "bl_', 1)
            raw.execute(sql)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cols = ("area_id, indicator_id, period, period_type, period_start, period_end, disagg, value, numerator,"
                " denominator, qualifier, comment, source, provenance, reporter_id, version, created_at,"
                " created_by_id, updated_at, updated_by_id")
        log(f"SQLite: raw executemany of {n_rows:,} rows")
        t0 = time.perf_counter()
        raw.execute("BEGIN")
        raw.executemany(f"INSERT INTO bench_baseline ({cols}) VALUES ({', '.join(['?'] * 20)})",
                        baseline_rows(n_rows, ind_ids, area_ids, now, sqlite=True))
        raw.execute("COMMIT")
        t_raw = time.perf_counter() - t0
        assert raw.execute("SELECT COUNT(*) FROM bench_baseline").fetchone()[0] == n_rows
        log(f"SQLite: raw executemany {t_raw:.1f} s, {n_rows / t_raw:,.0f} values/s")
        connection.close()
    return {"values_per_s": round(n_rows / t_bulk), "baseline_per_s": round(n_rows / t_raw), "peak_rss_mb": peak_rss_mb()}


def worker_postgres(n_rows: int, batch_size: int, pg_url: str) -> dict[str, Any]:
    import psycopg

    name = f"bench_bulk_{os.getpid()}"
    admin_url = pg_url.rstrip("/") + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    data_dir = tempfile.TemporaryDirectory(prefix="bench_bulk_")
    try:
        os.environ["DATABASE_URL"] = pg_url.rstrip("/") + "/" + name
        os.environ["DJANGO_SETTINGS_MODULE"] = "baocao.settings"
        os.environ["BAOCAO_DATA_DIR"] = data_dir.name
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        log(f"PostgreSQL: database {name} — migrate")
        call_command("migrate", verbosity=0)
        ind_ids, area_ids = make_reference()
        log(f"PostgreSQL: bulk_write of {n_rows:,} rows")
        t_bulk = run_bulk(n_rows, batch_size)
        log(f"PostgreSQL: bulk_write {t_bulk:.1f} s, {n_rows / t_bulk:,.0f} values/s")

        connection.ensure_connection()
        raw = connection.connection
        raw.autocommit = True
        raw.execute("CREATE TABLE bench_baseline (LIKE datavalues_datavalue INCLUDING ALL)")
        fks = raw.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'datavalues_datavalue'::regclass AND contype = 'f'"
        ).fetchall()
        for conname, condef in fks:
            raw.execute(f'ALTER TABLE bench_baseline ADD CONSTRAINT "{("bl_" + conname)[:63]}" {condef}')
        raw.execute("VACUUM ANALYZE")
        raw.autocommit = False
        now = timezone.now()
        cols = ("area_id, indicator_id, period, period_type, period_start, period_end, disagg, value, numerator,"
                " denominator, qualifier, comment, source, provenance, reporter_id, version, created_at,"
                " created_by_id, updated_at, updated_by_id")
        log(f"PostgreSQL: raw COPY of {n_rows:,} rows")
        t0 = time.perf_counter()
        with raw.cursor() as cur:
            with cur.copy(f"COPY bench_baseline ({cols}) FROM STDIN") as cp:
                write = cp.write_row
                for t in baseline_rows(n_rows, ind_ids, area_ids, now, sqlite=False):
                    write(t)
        raw.commit()
        t_raw = time.perf_counter() - t0
        with raw.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM bench_baseline")
            assert cur.fetchone()[0] == n_rows
        log(f"PostgreSQL: raw COPY {t_raw:.1f} s, {n_rows / t_raw:,.0f} values/s")
        connection.close()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        data_dir.cleanup()
    return {"values_per_s": round(n_rows / t_bulk), "baseline_per_s": round(n_rows / t_raw), "peak_rss_mb": peak_rss_mb()}


# --- driver -------------------------------------------------------------------------------------


def run_worker(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", kind, "--rows", str(args.rows), "--batch-size", str(args.batch_size),
           "--pg-url", args.pg_url]
    return benchutil.run_worker(cmd, kind, ROOT)


def check_postgres(pg_url: str) -> None:
    import psycopg

    try:
        psycopg.connect(pg_url.rstrip("/") + "/postgres", connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"PostgreSQL is not reachable at {pg_url} ({exc}).\n"
            "Start it, pass --pg-url, or run with --no-postgres (postgres figures are then null)."
        ) from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows instead of {FULL_ROWS:,}")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows is None:
        args.rows = QUICK_ROWS if args.quick else FULL_ROWS
    sys.path.insert(0, str(ROOT))

    if args.worker == "sqlite":
        print(json.dumps(worker_sqlite(args.rows, args.batch_size)))
        return
    if args.worker == "postgres":
        print(json.dumps(worker_postgres(args.rows, args.batch_size, args.pg_url)))
        return

    if not args.no_postgres:
        check_postgres(args.pg_url)
    log(f"bulk_load: {args.rows:,} rows, batch size {args.batch_size:,}")
    sq = run_worker("sqlite", args)
    pg = None if args.no_postgres else run_worker("postgres", args)
    figures = {
        "rows": args.rows,
        "sqlite_values_per_s": sq["values_per_s"],
        "sqlite_baseline_per_s": sq["baseline_per_s"],
        "sqlite_ratio": round(sq["values_per_s"] / sq["baseline_per_s"], 3),
        "postgres_values_per_s": pg["values_per_s"] if pg else None,
        "postgres_baseline_per_s": pg["baseline_per_s"] if pg else None,
        "postgres_ratio": round(pg["values_per_s"] / pg["baseline_per_s"], 3) if pg else None,
        "peak_rss_mb": max([sq["peak_rss_mb"], peak_rss_mb()] + ([pg["peak_rss_mb"]] if pg else [])),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
