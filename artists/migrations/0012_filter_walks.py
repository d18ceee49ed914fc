"""Filtered browses (no words) that do not read the table to skip rows.

**Ordering indexes that carry the filtered columns.** A browse walks an ordering index (by date,
rating or gigs) and, before this, read each row's table page to check the filters: "metal, max
rate 2 000, verified, by rating" skipped ~5 800 rows for 21 (5 452 buffers at 100 000
artists). The three listed ordering indexes now ``INCLUDE`` every filtered column
(``artists.filters.WALK_COLUMNS``), and ``list_sql`` first takes the page's ids by an
index-only walk (~80 buffers there), then reads those rows by primary key. (SQLite, the
embedded default, has no covering indexes: Django creates the same indexes there without the
included columns.)

**Orderings within a country**, as 0009 did for the city: ``country=DE&ordering=gigs`` walked
the whole gigs index dropping every other country (1 938 buffers at 100 000 artists), 24 now.

**Autovacuum at 2 % of the profiles** (PostgreSQL only) instead of 20 %: an index-only walk
reads the table page of any row on a page changed since the last vacuum (the visibility map),
and the profile-view flush changes thousands of rows every few minutes. Vacuuming a page that
only took HOT updates is cheap; without it the walks drift back towards reading the table.
"""

from django.conf import settings
from django.db import migrations, models


def _autovacuum(scale_factor):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                "ALTER TABLE artists_artistprofile "
                f"SET (autovacuum_vacuum_scale_factor = {scale_factor})"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("artists", "0011_stage_name_words_vacuum"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="artistprofile",
            name="artist_listed_new",
        ),
        migrations.RemoveIndex(
            model_name="artistprofile",
            name="artist_listed_rating",
        ),
        migrations.RemoveIndex(
            model_name="artistprofile",
            name="artist_listed_gigs",
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["-created_at", "-id"],
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
                name="artist_listed_new",
            ),
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["-avg_rating", "-total_reviews", "-id"],
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
                name="artist_listed_rating",
            ),
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["-total_gigs", "-id"],
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
                name="artist_listed_gigs",
            ),
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["location_country", "-created_at", "-id"],
                name="artist_listed_country_new",
            ),
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["location_country", "-avg_rating", "-total_reviews", "-id"],
                name="artist_listed_country_rating",
            ),
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["location_country", "-total_gigs", "-id"],
                name="artist_listed_country_gigs",
            ),
        ),
        migrations.RunPython(_autovacuum(0.02), _autovacuum(0.2)),
    ]
