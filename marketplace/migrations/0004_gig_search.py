"""PostgreSQL full-text search over gigs: a weighted, stored tsvector (title A; genre, venue
name and city B; description C) with a GIN index. Other databases skip this migration's SQL
(``selectors.gig_search`` falls back to a plain match there)."""

from django.db import migrations

from umbrella.db.migrations import postgresql_only

FORWARD = [
    """
    ALTER TABLE marketplace_gig ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('english',
               coalesce(genre, '') || ' ' || coalesce(venue_name, '') || ' '
               || coalesce(location_city, '')), 'B')
        || setweight(to_tsvector('english', coalesce(description, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX gig_search_vector_gin ON marketplace_gig USING GIN (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS gig_search_vector_gin",
    "ALTER TABLE marketplace_gig DROP COLUMN IF EXISTS search_vector",
]



class Migration(migrations.Migration):
    dependencies = [("marketplace", "0003_venue_verification_notes")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
