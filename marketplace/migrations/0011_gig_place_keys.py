"""Gigs' city and state upper-cased once, when written (PostgreSQL only, like 0004's search
vector: generated columns the ORM does not see), and carried by the index of open gigs by genre.

Gigs for you's walks of a genre's gigs outside the artist's city compared ``UPPER(city)`` and
``UPPER(state)`` for every gig they passed (three case mappings in the database's collation a
gig, ~0.5 µs each: ~0.1 ms of the statement's ~1.1 ms); they now read ``city_key`` and
``state_key`` from ``gig_open_genre`` (``marketplace.filters``, "gigs for you").
"""

from django.db import migrations

from umbrella.db.migrations import postgresql_only

COVER = (
    "INCLUDE (date, ends_at, payment_type, payment_amount, location_city, location_state,"
    " city_key, state_key)"
)
FORWARD = [
    "ALTER TABLE marketplace_gig"
    " ADD COLUMN city_key text GENERATED ALWAYS AS (upper(location_city)) STORED,"
    " ADD COLUMN state_key text GENERATED ALWAYS AS (upper(location_state)) STORED",
    "DROP INDEX IF EXISTS gig_open_genre",
    f"CREATE INDEX gig_open_genre ON marketplace_gig (genre, starts_at, id) {COVER}"
    " WHERE status = 'open'",
]
BACKWARD = [
    "DROP INDEX IF EXISTS gig_open_genre",
    "CREATE INDEX gig_open_genre ON marketplace_gig (genre, starts_at, id)"
    " INCLUDE (date, ends_at, payment_type, payment_amount, location_city, location_state)"
    " WHERE status = 'open'",
    "ALTER TABLE marketplace_gig DROP COLUMN IF EXISTS city_key,"
    " DROP COLUMN IF EXISTS state_key",
]


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0010_application_artist_gig_index")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
