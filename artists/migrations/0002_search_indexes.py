"""PostgreSQL search: a weighted full-text column with a GIN index, and a trigram index on the
stage name for typo tolerance. Other databases skip this migration's SQL (see artists.filters)."""

from django.db import migrations

from umbrella.db.migrations import postgresql_only

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    ALTER TABLE artists_artistprofile ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(stage_name, '')), 'A')
        || setweight(to_tsvector('english', coalesce(tagline, '')), 'B')
        || setweight(to_tsvector('english',
               coalesce(primary_genre, '') || ' ' || coalesce(secondary_genres::text, '')
               || ' ' || coalesce(influences::text, '')), 'B')
        || setweight(to_tsvector('english', coalesce(bio, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX artist_search_vector_gin ON artists_artistprofile USING GIN (search_vector)",
    "CREATE INDEX artist_stage_name_trgm ON artists_artistprofile USING GIN (stage_name gin_trgm_ops)",
    "CREATE INDEX artist_secondary_genres_gin ON artists_artistprofile USING GIN (secondary_genres jsonb_path_ops)",
    "CREATE INDEX artist_performance_types_gin ON artists_artistprofile USING GIN (performance_types jsonb_path_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS artist_performance_types_gin",
    "DROP INDEX IF EXISTS artist_secondary_genres_gin",
    "DROP INDEX IF EXISTS artist_stage_name_trgm",
    "DROP INDEX IF EXISTS artist_search_vector_gin",
    "ALTER TABLE artists_artistprofile DROP COLUMN IF EXISTS search_vector",
]



class Migration(migrations.Migration):
    dependencies = [("artists", "0001_initial")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
