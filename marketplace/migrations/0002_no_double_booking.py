"""PostgreSQL: an artist can't hold two active bookings whose times overlap.

An exclusion constraint over (artist, [starts_at, ends_at)) needs btree_gist for the ``=`` on
the artist id. The accept service checks first under a lock on the artist's row (and answers
409); this constraint is the backstop for any write that skips the service. Other databases
skip this migration's SQL.
"""

from django.db import migrations

from umbrella.db.migrations import postgresql_only

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """
    ALTER TABLE marketplace_booking ADD CONSTRAINT booking_no_overlap_per_artist
    EXCLUDE USING gist (artist_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'active')
    """,
]
BACKWARD = [
    "ALTER TABLE marketplace_booking DROP CONSTRAINT IF EXISTS booking_no_overlap_per_artist",
]



class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
