import pytest
from django.core.management import call_command


@pytest.fixture
def orgs(db):
    """Map (provinces only) and organisations, loaded through the real commands."""
    call_command("load_map", verbosity=0)
    call_command("load_orgs", verbosity=0)
