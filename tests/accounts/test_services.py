from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from accounts.tasks import purge_expired_sessions_task
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


def test_soft_delete_removes_email_addresses_and_social_accounts():
    user = UserFactory(email="leaving@example.com")
    EmailAddress.objects.create(user=user, email="second@example.com", verified=True)
    SocialAccount.objects.create(user=user, provider="google", uid="g-123")
    keeper = UserFactory()
    SocialAccount.objects.create(user=keeper, provider="google", uid="g-456")

    services.user_soft_delete(user=user)

    assert not EmailAddress.objects.filter(user=user).exists()
    assert not SocialAccount.objects.filter(user=user).exists()
    # the addresses are free to sign up with again, and nobody else lost anything
    assert not EmailAddress.objects.filter(email__in=["leaving@example.com", "second@example.com"])
    assert EmailAddress.objects.filter(user=keeper).count() == 1
    assert SocialAccount.objects.filter(user=keeper).count() == 1


def _expire(session_key: str) -> None:
    Session.objects.filter(session_key=session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )


def test_purge_deletes_expired_sessions_and_their_device_records():
    user = UserFactory()
    app_login(APIClient(), user.email)
    app_login(APIClient(), user.email)
    expired, live = UserSession.objects.filter(user=user).order_by("pk")
    _expire(expired.session_key)

    assert services.sessions_purge_expired() == 1

    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert not UserSession.objects.filter(pk=expired.pk).exists()
    assert Session.objects.filter(session_key=live.session_key).exists()
    assert UserSession.objects.filter(pk=live.pk).exists()
    assert services.sessions_purge_expired() == 0  # safe to repeat


def test_purge_removes_device_records_whose_session_is_already_gone():
    user = UserFactory()
    app_login(APIClient(), user.email)
    orphan = UserSession.objects.get(user=user)
    Session.objects.filter(session_key=orphan.session_key).delete()

    services.sessions_purge_expired()

    assert not UserSession.objects.filter(pk=orphan.pk).exists()


def test_purge_task_runs_the_purge():
    user = UserFactory()
    app_login(APIClient(), user.email)
    _expire(UserSession.objects.get(user=user).session_key)

    assert purge_expired_sessions_task.delay().get() == 1

    assert not UserSession.objects.exists() and not Session.objects.exists()


# --- found by mutation testing (docs/testing.md) --------------------------------------------


def test_purge_deletes_ended_session_records_only_after_thirty_days():
    from accounts.models import EndedSession

    user = UserFactory()
    recent = EndedSession.objects.create(user=user, reason="signed_out")
    old = EndedSession.objects.create(user=user, reason="signed_out")
    EndedSession.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - services.ENDED_SESSIONS_KEPT - timedelta(minutes=1)
    )

    services.sessions_purge_expired()

    assert list(EndedSession.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.parametrize(
    ("reset", "reason"), [({}, "password_changed"), ({"reset": True}, "password_reset")]
)
def test_a_password_change_ends_the_other_sessions_and_says_how(reset, reason):
    from accounts.models import EndedSession

    user = UserFactory()
    app_login(APIClient(), user.email)
    app_login(APIClient(), user.email)
    kept, _other = UserSession.objects.filter(user=user).order_by("pk")

    assert (
        services.user_password_changed(user=user, keep_session_key=kept.session_key, **reset) == 1
    )

    assert list(UserSession.objects.filter(user=user)) == [kept]
    assert list(EndedSession.objects.filter(user=user).values_list("reason", flat=True)) == [reason]
