"""Discovery filters for ``GET /api/v1/artists/`` and the artist search page."""

from typing import Any

import django_filters
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from artists.models import GENRES, PerformanceType

# Trigram word similarity above which a stage name counts as a (typo'd) match.
TYPO_THRESHOLD = 0.35

ORDERINGS: dict[str, tuple[str, ...] | None] = {
    "relevance": None,  # by rank when searching, else newest
    "rating": ("-avg_rating", "-total_reviews", "-id"),
    "gigs": ("-total_gigs", "-id"),
    "newest": ("-created_at", "-id"),
}


def text_search(queryset: QuerySet, q: str) -> QuerySet:
    """Ranked full-text search plus typo tolerance on PostgreSQL; a plain match elsewhere.

    The ``search_vector`` column (weighted: stage name A; tagline, genres, influences B; bio C)
    and the trigram index on ``stage_name`` are created by a PostgreSQL-only migration.
    """
    q = " ".join(q.split())[:200]
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        vector = RawSQL(  # noqa: S611 (a fixed column name, no user input)
            f"{queryset.model._meta.db_table}.search_vector", [], output_field=SearchVectorField()
        )
        query = SearchQuery(q, search_type="websearch", config="english")
        return (
            queryset.annotate(
                document=vector,
                rank=SearchRank(vector, query),
                name_similarity=TrigramWordSimilarity(q, "stage_name"),
            )
            .filter(Q(document=query) | Q(name_similarity__gt=TYPO_THRESHOLD))
            .annotate(relevance=F("rank") + F("name_similarity"))
        )
    match = (
        Q(stage_name__icontains=q)
        | Q(tagline__icontains=q)
        | Q(bio__icontains=q)
        | Q(primary_genre__icontains=q)
        | Q(secondary_genres__icontains=q)
        | Q(influences__icontains=q)
    )
    relevance = Case(
        When(stage_name__icontains=q, then=Value(2.0)),
        When(tagline__icontains=q, then=Value(1.0)),
        default=Value(0.5),
        output_field=FloatField(),
    )
    return queryset.filter(match).annotate(relevance=relevance)


class ArtistFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    genre = django_filters.CharFilter(method="filter_genre", label="Genre")
    city = django_filters.CharFilter(field_name="location_city", lookup_expr="iexact")
    state = django_filters.CharFilter(field_name="location_state", lookup_expr="iexact")
    country = django_filters.CharFilter(field_name="location_country", lookup_expr="iexact")
    rate_min = django_filters.NumberFilter(
        field_name="base_rate_flat", lookup_expr="gte", label="Minimum flat rate (cents)"
    )
    rate_max = django_filters.NumberFilter(
        field_name="base_rate_flat", lookup_expr="lte", label="Maximum flat rate (cents)"
    )
    weekdays = django_filters.BooleanFilter(field_name="available_weekdays")
    weekends = django_filters.BooleanFilter(field_name="available_weekends")
    performance_type = django_filters.ChoiceFilter(
        choices=PerformanceType.choices, method="filter_performance_type"
    )
    verified = django_filters.BooleanFilter(field_name="verified")
    min_rating = django_filters.NumberFilter(field_name="avg_rating", lookup_expr="gte")
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS], method="filter_ordering", empty_label=None
    )

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return text_search(queryset, value)

    def filter_genre(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        genre = " ".join(value.split()).lower()
        if connection.vendor == "postgresql":
            in_secondary = Q(secondary_genres__contains=[genre])
        else:
            in_secondary = Q(secondary_genres__icontains=f'"{genre}"')
        return queryset.filter(Q(primary_genre=genre) | in_secondary)

    def filter_performance_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if connection.vendor == "postgresql":
            return queryset.filter(performance_types__contains=[value])
        return queryset.filter(performance_types__icontains=f'"{value}"')

    def filter_ordering(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied in ``qs`` once every other filter has run

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        choice = self.form.cleaned_data.get("ordering") if self.form.is_valid() else None
        order = ORDERINGS.get(choice or "relevance")
        if order is None:
            searching = "relevance" in queryset.query.annotations
            order = ("-relevance", "-id") if searching else ("-created_at", "-id")
        return queryset.order_by(*order)


GENRE_CHOICES: list[tuple[str, Any]] = [(g, g.title()) for g in GENRES]
