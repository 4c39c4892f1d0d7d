#!/usr/bin/env bash
# Install everything baocao needs into .venv (and, for tests, Debian's chromium).
# Usage: scripts/bootstrap.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# System packages: gettext (compile translations); for tests, chromium and fonts with Vietnamese glyphs.
command -v msgfmt >/dev/null || apt_install gettext
# Chart.js for the dashboards, served locally from /usr/share/javascript/chart.js (no CDN).
[ -f /usr/share/javascript/chart.js/chart.min.js ] || apt_install libjs-chart.js
# baocao backup/restore with PostgreSQL: pg_dump, pg_restore, psql of the server's major version (Debian).
ls /usr/lib/postgresql/*/bin/pg_dump >/dev/null 2>&1 || apt_install postgresql-client
# The briefing pack's PDF (baocao brief, /phan-tich/ban-tin/): LibreOffice Writer, with Liberation Serif
# standing in for Times New Roman (same metrics); pdftoppm renders the PDF in the tests.
[ -f /usr/lib/libreoffice/program/libswlo.so ] || apt_install libreoffice-writer-nogui
[ -d /usr/share/fonts/truetype/liberation2 ] || apt_install fonts-liberation2
if [ $want_test = 1 ]; then
  command -v pdftoppm >/dev/null || apt_install poppler-utils
  [ -x /usr/bin/chromium ] || apt_install chromium
  [ -d /usr/share/fonts/truetype/liberation2 ] || apt_install fonts-liberation2
  # LibreOffice re-saves our .xlsx in the Excel round-trip test (and renders documents to PDF).
  [ -f /usr/lib/libreoffice/program/libsclo.so ] || apt_install libreoffice-calc-nogui
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
extras=""
[ $want_test = 1 ] && extras="[test]"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}" 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c "import baocao, django" # fail loudly if the install did not work
(cd baocao/core && ../../.venv/bin/django-admin compilemessages -v 0)
