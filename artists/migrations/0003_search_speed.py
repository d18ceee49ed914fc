"""PostgreSQL search speed (measured with ``python -m bench`` on 20 000 artists; bench/README.md).

* ``artist_typo_ids(query)``: typo tolerance as a fallback. When the query's words match no
  artist's text, the ids of artists whose stage name is within trigram word similarity 0.35 of
  the query (``artists.filters.TYPO_THRESHOLD``), found through the trigram GIN index; when
  they match something, no ids. Before, ``word_similarity(q, stage_name) > 0.35`` ORed with the
  full-text match could use no index, so every search read and scored all 20 000 names (~45 ms).
  The index operator ``<%`` compares with the setting ``pg_trgm.word_similarity_threshold``
  (default 0.6, which misses one-letter typos in short names), so the function sets it for its
  own run only. Queried as ``id = ANY((SELECT artist_typo_ids(q))::bigint[])`` it runs once per
  search and its ids are ORed with the full-text GIN index by the planner.
* Indexes on ``upper(location_city)`` and ``upper(location_state)``: those filters are
  case-insensitive (``iexact``); a rare city or state otherwise walked most of the table.

Other databases skip this migration's SQL (see artists.filters).
"""

from django.db import migrations

from umbrella.db.migrations import postgresql_only

FORWARD = [
    """
    CREATE FUNCTION artist_typo_ids(query text) RETURNS bigint[]
    LANGUAGE sql STABLE
    SET pg_trgm.word_similarity_threshold = 0.35
    AS $$
        SELECT CASE
            WHEN EXISTS (
                SELECT FROM artists_artistprofile
                WHERE search_vector @@ websearch_to_tsquery('english', query)
            ) THEN '{}'::bigint[]
            ELSE (
                SELECT coalesce(array_agg(id), '{}') FROM artists_artistprofile
                WHERE query <% stage_name
            )
        END
    $$
    """,
    "CREATE INDEX artist_city_upper ON artists_artistprofile (upper(location_city))",
    "CREATE INDEX artist_state_upper ON artists_artistprofile (upper(location_state))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS artist_state_upper",
    "DROP INDEX IF EXISTS artist_city_upper",
    "DROP FUNCTION IF EXISTS artist_typo_ids(text)",
]



class Migration(migrations.Migration):
    dependencies = [("artists", "0002_search_indexes")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
