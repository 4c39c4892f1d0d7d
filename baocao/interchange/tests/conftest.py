import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(ref):
    from baocao.reporting.tests.factories import World

    return World()


@pytest.fixture
def client_for():
    """A test client sending the bearer token of ``user``."""
    from baocao.api.services import create_token

    def make(user) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {create_token(user, 'test').secret}")

    return make
