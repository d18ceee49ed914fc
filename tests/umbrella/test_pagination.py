"""The two pagination classes every list endpoint uses (page size capped at 100)."""

import pytest
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory

from accounts.models import User
from tests.accounts.factories import UserFactory
from umbrella.pagination import CursorPagination, PageNumberPagination

pytestmark = pytest.mark.django_db


class _UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email"]


def _view(pagination_class):
    class UserList(generics.ListAPIView):
        queryset = User.objects.order_by("-created_at", "-id")
        serializer_class = _UserSerializer
        permission_classes = [AllowAny]
        authentication_classes: list = []

    UserList.pagination_class = pagination_class
    return UserList.as_view()


@pytest.fixture
def users():
    return UserFactory.create_batch(105, verified_email=False)


def test_page_numbers_cap_the_page_size_at_100(users):
    request = APIRequestFactory().get("/", {"page_size": 500})

    body = _view(PageNumberPagination)(request).data

    assert body["count"] == 105
    assert len(body["results"]) == 100
    assert body["next"] is not None


def test_page_numbers_default_page_and_bad_page(users):
    view = _view(PageNumberPagination)

    assert len(view(APIRequestFactory().get("/")).data["results"]) == 20
    assert view(APIRequestFactory().get("/", {"page": 999})).status_code == 404


def test_cursor_pagination_walks_every_row_once_without_counting(
    users, django_assert_max_num_queries
):
    view = _view(CursorPagination)
    seen: list[int] = []
    url = "/?page_size=40"
    while url:
        with django_assert_max_num_queries(1):  # one keyset query a page, no COUNT(*)
            body = view(APIRequestFactory().get(url)).data
        seen.extend(row["id"] for row in body["results"])
        url = body["next"]
        assert "count" not in body

    assert len(seen) == 105 == len(set(seen))
