"""Staff sign-in at /admin/login/ is locked out like every other sign-in: one shared limiter."""

import pytest
from django.test import Client

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/?next=/admin/"
APP_LOGIN = "/_allauth/app/v1/auth/login"
WRONG_ATTEMPTS = 5  # allauth's default login_failed limit: 5 per address per 5 minutes


@pytest.fixture(autouse=True)
def _allauth_rate_limits(settings):
    # tests/conftest.py switches allauth's limits off; these tests need the shipped defaults.
    del settings.ACCOUNT_RATE_LIMITS


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True, role="")


def admin_login(client: Client, email: str, password: str):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password})


def signed_in_to_admin(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_admin_login_works_with_the_right_password(staff):
    client = Client()

    response = admin_login(client, staff.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in_to_admin(client)


def test_admin_login_locks_out_after_repeated_wrong_passwords(staff):
    attacker = Client()
    for attempt in range(WRONG_ATTEMPTS):
        assert admin_login(attacker, staff.email, f"guess-{attempt}").status_code == 200

    response = admin_login(attacker, staff.email, PASSWORD)

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not signed_in_to_admin(attacker)


def test_wrong_passwords_on_the_admin_lock_the_allauth_login_too(staff):
    for attempt in range(WRONG_ATTEMPTS):
        admin_login(Client(), staff.email, f"guess-{attempt}")

    response = Client().post(
        APP_LOGIN, {"email": staff.email, "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code in (400, 429)
    assert "access_token" not in response.content.decode()


def test_wrong_passwords_on_the_allauth_login_lock_the_admin_too(staff):
    for attempt in range(WRONG_ATTEMPTS):
        Client().post(
            APP_LOGIN,
            {"email": staff.email, "password": f"guess-{attempt}"},
            content_type="application/json",
        )

    client = Client()
    response = admin_login(client, staff.email, PASSWORD)

    assert "Too many failed login attempts" in response.content.decode()
    assert not signed_in_to_admin(client)


def test_admin_login_still_refuses_non_staff():
    fan = UserFactory()
    client = Client()

    response = admin_login(client, fan.email, PASSWORD)

    assert response.status_code == 200
    assert not signed_in_to_admin(client)
