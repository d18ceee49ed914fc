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


def test_html_pages_carry_a_csp_and_json_answers_do_not(client):
    assert "Content-Security-Policy" in client.get("/api/v1/docs/").headers
    assert "Content-Security-Policy" in client.get("/").headers
    assert "Content-Security-Policy" not in client.get("/api/v1/health").headers


def test_cache_round_trip_through_the_configured_backend():
    from django.core.cache import cache

    cache.set("smoke", {"a": 1}, 30)
    assert cache.get_many(["smoke", "missing"]) == {"smoke": {"a": 1}}
    assert cache.add("smoke", 2) is False
