"""The indexes gigs for you walks carry each gig's ``updated_at`` (PostgreSQL only, like 0007).

The cards of gigs for you are kept per gig version (``marketplace.filters.match_json``): with
``updated_at`` in the walked entries, the ranking statement names the page's versions without
reading the page's gigs from the table (20 primary-key lookups, ~0.2 ms of the statement's
~1.5 ms of PostgreSQL CPU on the bench machine).
"""

from django.db import migrations

from umbrella.db.migrations import postgresql_only

OPEN = "WHERE status = 'open'"
OLD = {
    "gig_open_genre_city": (
        "(genre, upper(location_city), starts_at, id)",
        "date, ends_at, payment_type, payment_amount, location_city, location_state",
    ),
    "gig_open_genre": (
        "(genre, starts_at, id)",
        "date, ends_at, payment_type, payment_amount, location_city, location_state,"
        " city_key, state_key",
    ),
    "gig_open_city": (
        "(upper(location_city), starts_at, id)",
        "genre, date, ends_at, payment_type, payment_amount, location_city, location_state",
    ),
}


def _create(name: str, keys: str, cover: str) -> list[str]:
    return [
        f"DROP INDEX IF EXISTS {name}",
        f"CREATE INDEX {name} ON marketplace_gig {keys} INCLUDE ({cover}) {OPEN}",
    ]


FORWARD = [
    sql
    for name, (keys, cover) in OLD.items()
    for sql in _create(name, keys, f"{cover}, updated_at")
]
BACKWARD = [sql for name, (keys, cover) in OLD.items() for sql in _create(name, keys, cover)]


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0011_gig_place_keys")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
