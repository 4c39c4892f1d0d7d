import pytest
from django.core.management import call_command


@pytest.fixture
def geo_map(db):
    """The province layer of the map (no communes), loaded through the real command."""
    call_command("load_map", verbosity=0)
