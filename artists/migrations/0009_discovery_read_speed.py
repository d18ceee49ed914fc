"""PostgreSQL only: discovery reads that cost the same at 20 000 and 100 000 artists.

**GIN indexes without a pending list.** A GIN index (full text, stage names, genres, performance
types) keeps new entries in a pending list (``fastupdate``, up to 4 MB) that every search reads
in full until a vacuum merges it. Every non-HOT update of a profile row adds to it, and the
profile-view flush updates thousands of rows (one per viewed artist) every few minutes: after
one benchmark run (~3 000 views) a one-word search read ~300 more buffers — a third of its
reads — until autovacuum came by (at 20 % of the table changed: rarely, on a big table).
Without the pending list an update writes its entries into the index at once: the flush pays,
not the searches.

**Room for HOT updates.** ``fillfactor = 85`` leaves ~1.2 kB free per 8 kB page (a profile row
is ~1.1 kB), so a counter update (``profile_views``: no index covers it) can stay on its page
and write no index entry at all. It applies to pages written from now on; ``VACUUM FULL``
applies it to the whole table at once (it locks the table: not done here).

**City × ordering.** The commonest filter, a genre in a city, walked an ordering index and
dropped the rows of other cities: ~4 000 rows read for 21 at 100 000 artists (~600 at 20 000),
or read every match and sorted them (growing with the table too). With the city leading each
listed-ordering index, the walk stays in the city and only skips other genres: ~200 buffers at
either size (``bench/README.md``).
"""

from django.db import migrations

GIN_INDEXES = (
    "artist_search_vector_gin",
    "artist_stage_name_fts",
    "artist_secondary_genres_gin",
    "artist_performance_types_gin",
)
# Same orderings as artists.filters.ORDERINGS (and the artist_listed_* indexes), city first.
CITY_ORDER_INDEXES = {
    "artist_listed_city_new": "created_at DESC, id DESC",
    "artist_listed_city_rating": "avg_rating DESC, total_reviews DESC, id DESC",
    "artist_listed_city_gigs": "total_gigs DESC, id DESC",
}


def _forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in GIN_INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
        # What is pending now goes into the index proper (fastupdate off stops new entries only).
        schema_editor.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")
    schema_editor.execute("ALTER TABLE artists_artistprofile SET (fillfactor = 85)")
    for name, order in CITY_ORDER_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON artists_artistprofile "
            f"(upper(location_city::text), {order}) WHERE listed"
        )
    schema_editor.execute("ANALYZE artists_artistprofile")


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CITY_ORDER_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for index in GIN_INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} RESET (fastupdate)")
    schema_editor.execute("ALTER TABLE artists_artistprofile RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("artists", "0008_listed_vacuum")]

    operations = [migrations.RunPython(_forward, _backward)]
