"""Gigs for you ranks by classes of gigs that score alike (PostgreSQL only, like 0011's place
keys: columns and indexes the ORM does not see).

A gig's score for an artist depends on its genre, its place (the artist's city, their state,
elsewhere), whether it falls on a weekend, its payment type and whether it pays at or above the
artist's rate. The statement (``marketplace.filters.match_json_sql``) walks each such class
soonest first, highest score first, and stops when it has the page: every key of these indexes
but the start is an equality, so a class's soonest gigs are the first entries of its range.
``weekend`` is the day of the week of ``date`` (Saturday or Sunday), written once, when the
row is. Before, gigs for you walked each genre's gigs soonest first and scored the first 100:
its first page was the exact ranking's for 65 % of the bench's artists; now 98 %, for ~0.1 ms
less PostgreSQL CPU a request (bench/README.md, "Gigs for you: the card in the row, and walked
by classes").

The indexes of 0007/0012 stay: the gig board walks them.
"""

from django.db import migrations

from umbrella.db.migrations import postgresql_only

OPEN = "WHERE status = 'open'"
FORWARD = [
    "ALTER TABLE marketplace_gig ADD COLUMN weekend boolean"
    " GENERATED ALWAYS AS (((date - DATE '2000-01-02') % 7 + 7) % 7 IN (0, 6)) STORED",
    # a genre of the artist's in their city
    "CREATE INDEX gig_match_city ON marketplace_gig"
    " (genre, city_key, weekend, payment_type, starts_at, id)"
    f" INCLUDE (date, ends_at, payment_amount) {OPEN}",
    # in their state, outside their city
    "CREATE INDEX gig_match_state ON marketplace_gig"
    " (genre, state_key, weekend, payment_type, starts_at, id)"
    f" INCLUDE (date, ends_at, payment_amount, city_key) {OPEN}",
    # elsewhere
    "CREATE INDEX gig_match_far ON marketplace_gig (genre, weekend, payment_type, starts_at, id)"
    f" INCLUDE (date, ends_at, payment_amount, city_key, state_key) {OPEN}",
    # another genre in their city
    "CREATE INDEX gig_match_other ON marketplace_gig"
    " (city_key, weekend, payment_type, starts_at, id)"
    f" INCLUDE (date, ends_at, payment_amount, genre) {OPEN}",
]
BACKWARD = [
    "DROP INDEX IF EXISTS gig_match_city",
    "DROP INDEX IF EXISTS gig_match_state",
    "DROP INDEX IF EXISTS gig_match_far",
    "DROP INDEX IF EXISTS gig_match_other",
    "ALTER TABLE marketplace_gig DROP COLUMN IF EXISTS weekend",
]


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0014_gig_card")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
