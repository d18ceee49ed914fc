import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_reports_each_part(api_client):
    response = api_client.get(reverse("api-health"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
