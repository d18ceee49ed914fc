"""An id past 64 bits in an API path is a 404 in the error shape on every database, not a 500
(SQLite refuses to bind such an integer; the API fuzz found it on DELETE /blocks/{user_id})."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.accounts.factories import UserFactory

HUGE = "28334923944988747570221632454656"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "answers"),
    [
        # Unblocking someone you do not block is a 204 on PostgreSQL (nothing to delete); on
        # SQLite the id cannot even be bound: 404. Either way, no 500.
        ("delete", f"/api/v1/blocks/{HUGE}", {204, 404}),
        ("get", f"/api/v1/conversations/{HUGE}", {404}),
        ("get", f"/api/v1/conversations/{HUGE}/messages", {404}),
        ("get", f"/api/v1/gigs/{HUGE}", {404}),
    ],
)
def test_an_id_past_64_bits_is_not_found(method, path, answers):
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.VENUE))
    response = getattr(client, method)(path)
    assert response.status_code in answers, response.content
    if response.status_code == 404:
        assert response.json()["error"]["code"] == "not_found"
