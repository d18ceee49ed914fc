"""Sign-up must not tell a registered address from a new one by its timing.

Both paths hash the password exactly once and leave every mail to a task run after the commit,
so neither waits for a mail server. (Wall-clock figures belong in bench/, not in a unit test.)
"""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HEADLESS_SIGNUP = "/_allauth/browser/v1/auth/signup"


class CountingHasher(MD5PasswordHasher):
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


@pytest.fixture
def registered():
    return UserFactory(email="taken@example.com")


def page_signup(client, email):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def headless_signup(email):
    return APIClient().post(HEADLESS_SIGNUP, {"email": email, "password": PASSWORD}, format="json")


@pytest.mark.parametrize("door", ["page", "headless"])
def test_known_and_new_addresses_hash_the_password_the_same_number_of_times(
    client, registered, hashes, door, django_capture_on_commit_callbacks
):
    def sign_up(email):
        return page_signup(client, email) if door == "page" else headless_signup(email)

    hashes.calls = 0
    with django_capture_on_commit_callbacks(execute=False):
        known = sign_up("taken@example.com")
    known_hashes = hashes.calls
    hashes.calls = 0
    with django_capture_on_commit_callbacks(execute=False):
        new = sign_up("fresh@example.com")
    new_hashes = hashes.calls

    assert known_hashes == new_hashes == 1
    assert known.status_code == new.status_code
    assert User.objects.filter(email="fresh@example.com").exists()
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


@pytest.mark.parametrize("email", ["taken@example.com", "fresh@example.com"])
def test_sign_up_mail_leaves_after_the_commit_through_a_task(
    client, registered, email, django_capture_on_commit_callbacks, monkeypatch
):
    sent_by_task = []
    from accounts import tasks

    original = tasks.send_email_task.apply_async
    monkeypatch.setattr(
        tasks.send_email_task,
        "apply_async",
        lambda *a, **kw: sent_by_task.append(kw["kwargs"]["to"]) or original(*a, **kw),
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = page_signup(client, email)

    assert response.status_code == 302
    assert mail.outbox == []  # nothing sent while the request was answered
    for callback in callbacks:
        callback()
    assert sent_by_task == [[email]]
    assert [message.to for message in mail.outbox] == [[email]]
