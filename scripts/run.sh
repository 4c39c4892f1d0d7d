#!/usr/bin/env bash
# Set up and run baocao on the embedded SQLite database with the demo data, at http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/baocao setup --demo --communes
exec .venv/bin/baocao runserver "${BAOCAO_ADDR:-127.0.0.1:8000}" --noreload
