import pytest
from allauth.usersessions.models import UserSession
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from tests.accounts.conftest import app_login, bearer
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_soft_delete_anonymises_and_signs_out_everywhere():
    user = UserFactory(email="leaving@example.com", display_name="Leaving Person")
    client = APIClient()
    meta = app_login(client, user.email)

    services.user_soft_delete(user=user)

    user = User.objects.get(pk=user.pk)
    assert user.deleted_at is not None and not user.is_active
    assert "leaving" not in user.email and user.display_name == "Deleted user"
    assert not user.has_usable_password()
    assert not UserSession.objects.filter(user=user).exists()
    assert client.get("/api/v1/me", **bearer(meta["access_token"])).status_code == 401


def test_purge_expired_sessions_keeps_live_ones():
    user = UserFactory()
    app_login(APIClient(), user.email)

    assert services.sessions_purge_expired() == 0
    assert UserSession.objects.filter(user=user).count() == 1
