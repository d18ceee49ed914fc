import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))
    return client


def test_user_admin_list_search_and_filters(staff_client):
    UserFactory.create_batch(3)

    response = staff_client.get(
        reverse("admin:accounts_user_changelist"), {"q": "user", "role": "fan"}
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 3


def test_user_admin_soft_delete_action(staff_client):
    user = UserFactory()

    staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "soft_delete", "_selected_action": [user.pk]},
    )

    user.refresh_from_db()
    assert user.deleted_at is not None and not user.is_active
