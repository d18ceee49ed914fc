"""Discovery filters for ``GET /api/v1/artists/`` and the artist search page."""

import json
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field

from artists import normalize
from artists.models import WALK_INCLUDE, ArtistProfile, PerformanceType

# Trigram word similarity from which a stage name counts as a (typo'd) match. Written into
# the SQL function artist_typo_nearest (migration 0010): change both together.
TYPO_THRESHOLD = 0.35
# At most this many full-text matches are ranked (see text_search): a broad word (a genre, a
# city) matches thousands of artists, and ranking each one was most of the search's cost.
# 200 (was 500): ten pages of 20 for a word that matches thousands; reading and ranking each
# candidate is ~7 buffers and most of a broad search's PostgreSQL time (bench/README.md).
RANK_CANDIDATES = 200
# The largest value an integer column holds: a bigger rate filter is refused, not overflowed.
MAX_CENTS = 2_147_483_647

ORDERINGS: dict[str, tuple[str, ...] | None] = {
    "relevance": None,  # by rank when searching, else newest
    "rating": ("-avg_rating", "-total_reviews", "-id"),
    "gigs": ("-total_gigs", "-id"),
    "newest": ("-created_at", "-id"),
}


def text_search(queryset: QuerySet, q: str) -> QuerySet:
    """Ranked full-text search plus typo tolerance on PostgreSQL; a plain match elsewhere.

    The ``search_vector`` column (weighted: stage name A; tagline, genres, influences B; bio C),
    its GIN index and ``artist_typo_nearest`` are created by PostgreSQL-only migrations (0002,
    0003, 0005, 0010: at most 50 typo matches, nearest first, found through the word list of
    stage names — query words to nearby name words to the names that hold them — so their cost
    does not grow with the number of artists).

    On PostgreSQL the words are matched with full-text search, ranked by ``ts_rank`` (a
    stage-name match above a tagline or genre match above a bio match). Only when they match no
    artist at all are stage names within a trigram word similarity of ``TYPO_THRESHOLD`` of the
    query taken instead ("did you mean"), closest first: typos are found where they matter,
    without scoring every name on every search, and a name that merely looks like a real word
    (``jazz`` ~ ``Jade``: 0.4) no longer shows up among, or above, the real matches.

    Ranked candidates are capped: the stage-name matches (up to ``RANK_CANDIDATES``, from their
    own index) plus the first ``RANK_CANDIDATES`` matches of the whole text (GIN index, table
    order) are ranked and paged. A specific query (a name, two words: the usual case, tens to
    hundreds of matches) is unaffected; a word that matches thousands (``jazz``: ~4 000 of
    20 000, ~20 000 of 100 000) ranks a bounded set instead of all of them, so its cost no longer
    grows with the table (14 000 buffers -> ~6 000 at 20k), name matches still come first, and
    pages end after the candidates. Such a word is a browse, not a lookup: the genre and city
    filters and the orderings are the way through all of them.
    """
    q = " ".join(q.split())[:200]
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        vector = RawSQL(  # noqa: S611 (a fixed column name, no user input)
            f"{table}.search_vector", [], output_field=SearchVectorField()
        )
        query = SearchQuery(q, search_type="websearch", config="english")
        # Which rows: up to RANK_CANDIDATES stage-name matches (their own GIN index, migration
        # 0005: the best-ranked rows always make it), up to RANK_CANDIDATES matches of the
        # whole text (the GIN index on search_vector, table order, no sort) and, only when the
        # text matches nothing, the nearest stage names (artist_typo_nearest, migration 0010).
        # One array, built once per query (InitPlans), so the rows come by primary key: ORed as
        # separate conditions, the planner misjudged them and scanned the table.
        matched = RawSQL(  # noqa: S611 (fixed SQL; the query is a parameter)
            f"{table}.id = ANY("  # noqa: S608 (a fixed table name; the query is a parameter)
            f"ARRAY(SELECT id FROM {table} WHERE to_tsvector('english'::regconfig, stage_name) "
            "@@ websearch_to_tsquery('english'::regconfig, %s) LIMIT %s) "
            "|| (SELECT CASE WHEN cardinality(m.ids) = 0 THEN artist_typo_nearest(%s) "
            "ELSE m.ids END FROM (SELECT ARRAY("
            f"SELECT id FROM {table} WHERE search_vector "
            "@@ websearch_to_tsquery('english'::regconfig, %s) LIMIT %s) AS ids) AS m))",
            [q, RANK_CANDIDATES, q, q, RANK_CANDIDATES],
            output_field=BooleanField(),
        )
        return queryset.annotate(
            document=vector,
            relevance=Case(
                When(document=query, then=Value(1.0) + SearchRank(vector, query)),
                default=TrigramWordSimilarity(q, "stage_name"),
                output_field=FloatField(),
            ),
        ).filter(matched)
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


class StrictBooleanField(forms.Field):
    """``true``/``false`` (also ``1``/``0``, ``yes``/``no``, ``on``/``off``); anything else is an
    error, not silently "no filter" as Django's ``NullBooleanField`` would have it."""

    widget = forms.TextInput
    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})

    def to_python(self, value: Any) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if not text:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")

    def prepare_value(self, value: Any) -> Any:
        try:
            return self.to_python(value)
        except forms.ValidationError:
            return value


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field(
    {"type": "integer", "minimum": 0, "maximum": MAX_CENTS, "description": "Integer cents."}
)
class CentsFilter(django_filters.NumberFilter):
    """Money in integer cents: whole, not negative, within an integer column."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_CENTS)
        super().__init__(*args, **kwargs)

    def get_max_validator(self) -> None:
        return None  # max_value above already bounds it


@extend_schema_field({"type": "number", "minimum": 0, "maximum": 5})
class RatingFilter(django_filters.NumberFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=0, max_value=5, **kwargs)


class SearchFilter(django_filters.CharFilter):
    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return text_search(qs, value) if value else qs


class GenreFilter(django_filters.CharFilter):
    """The primary genre or one of the secondary genres (genres are stored in lower case)."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        genre = normalize.genre(value)
        if not genre:
            return qs
        if connection.vendor == "postgresql":
            in_secondary = Q(secondary_genres__contains=[genre])
        else:
            in_secondary = Q(secondary_genres__icontains=f'"{genre}"')
        return qs.filter(Q(primary_genre=genre) | in_secondary)


class CountryFilter(django_filters.CharFilter):
    """Countries are stored as upper-case codes: an exact match, which the location index serves
    (``iexact`` compares ``UPPER(location_country)`` and reads the whole table for a rare one)."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        code = normalize.country(value)
        return qs.filter(location_country=code) if code else qs


class PerformanceTypeFilter(django_filters.ChoiceFilter):
    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        if connection.vendor == "postgresql":
            return qs.filter(performance_types__contains=[value])
        return qs.filter(performance_types__icontains=f'"{value}"')


class OrderingFilter(django_filters.ChoiceFilter):
    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return qs  # applied in ``ArtistFilter.qs`` once every other filter has run


class _SharedFields(dict[str, forms.Field]):
    """A form's ``base_fields`` that every instance shares instead of deep-copying."""

    def __deepcopy__(self, memo: dict[int, Any]) -> "_SharedFields":
        return self


class ArtistFilter(django_filters.FilterSet):
    """The discovery filters. Validated by a form: a bad value is a 400 (API) or a form error.

    Built on every request, so unlike a stock ``FilterSet`` it neither deep-copies its filters
    nor builds a new form class each time (~0.7 ms a request, a third of a typical list): its
    filters keep no per-request state (no ``method=``), so instances share them.
    """

    q = SearchFilter(label="Search")
    genre = GenreFilter(label="Genre")
    city = django_filters.CharFilter(field_name="location_city", lookup_expr="iexact")
    state = django_filters.CharFilter(field_name="location_state", lookup_expr="iexact")
    country = CountryFilter(label="Country")
    rate_min = CentsFilter(
        field_name="base_rate_flat", lookup_expr="gte", label="Minimum flat rate (cents)"
    )
    rate_max = CentsFilter(
        field_name="base_rate_flat", lookup_expr="lte", label="Maximum flat rate (cents)"
    )
    weekdays = BooleanFilter(field_name="available_weekdays")
    weekends = BooleanFilter(field_name="available_weekends")
    performance_type = PerformanceTypeFilter(choices=PerformanceType.choices)
    verified = BooleanFilter(field_name="verified")
    min_rating = RatingFilter(field_name="avg_rating", lookup_expr="gte")
    ordering = OrderingFilter(choices=[(key, key) for key in ORDERINGS], empty_label=None)

    _form_class: type[forms.Form] | None = None

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | Callable[[], QuerySet] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self._queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = self.base_filters  # shared and read-only: see the class docstring

    @property
    def queryset(self) -> QuerySet:
        """The queryset to filter: built when first asked for, if given as a function (the list
        read on PostgreSQL validates the form and never asks: building one is ~0.1 ms)."""
        if self._queryset is None:
            self._queryset = ArtistProfile.objects.all()
        elif callable(self._queryset):
            self._queryset = self._queryset()
        return self._queryset

    @queryset.setter
    def queryset(self, value: QuerySet) -> None:
        self._queryset = value

    def get_form_class(self) -> type[forms.Form]:
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")  # this class's own, not a parent's
        if form_class is None:  # built once; a race only builds the same class twice
            fields = {name: f.field for name, f in self.base_filters.items()}
            form_class = type(f"{cls.__name__}Form", (self._meta.form,), fields)
            # Every form deep-copies its fields (~0.5 ms for these 13, choices included); these
            # are only read (validation, and .value/.choices on the search page), so shared.
            form_class.base_fields = _SharedFields(form_class.base_fields)  # type: ignore[attr-defined]
            cls._form_class = form_class
        return form_class

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        choice = self.form.cleaned_data.get("ordering") if self.form.is_valid() else None
        order = ORDERINGS.get(choice or "relevance")
        if order is None:
            searching = "relevance" in queryset.query.annotations
            order = ("-relevance", "-id") if searching else ("-created_at", "-id")
        return queryset.order_by(*order)


# --- the list read as one hand-written statement (PostgreSQL) -------------------------------
#
# ``ArtistFilter.qs`` (above) is the reference: readable, and what other databases run. On
# PostgreSQL discovery runs the same query written out once here, built from the validated
# form's ``cleaned_data``: no queryset is built, cloned and compiled per request (~20 % of a
# search's Python time), and rows come back as tuples. tests/artists/test_list_sql.py checks
# both give the same rows in the same order for every filter, ordering and page.

TABLE = "artists_artistprofile"
# Every column a browse without words filters on (list_sql): the listed ordering indexes carry
# them (INCLUDE, artists.models.ArtistProfile.Meta), so a filtered walk never reads the table.
# A filter on another column must be added to WALK_INCLUDE and the indexes (tests/artists/
# test_list_sql.py checks both).
WALK_COLUMNS = tuple(WALK_INCLUDE)  # artists.models: the indexes carry these
_TSQUERY = "websearch_to_tsquery('english'::regconfig, %s)"
_ORDER_SQL = {
    "rating": "avg_rating DESC, total_reviews DESC, id DESC",
    "gigs": "total_gigs DESC, id DESC",
    "newest": "created_at DESC, id DESC",
}


def list_sql(
    data: dict[str, Any], *, columns: tuple[str, ...], offset: int, limit: int
) -> tuple[str, list[Any]]:
    """``SELECT columns`` of the listed artists matching the cleaned filters ``data``, in the
    order ``ArtistFilter.qs`` gives, rows ``offset`` to ``offset + limit``. User input only
    ever travels as parameters; column and table names are fixed here."""
    where = ["listed"]
    params: list[Any] = []
    q = " ".join((data.get("q") or "").split())[:200]
    relevance = ""
    if q:
        # As text_search: stage-name matches, the first RANK_CANDIDATES text matches, and the
        # nearest stage names only when the text matches nothing. NULLIF/COALESCE evaluates
        # the text matches once (a CASE naming the array twice ran its scan twice). The typo
        # function sits in a sub-select: as a bare argument of ``= ANY`` the planner ran it
        # while planning every search, to estimate the condition (~10 ms, ~400 buffers).
        # Candidates are collected as row addresses (ctid), not ids, and read back with a TID
        # scan: the same rows (one statement, one snapshot) without a primary-key descent per
        # candidate — a broad word's ~400 candidates cost ~770 buffers instead of ~1 470.
        where.append(
            "ctid = ANY(ARRAY(SELECT ctid FROM artists_artistprofile WHERE "  # noqa: S608
            f"to_tsvector('english'::regconfig, stage_name) @@ {_TSQUERY} LIMIT %s) "
            "|| COALESCE(NULLIF(ARRAY(SELECT ctid FROM artists_artistprofile WHERE "
            f"search_vector @@ {_TSQUERY} LIMIT %s), '{{}}'), "
            "ARRAY(SELECT ctid FROM artists_artistprofile "
            "WHERE id = ANY((SELECT artist_typo_nearest(%s))::bigint[]))))"
        )
        params += [q, RANK_CANDIDATES, q, RANK_CANDIDATES, q]
    genre = normalize.genre(data.get("genre"))
    if genre:
        where.append("(primary_genre = %s OR secondary_genres @> %s::jsonb)")
        params += [genre, json.dumps([genre])]
    for name, column in (("city", "location_city"), ("state", "location_state")):
        if data.get(name):
            where.append(f"UPPER({column}::text) = UPPER(%s)")
            params.append(data[name])
    country = normalize.country(data.get("country"))
    if country:
        where.append("location_country = %s")
        params.append(country)
    for name, condition in (
        ("rate_min", "base_rate_flat >= %s"),
        ("rate_max", "base_rate_flat <= %s"),
        ("min_rating", "avg_rating >= %s"),
    ):
        if data.get(name) is not None:
            where.append(condition)
            params.append(data[name])
    for name, column in (
        ("weekdays", "available_weekdays"),
        ("weekends", "available_weekends"),
        ("verified", "verified"),
    ):
        if data.get(name) is not None:
            where.append(f"{column} = %s")
            params.append(data[name])
    if data.get("performance_type"):
        where.append("performance_types @> %s::jsonb")
        params.append(json.dumps([data["performance_type"]]))
    order = _ORDER_SQL.get(data.get("ordering") or "relevance")
    if order is None and q:
        relevance_params = [q, q, q]
        relevance = (
            f"CASE WHEN search_vector @@ {_TSQUERY} "
            f"THEN 1.0::float8 + ts_rank(search_vector, {_TSQUERY}) "
            "ELSE word_similarity(%s, stage_name) END DESC, id DESC"
        )
        order = relevance
        params += relevance_params
    order = order or _ORDER_SQL["newest"]
    if q:
        sql = (
            f"SELECT {', '.join(columns)} FROM {TABLE} "  # noqa: S608 (fixed names; values are parameters)
            f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s OFFSET %s"
        )
        return sql, [*params, limit, offset]
    # Without words: the page's ids first, from an ordering index that also carries every
    # filtered column (WALK_COLUMNS: an index-only scan, ~70 entries a page), then the page's
    # rows by primary key. Walking the ordering on the table itself read a heap page per
    # skipped row: "genre=metal, max rate, verified, by rating" skipped ~5 800 rows (5 452
    # buffers at 100 000 artists) where the index-only walk reads ~80 (bench/README.md).
    sql = (
        f"SELECT {', '.join(columns)} FROM {TABLE} WHERE id = ANY(ARRAY("  # noqa: S608 (as above)
        f"SELECT id FROM {TABLE} WHERE {' AND '.join(where)} ORDER BY {order} "
        f"LIMIT %s OFFSET %s)) ORDER BY {order}"
    )
    return sql, [*params, limit, offset]
