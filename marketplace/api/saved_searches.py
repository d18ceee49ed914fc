"""``/api/v1/me/saved-searches``: an artist's saved gig searches (thin doors over
``marketplace.services.saved_searches``; the filters are ``GET /api/v1/gigs/``'s own, checked by
``marketplace.saved_filters``)."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from marketplace import saved_filters, selectors, services
from marketplace.models import SavedSearch
from marketplace.saved_filters import SavedGigFiltersSerializer
from umbrella.api import InputSerializer
from umbrella.schema import raises

ARTIST_OWN = ("not_an_artist", "not_found")
SAVED_SEARCH_ID = OpenApiParameter(
    "saved_search_id", int, OpenApiParameter.PATH, description="The saved search's `id`."
)


class SavedSearchInputSerializer(InputSerializer):
    """A search to keep: a name (optional) and the gig board's filters."""

    name = serializers.CharField(
        max_length=SavedSearch._meta.get_field("name").max_length,
        required=False,
        allow_blank=True,
        trim_whitespace=False,  # the service normalises
        help_text="Default: the filters described, e.g. “Jazz · Austin · $400 or more”.",
    )
    filters = SavedGigFiltersSerializer(
        required=False,
        help_text="The query parameters of `GET /api/v1/gigs/` (pay in cents), without "
        "`status`: a saved search is about open gigs. None: every new open gig.",
    )


class SavedSearchSerializer(serializers.Serializer):
    """A saved search, with links to the board page and the API that run it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    filters = SavedGigFiltersSerializer(help_text="Only the filters that are set.")
    description = serializers.CharField(help_text="The filters in words.")
    board_url = serializers.CharField(help_text="The gig board page with these filters.")
    gigs_url = serializers.CharField(help_text="`GET /api/v1/gigs/` with these filters.")
    last_digest_at = serializers.DateTimeField(
        help_text="Gigs posted after this are in your next daily digest."
    )
    created_at = serializers.DateTimeField()


def saved_search_card(search: SavedSearch) -> dict[str, Any]:
    """A saved search as the API and the page show it (no queries)."""
    board, api = saved_filters.board_query(search.filters), saved_filters.api_query(search.filters)
    return {
        "id": search.pk,
        "name": search.name,
        "filters": search.filters,
        "description": saved_filters.describe(search.filters),
        "board_url": reverse("gig-board") + (f"?{board}" if board else ""),
        "gigs_url": reverse("api-gigs") + (f"?{api}" if api else ""),
        "last_digest_at": search.last_digest_at,
        "created_at": search.created_at,
    }


class MySavedSearchesApi(APIView):
    @extend_schema(
        operation_id="me_saved_searches_list",
        summary="Your saved gig searches",
        description="Artists. Not paginated: at most 20, newest first.",
        responses=SavedSearchSerializer(many=True),
        extensions=raises(*ARTIST_OWN),
    )
    def get(self, request: Request) -> Response:
        searches = selectors.saved_searches_of(user=request_user(request))
        return Response(SavedSearchSerializer(map(saved_search_card, searches), many=True).data)

    @extend_schema(
        operation_id="me_saved_searches_create",
        summary="Save a gig search",
        description="Keep the gig board's filters under a name. Once a day you are told (in "
        "the app, and by email unless you switch `saved_search.digest` off) of open gigs "
        "posted since the last digest that match any of your searches.",
        request=SavedSearchInputSerializer,
        responses={201: SavedSearchSerializer},
        extensions=raises(*ARTIST_OWN, "saved_search_limit", "saved_search_name_taken"),
    )
    def post(self, request: Request) -> Response:
        serializer = SavedSearchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        search = services.saved_search_create(
            user=request_user(request),
            name=serializer.validated_data.get("name", ""),
            filters=serializer.validated_data.get("filters", {}),
        )
        return Response(
            SavedSearchSerializer(saved_search_card(search)).data, status=status.HTTP_201_CREATED
        )


class MySavedSearchApi(APIView):
    @extend_schema(
        operation_id="me_saved_searches_delete",
        summary="Delete a saved gig search",
        parameters=[SAVED_SEARCH_ID],
        responses={204: OpenApiResponse(description="Deleted.")},
        extensions=raises(*ARTIST_OWN),
    )
    def delete(self, request: Request, saved_search_id: int) -> Response:
        services.saved_search_delete(user=request_user(request), saved_search_id=saved_search_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
