import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def pack_world(ref, settings, tmp_path):
    from .factories import PackWorld

    settings.MEDIA_ROOT = tmp_path / "media"
    return PackWorld()
