"""Users and reference data for the API tests (the reporting app's world, one user per role)."""

from __future__ import annotations

from baocao.reporting.tests.factories import PASSWORD, World

__all__ = ["PASSWORD", "ApiWorld"]


class ApiWorld(World):
    pass
