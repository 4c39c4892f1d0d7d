#!/usr/bin/env bash
# Production start (docs/deployment.md): install into .venv if needed, then `baocao serve --migrate`:
# deploy checks, migrations, collectstatic, gunicorn on ${BAOCAO_BIND:-127.0.0.1:8000}.
# Needs at least BAOCAO_SECRET_KEY and usually DATABASE_URL, REDIS_URL, BAOCAO_ALLOWED_HOSTS.
# Extra arguments go to `baocao serve` (e.g. --workers 4, --bind 127.0.0.1:8001, --no-collectstatic).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/gunicorn ] || bash scripts/bootstrap.sh
export BAOCAO_PRODUCTION="${BAOCAO_PRODUCTION:-1}"
exec .venv/bin/baocao serve --migrate "$@"
