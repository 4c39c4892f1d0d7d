"""Shared pytest fixtures.

- ``ref``: the reference data (catalog, regimes, the administrative map without communes,
  organisations) loaded into the test database through the same commands ``baocao setup`` uses.
- ``page``: a Playwright page driving Debian's chromium (``/usr/bin/chromium``). Never downloads a
  browser; if chromium is missing the browser tests fail with a clear message (in CI) rather than
  silently skipping.
- ``shared_dir``: ``../shared`` (the gold set), or skip when it is absent outside CI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run beside a
# running loop unless told it is safe (it is: the loop belongs to Playwright, not to Django).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("BAOCAO_SHARED_DIR", ROOT.parent / "shared"))
CHROMIUM = os.environ.get("BAOCAO_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture
def ref(db):
    """Load the reference data once per test (cheap: no communes)."""
    from baocao.core.reference import load_reference

    load_reference(communes=False, verbosity=0)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "gold").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"../shared is missing at {SHARED}: CI must run with the gold set beside the checkout")
        pytest.skip("../shared (gold set) not present")
    return SHARED


@pytest.fixture(scope="session")
def _browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/test.sh (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_browser):
    context = _browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (cached analytics results belong to one test's data)."""
    from django.core.cache import cache

    from baocao.analytics.cache import ReferenceMemo

    cache.clear()
    ReferenceMemo.clear_all()
    yield
