#!/usr/bin/env bash
# Set up and run baocao on the embedded SQLite database with the demo data, at http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/baocao setup --demo --communes
# Background jobs (the briefing pack button, reminders) need one database worker beside the web server.
.venv/bin/baocao db_worker --no-reload >>"${BAOCAO_DATA_DIR:-var}/worker.log" 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT
.venv/bin/baocao runserver "${BAOCAO_ADDR:-127.0.0.1:8000}" --noreload
