#!/usr/bin/env bash
# Set up and run the whole test suite: lint, then pytest on SQLite, then on PostgreSQL.
# PostgreSQL (127.0.0.1:5432, database "test", user postgres, trust auth; override with
# BAOCAO_TEST_PG_URL) is required when CI=true; elsewhere it is used when reachable and the skip is
# announced otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test

.venv/bin/ruff check baocao bench conftest.py

echo "=== pytest on SQLite ==="
env -u DATABASE_URL .venv/bin/python -m pytest -q "$@"

PG_URL=${BAOCAO_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
if .venv/bin/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=5).close()
except Exception as exc:
    print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "=== pytest on PostgreSQL ($PG_URL) ==="
  DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -q "$@"
  if [ $# = 0 ]; then
    # Alone, after the suite: it restarts the PostgreSQL server, which breaks every open connection.
    echo "=== fault test: PostgreSQL restarted while serving ==="
    BAOCAO_FAULT_TESTS=1 DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -q -rs \
      baocao/ops/tests/test_faults.py -k postgresql_restart
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL: CI=true but PostgreSQL at $PG_URL is unreachable" >&2
  exit 1
else
  echo "SKIPPED: PostgreSQL at $PG_URL is unreachable; the suite ran on SQLite only." >&2
fi
