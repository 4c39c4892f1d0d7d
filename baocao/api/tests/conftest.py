import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(ref):
    from .factories import ApiWorld

    return ApiWorld()


@pytest.fixture
def client_for():
    """A test client that sends the bearer token of ``user`` (a fresh token each call)."""
    from baocao.api.services import create_token

    def make(user) -> Client:
        secret = create_token(user, "test").secret
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


@pytest.fixture
def light(db):
    """Two provinces and one user per role, without the reference data (for auth tests)."""
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    from baocao.accounts.models import Profile, Role
    from baocao.geo.models import AdminArea

    cao_bang = AdminArea.objects.create(uid="P04", code="04", name="Cao Bằng", level="province")
    lang_son = AdminArea.objects.create(uid="P20", code="20", name="Lạng Sơn", level="province")
    users = {}
    for name, role, area in (
        ("cb.chuyenvien", Role.PROVINCE_REPORTER, cao_bang), ("cb.lanhdao", Role.PROVINCE_APPROVER, cao_bang),
        ("ls.chuyenvien", Role.PROVINCE_REPORTER, lang_son), ("bo.chuyenvien", Role.MINISTRY_OFFICER, None),
    ):
        users[name] = u = get_user_model().objects.create_user(name, f"{name}@example.vn", "x")
        Profile.objects.create(user=u, role=role, area=area)
    return SimpleNamespace(
        cao_bang=cao_bang, lang_son=lang_son, reporter=users["cb.chuyenvien"], approver=users["cb.lanhdao"],
        reporter_ls=users["ls.chuyenvien"], officer=users["bo.chuyenvien"],
    )
