"""PostgreSQL only: typo matches from a GiST trigram index, nearest first, at most 50.

``artist_typo_nearest(query)`` replaces ``artist_typo_ids`` (0003), which found near-miss stage names through the GIN trigram index with the
low threshold 0.35: for a two-word query that matches no text, the index gave hundreds to
thousands of candidates to recheck (~3 500 buffers, ~330 ms under load at 20 000 artists). A
GiST trigram index walks names in order of word-similarity distance (``<<->``), so the function
now stops after the 50 nearest names within the threshold (~260 buffers, ~12 ms). Typo matches
are ranked by that similarity anyway: only matches below the 50th closest are no longer listed.

Other databases skip it (see artists.filters).
"""

import importlib

from django.db import migrations

from umbrella.db.migrations import postgresql_only

SEARCH_SPEED_FORWARD = importlib.import_module("artists.migrations.0003_search_speed").FORWARD

TYPO_MATCHES = 50

FORWARD = [
    "CREATE INDEX IF NOT EXISTS artist_stage_name_trgm_gist ON artists_artistprofile "
    "USING gist (stage_name gist_trgm_ops)",
    # The GIN trigram index (0002) served only this function; with it in place the planner
    # still chose it (a bitmap of every candidate, then a sort) over the nearest-first walk.
    "DROP INDEX IF EXISTS artist_stage_name_trgm",
    f"""
    CREATE OR REPLACE FUNCTION artist_typo_nearest(query text) RETURNS bigint[]
    LANGUAGE sql STABLE
    SET pg_trgm.word_similarity_threshold = 0.35
    AS $$
        SELECT ARRAY(
            SELECT id FROM artists_artistprofile
            WHERE query <% stage_name
            ORDER BY query <<-> stage_name
            LIMIT {TYPO_MATCHES}
        )
    $$
    """,
    # Its check "do the words match anything?" ran inside the function as a generic plan: a
    # sequential scan of the whole table whenever they matched nothing (~4 000 buffers). The
    # search query now asks that itself, from the full-text matches it has already collected.
    "DROP FUNCTION IF EXISTS artist_typo_ids(text)",
]
BACKWARD = [
    "DROP FUNCTION IF EXISTS artist_typo_ids(text)",
    SEARCH_SPEED_FORWARD[0],  # artist_typo_ids as 0003 made it
    "DROP FUNCTION IF EXISTS artist_typo_nearest(text)",
    "CREATE INDEX IF NOT EXISTS artist_stage_name_trgm ON artists_artistprofile "
    "USING gin (stage_name gin_trgm_ops)",
    "DROP INDEX IF EXISTS artist_stage_name_trgm_gist",
]


class Migration(migrations.Migration):
    dependencies = [("artists", "0005_stage_name_search")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
