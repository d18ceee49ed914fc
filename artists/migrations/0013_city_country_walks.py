"""The city-first and country-first ordering indexes carry the filtered columns too.

0012 made the listed ordering indexes covering (``INCLUDE`` every column of
``artists.filters.WALK_COLUMNS``), so a browse finds its page's ids without reading the table.
The commonest browse, a genre in a city, used the city-first indexes of 0009 instead, which
carried nothing: it read every row of the city and genre from the table to check the rest
(``genre=country&city=New Orleans&verified=true``: 667 buffers at 100 000 artists; with the
covering index 90; ``performance_type=acoustic&city=Nashville&verified=true`` 521 -> 109). The
same for the country-first indexes of 0012. The city indexes are expression indexes
(``upper(location_city)``), made here in SQL as 0009 made them; ``location_city`` is among the
included columns, which is what lets PostgreSQL answer from the index alone.
"""

from django.conf import settings
from django.db import migrations, models


# Same as WALK_INCLUDE in artists.models at the time of writing (no import: a migration keeps
# its own copy).
WALK_INCLUDE = (
    "primary_genre, secondary_genres, location_city, location_state, location_country, "
    "base_rate_flat, avg_rating, verified, available_weekdays, available_weekends, "
    "performance_types"
)
WITHOUT_RATING = WALK_INCLUDE.replace(" avg_rating,", "")
CITY_ORDER_INDEXES = {  # as 0009
    "artist_listed_city_new": ("created_at DESC, id DESC", WALK_INCLUDE),
    "artist_listed_city_rating": (
        "avg_rating DESC, total_reviews DESC, id DESC",
        WITHOUT_RATING,
    ),
    "artist_listed_city_gigs": ("total_gigs DESC, id DESC", WALK_INCLUDE),
}


def _city_indexes(covering):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, (order, include) in CITY_ORDER_INDEXES.items():
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
            schema_editor.execute(
                f"CREATE INDEX {name} ON artists_artistprofile "
                f"(upper(location_city::text), {order})"
                + (f" INCLUDE ({include})" if covering else "")
                + " WHERE listed"
            )
        schema_editor.execute("ANALYZE artists_artistprofile")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("artists", "0012_filter_walks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="artistprofile",
            name="artist_listed_country_new",
        ),
        migrations.RemoveIndex(
            model_name="artistprofile",
            name="artist_listed_country_rating",
        ),
        migrations.RemoveIndex(
            model_name="artistprofile",
            name="artist_listed_country_gigs",
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["location_country", "-created_at", "-id"],
                include=(
                    "primary_genre",
                    "secondary_genres",
                    "location_city",
                    "location_state",
                    "location_country",
                    "base_rate_flat",
                    "avg_rating",
                    "verified",
                    "available_weekdays",
                    "available_weekends",
                    "performance_types",
                ),
                name="artist_listed_country_new",
            ),
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["location_country", "-avg_rating", "-total_reviews", "-id"],
                include=(
                    "primary_genre",
                    "secondary_genres",
                    "location_city",
                    "location_state",
                    "location_country",
                    "base_rate_flat",
                    "verified",
                    "available_weekdays",
                    "available_weekends",
                    "performance_types",
                ),
                name="artist_listed_country_rating",
            ),
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["location_country", "-total_gigs", "-id"],
                include=(
                    "primary_genre",
                    "secondary_genres",
                    "location_city",
                    "location_state",
                    "location_country",
                    "base_rate_flat",
                    "avg_rating",
                    "verified",
                    "available_weekdays",
                    "available_weekends",
                    "performance_types",
                ),
                name="artist_listed_country_gigs",
            ),
        ),
        migrations.RunPython(_city_indexes(covering=True), _city_indexes(covering=False)),
    ]
