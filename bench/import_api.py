"""Benchmark: import a 1,000,000-value DHIS2 dataValueSet through the HTTP API, as JSON and as CSV,
into SQLite and PostgreSQL, beside a raw-insert baseline, with the server's peak memory.

    python bench/import_api.py              # 1,000,000 values, SQLite and PostgreSQL
    python bench/import_api.py --quick      # 20,000 values
    python bench/import_api.py --no-postgres

For each database a worker subprocess builds a fresh database (SQLite: a file in a temporary
directory; PostgreSQL: ``bench_import_<pid>``, created and dropped), migrates it, creates the
reference data of ``bench/bulk_load.py`` (63 provinces, 100 indicators of mixed value types) and an
administrator with an API token, and writes the values to a JSON and a CSV file (same deterministic
values as ``bulk_load.py``). It then starts the real WSGI application (``baocao.wsgi``) under the
standard library's ``wsgiref`` server on 127.0.0.1 in another subprocess and uploads each file with
``http.client`` in 64 KB blocks (``POST /api/v1/dataValueSets``, ``Content-Length`` set, the body
streamed from disk). The timed span is the whole request: upload, parse, validation, scope and lock
checks, the write, the commit and the importSummary. Between the two uploads the value table is
emptied (PostgreSQL: ``TRUNCATE``, so no dead tuples are left), so both are 1,000,000 new values. The baseline inserts the same rows, already in database
form, into an identical table with the raw driver (sqlite3 ``executemany``; PostgreSQL ``COPY``).

Before the timed uploads the server gets one small dry-run import of each format (not timed), so that
the figures do not include its first-request costs.

``peak_rss_mb`` is the server process's peak resident set (``VmHWM``), the figure that matters for
"a 200 MB upload never sits in memory". Because the machine may be shared, the figures are also given
as ratios to the raw baseline of the same run (``*_ratio``), and for SQLite the CPU seconds of the
server during each upload beside those of the baseline (``*_cpu_s``). The last line is one JSON
object with the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchutil  # noqa: E402
import bulk_load  # noqa: E402 - the same deterministic data and reference as the bulk benchmark

FULL_ROWS = 1_000_000
QUICK_ROWS = 20_000
COLS = (
    "area_id, indicator_id, period, period_type, period_start, period_end, disagg, value, numerator,"
    " denominator, qualifier, comment, source, provenance, reporter_id, version, created_at,"
    " created_by_id, updated_at, updated_by_id"
)


def log(msg: str) -> None:
    print(msg, flush=True)


# --- files ----------------------------------------------------------------------------------------


def write_files(n_rows: int, directory: str) -> tuple[str, str]:
    """The values as a DHIS2 JSON and a DHIS2 CSV dataValueSet (written streaming)."""
    jpath, cpath = os.path.join(directory, "values.json"), os.path.join(directory, "values.csv")
    with open(jpath, "w", encoding="utf-8") as jf, open(cpath, "w", encoding="utf-8") as cf:
        jf.write('{"dataValues":[\n')
        cf.write("dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup,numerator,denominator\n")
        first = True
        for row in bulk_load.value_rows(n_rows):
            den = row.get("denominator")
            value = row["value"]
            d = {"dataElement": row["indicator"], "period": row["period"], "orgUnit": row["area"],
                 "categoryOptionCombo": "default", "attributeOptionCombo": "default", "value": str(value)}
            if den is not None:
                d["denominator"] = str(den)
            jf.write(("" if first else ",\n") + json.dumps(d, separators=(",", ":")))
            first = False
            cf.write(f"{row['indicator']},{row['period']},{row['area']},default,default,{value},,,,false,,{'' if den is None else den}\n")
        jf.write("\n]}\n")
    return jpath, cpath


# --- the server -----------------------------------------------------------------------------------


def serve(port: int) -> None:
    """Run the WSGI application on 127.0.0.1:``port`` (wsgiref, one request at a time)."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from baocao.wsgi import application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    with make_server("127.0.0.1", port, application, handler_class=Quiet) as httpd:
        httpd.serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (from /proc; the machine may be shared and busy)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_hwm_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=env, cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}") from None
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def upload(port: int, path: str, ctype: str, token: str, query: str = "") -> tuple[float, dict[str, Any]]:
    size = os.path.getsize(path)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=7200, blocksize=64 * 1024)
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        conn.request("POST", "/api/v1/dataValueSets" + query, body=f, headers={
            "Content-Type": ctype, "Content-Length": str(size), "Authorization": f"Bearer {token}",
        })
        resp = conn.getresponse()
        body = resp.read()
    elapsed = time.perf_counter() - t0
    conn.close()
    if resp.status != 200:
        raise SystemExit(f"upload failed: HTTP {resp.status}: {body[:2000]!r}")
    return elapsed, json.loads(body)


# --- one database ---------------------------------------------------------------------------------


def prepare(env_db: dict[str, str]) -> tuple[list[int], list[int], str]:
    os.environ.update(env_db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "baocao.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from baocao.api.services import create_token

    call_command("migrate", verbosity=0)
    ind_ids, area_ids = bulk_load.make_reference()
    admin = get_user_model().objects.create_superuser("bench", "bench@example.vn", "x")
    return ind_ids, area_ids, create_token(admin, "bench").secret


def empty_values() -> None:
    from django.db import connection, transaction

    from baocao.datavalues.models import DataValue, DataValueHistory

    tables = (DataValueHistory._meta.db_table, DataValue._meta.db_table)
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"TRUNCATE {', '.join(tables)}")  # no dead tuples left for the next upload
        else:
            for table in tables:
                cur.execute(f"DELETE FROM {table}")
    connection.close()


def run_imports(n_rows: int, tmp: str, token: str, label: str) -> dict[str, Any]:
    from django.db import connection

    from baocao.datavalues.models import DataValue

    log(f"{label}: writing {n_rows:,} values as JSON and CSV")
    jpath, cpath = write_files(n_rows, tmp)
    log(f"{label}: files {os.path.getsize(jpath) / 1e6:.1f} MB (JSON), {os.path.getsize(cpath) / 1e6:.1f} MB (CSV)")
    connection.close()
    env = dict(os.environ, BAOCAO_DEBUG="0", BAOCAO_IMPORT_MAX_BYTES=str(2 * 1024**3))
    server, port = start_server(env)
    out: dict[str, Any] = {}
    try:
        # Warm-up, not timed: one small dry-run import of each format, so that the timed requests do not
        # include the server's first-request costs (imports of the API modules, URL resolver, ...).
        warm = os.path.join(tmp, "warm")
        os.makedirs(warm, exist_ok=True)
        write_files(50, warm)
        for fmt, ctype in (("json", "application/json"), ("csv", "text/csv")):
            upload(port, os.path.join(warm, f"values.{fmt}"), ctype, token, "?dryRun=true")
        for fmt, path, ctype in (("json", jpath, "application/json"), ("csv", cpath, "text/csv")):
            empty_values()
            log(f"{label}: POST {fmt.upper()} to 127.0.0.1:{port}")
            cpu0 = cpu_seconds(server.pid)
            elapsed, summary = upload(port, path, ctype, token)
            cpu = cpu_seconds(server.pid) - cpu0
            count = summary["importCount"]
            assert summary["status"] == "SUCCESS" and count["imported"] == n_rows, summary
            assert DataValue.objects.count() == n_rows
            connection.close()
            out[f"{fmt}_values_per_s"] = round(n_rows / elapsed)
            out[f"{fmt}_seconds"] = round(elapsed, 2)
            out[f"{fmt}_server_cpu_s"] = round(cpu, 2)
            log(f"{label}: {fmt.upper()} {elapsed:.1f} s, {n_rows / elapsed:,.0f} values/s, server CPU {cpu:.1f} s,"
                f" server peak {vm_hwm_mb(server.pid)} MB")
        out["peak_rss_mb"] = vm_hwm_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out


def baseline_sqlite(n_rows: int, ind_ids: list[int], area_ids: list[int]) -> float:
    from django.db import connection
    from django.utils import timezone

    connection.ensure_connection()
    raw = connection.connection
    ddl = raw.execute(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'datavalues_datavalue' AND sql IS NOT NULL"
    ).fetchall()
    for kind, sql in sorted(ddl, key=lambda r: r[0] != "table"):
        sql = sql.replace('"datavalues_datavalue"', '"bench_baseline"')
        if kind == "index":
            sql = sql.replace('INDEX "', 'INDEX "bl_', 1)
        raw.execute(sql)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = _bench_user_id()
    t0 = time.perf_counter()
    c0 = time.process_time()
    raw.execute("BEGIN")
    raw.executemany(f"INSERT INTO bench_baseline ({COLS}) VALUES ({', '.join(['?'] * 20)})",
                    bulk_load.baseline_rows(n_rows, ind_ids, area_ids, now, sqlite=True,
                                           user_id=user_id, source="api"))
    raw.execute("COMMIT")
    return time.perf_counter() - t0, time.process_time() - c0


def _bench_user_id() -> int:
    """The importing administrator: the baseline rows carry the same user columns as the imported ones."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="bench").pk


def baseline_postgres(n_rows: int, ind_ids: list[int], area_ids: list[int]) -> float:
    from django.db import connection
    from django.utils import timezone

    user_id = _bench_user_id()

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
    raw.autocommit = False
    now = timezone.now()
    t0 = time.perf_counter()
    with raw.cursor() as cur, cur.copy(f"COPY bench_baseline ({COLS}) FROM STDIN") as cp:
        for t in bulk_load.baseline_rows(n_rows, ind_ids, area_ids, now, sqlite=False, user_id=user_id, source="api"):
            cp.write_row(t)
    raw.commit()
    return time.perf_counter() - t0


def worker_sqlite(n_rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        os.environ.pop("DATABASE_URL", None)
        log(f"SQLite: {tmp}/baocao.sqlite3 — migrate")
        ind_ids, area_ids, token = prepare({"BAOCAO_DATA_DIR": tmp})
        out = run_imports(n_rows, tmp, token, "SQLite")
        log("SQLite: raw executemany baseline")
        t_raw, cpu_raw = baseline_sqlite(n_rows, ind_ids, area_ids)
        out["baseline_per_s"] = round(n_rows / t_raw)
        out["baseline_cpu_s"] = round(cpu_raw, 2)
        log(f"SQLite: baseline {t_raw:.1f} s, {n_rows / t_raw:,.0f} values/s, CPU {cpu_raw:.1f} s")
    return out


def worker_postgres(n_rows: int, pg_url: str) -> dict[str, Any]:
    import psycopg

    name = f"bench_import_{os.getpid()}"
    admin_url = pg_url.rstrip("/") + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
            log(f"PostgreSQL: database {name} — migrate")
            ind_ids, area_ids, token = prepare({"DATABASE_URL": pg_url.rstrip("/") + "/" + name, "BAOCAO_DATA_DIR": tmp})
            out = run_imports(n_rows, tmp, token, "PostgreSQL")
            log("PostgreSQL: raw COPY baseline")
            t_raw = baseline_postgres(n_rows, ind_ids, area_ids)
            out["baseline_per_s"] = round(n_rows / t_raw)
            log(f"PostgreSQL: baseline {t_raw:.1f} s, {n_rows / t_raw:,.0f} values/s")
            from django.db import connection

            connection.close()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return out


# --- driver ---------------------------------------------------------------------------------------


def run_worker(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", kind, "--rows", str(args.rows), "--pg-url", args.pg_url]
    return benchutil.run_worker(cmd, kind, ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} values instead of {FULL_ROWS:,}")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows is None:
        args.rows = QUICK_ROWS if args.quick else FULL_ROWS
    if args.serve:
        serve(args.serve)
        return
    if args.worker == "sqlite":
        print(json.dumps(worker_sqlite(args.rows)))
        return
    if args.worker == "postgres":
        print(json.dumps(worker_postgres(args.rows, args.pg_url)))
        return

    if not args.no_postgres:
        bulk_load.check_postgres(args.pg_url)
    log(f"import_api: {args.rows:,} values through POST /api/v1/dataValueSets")
    sq = run_worker("sqlite", args)
    pg = None if args.no_postgres else run_worker("postgres", args)
    figures = {
        "rows": args.rows,
        "sqlite_json_values_per_s": sq["json_values_per_s"],
        "sqlite_csv_values_per_s": sq["csv_values_per_s"],
        "sqlite_baseline_per_s": sq["baseline_per_s"],
        "postgres_json_values_per_s": pg["json_values_per_s"] if pg else None,
        "postgres_csv_values_per_s": pg["csv_values_per_s"] if pg else None,
        "postgres_baseline_per_s": pg["baseline_per_s"] if pg else None,
        "peak_rss_mb": max([sq["peak_rss_mb"]] + ([pg["peak_rss_mb"]] if pg else [])),
        # The machine may be shared: the same figures relative to the raw baseline measured in this run,
        # and (SQLite, where all the work is in one process) the CPU seconds of server and baseline.
        "sqlite_json_ratio": round(sq["json_values_per_s"] / sq["baseline_per_s"], 3),
        "sqlite_csv_ratio": round(sq["csv_values_per_s"] / sq["baseline_per_s"], 3),
        "postgres_json_ratio": round(pg["json_values_per_s"] / pg["baseline_per_s"], 3) if pg else None,
        "postgres_csv_ratio": round(pg["csv_values_per_s"] / pg["baseline_per_s"], 3) if pg else None,
        "sqlite_json_server_cpu_s": sq["json_server_cpu_s"],
        "sqlite_csv_server_cpu_s": sq["csv_server_cpu_s"],
        "sqlite_baseline_cpu_s": sq["baseline_cpu_s"],
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
