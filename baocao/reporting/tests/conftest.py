import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test users log in with a cheap hasher (the default PBKDF2 makes every fixture slow)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(ref):
    from .factories import World

    return World()
