"""Load the reference data (catalog, regimes, map, organisations, validation rules, report forms) in one call."""

from __future__ import annotations

from django.core.management import call_command


def load_reference(communes: bool = False, verbosity: int = 1) -> None:
    """Load or refresh every reference table. Idempotent: running it twice changes nothing."""
    call_command("load_catalog", verbosity=verbosity)
    call_command("load_regimes", verbosity=verbosity)
    call_command("load_map", communes=communes, verbosity=verbosity)
    call_command("load_orgs", verbosity=verbosity)
    call_command("load_rules", verbosity=verbosity)
    call_command("load_forms", verbosity=verbosity)
    call_command("load_analytics", verbosity=verbosity)  # targets, directions, key indicators
