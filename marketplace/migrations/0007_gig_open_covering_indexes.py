"""Partial, covering indexes of open gigs for the fast reads (PostgreSQL only, like 0004).

Gigs for you (``marketplace.filters.match_sql``) walks, per genre of the artist (in their city,
elsewhere) and for their city, the open gigs soonest first: each index carries what scoring and
the exclusions read (``INCLUDE``), so a walk is an index-only scan and only the chosen gigs are
read from the table. The gig board's genre and city filters use them too.
"""

from django.db import migrations

from umbrella.db.migrations import postgresql_only

COVER = "INCLUDE (date, ends_at, payment_type, payment_amount, location_city, location_state)"
OPEN = "WHERE status = 'open'"
FORWARD = [
    f"CREATE INDEX gig_open_genre_city ON marketplace_gig "
    f"(genre, upper(location_city), starts_at, id) {COVER} {OPEN}",
    f"CREATE INDEX gig_open_genre ON marketplace_gig (genre, starts_at, id) {COVER} {OPEN}",
    f"CREATE INDEX gig_open_city ON marketplace_gig "
    f"(upper(location_city), starts_at, id) INCLUDE (genre, date, ends_at, payment_type, "
    f"payment_amount, location_city, location_state) {OPEN}",
]
BACKWARD = [
    "DROP INDEX IF EXISTS gig_open_city",
    "DROP INDEX IF EXISTS gig_open_genre",
    "DROP INDEX IF EXISTS gig_open_genre_city",
]



class Migration(migrations.Migration):
    dependencies = [("marketplace", "0006_calendar_feed")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
