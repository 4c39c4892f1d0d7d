"""Helpers for the browser tests (Playwright pages driving Debian's chromium): logging in and out through
the real login form. Test code only; kept here so that every app's browser tests share one version."""

from __future__ import annotations

from typing import Any


def login(page: Any, base: str, username: str, password: str, *, expect_success: bool = True) -> None:
    """Log in through ``/dang-nhap/``; with ``expect_success`` fail at once if the logout button is missing."""
    page.goto(base + "/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()
    if expect_success:
        assert page.locator("form[action$='/dang-xuat/'] button").count() == 1, f"{username} could not log in"


def logout(page: Any) -> None:
    page.click("form[action$='/dang-xuat/'] button")
    page.wait_for_load_state()
