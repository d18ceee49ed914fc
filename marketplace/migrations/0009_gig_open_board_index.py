"""A partial, covering index of open gigs for the gig board (PostgreSQL only, like 0004, 0007).

The board asks for open gigs soonest first, filtered by words, a date range, place, genre or
pay, 20 a page. Its statement (``marketplace.filters.board_rows``) now cuts the page's ids
first and reads the page's rows after; with every filter's column in this index (``INCLUDE``,
the search vector too), that walk is an index-only scan that stops at the page's last gig.

Without it PostgreSQL chose between walking ``gig_open_by_start`` (a table read per gig looked
at) and collecting every match (bitmap) then sorting, on its estimate of how many gigs match;
it underestimates words that come together (``hip hop``: ~190 estimated, ~3 300 open and
ahead) and a date range on top of the ``starts_at`` bounds it implies, so such pages read
every match from the table: 900-4 800 buffers, 4-20 ms (bench/README.md, "The gig board's
covering index").
"""

from django.db import migrations

from umbrella.db.migrations import postgresql_only

FORWARD = [
    "CREATE INDEX gig_open_board ON marketplace_gig (starts_at, id) INCLUDE (date, genre,"
    " payment_type, payment_amount, location_city, location_state, search_vector)"
    " WHERE status = 'open'",
]
BACKWARD = ["DROP INDEX IF EXISTS gig_open_board"]



class Migration(migrations.Migration):
    dependencies = [("marketplace", "0008_saved_searches")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
