"""Typo fallback from a word list: cost that no longer grows with the number of artists.

``artist_typo_nearest(query)`` (0006) walked a GiST trigram index over every stage name, nearest
first: ~400 buffers at 20 000 artists, ~2 100 at 100 000 (10–40 ms), and most of it for typos
that match nothing. Stage names share their words — thousands of distinct words for any number
of artists — so a typo is now matched to nearby *words* first:

1. ``artists_stagenameword``: every lower-case word of a stage name (split as pg_trgm splits
   them, ``artist_name_words``), with its own GiST trigram index. Each query word takes its 20
   nearest words with a word similarity of at least ``NEAR_WORD`` (0.25: below the name
   threshold, so a word that contributes to a match over two name words is still tried).
2. ``artists_stagenamewordname``: which distinct (lower-case) stage names contain each word; up
   to ``NAMES_PER_WORD`` (200) names per near word are scored with ``word_similarity(query,
   name)`` — the same score and threshold (0.35) as before, so the same names match.
3. The best 50 names, closest first (then by name), give their artists (newest first) through
   an index on ``lower(stage_name)`` until 50 ids are collected.

The same 50 scores as before, at ~60–130 buffers at either size (bench/README.md). What
differs: ties among equally close names are now broken by name and id (the GiST walk gave
whichever it met first); a word shared by more than 200 names (``the``, ``dj``) contributes only
200 of them, so the last places of a query made of such a word can be other equally or less
close names; and a name that reaches the threshold only through trigrams spanning two of its
words without either word being near a query word (``celo`` ~ ``Milo Cruz``: 0.4) is no longer
listed. tests/artists/test_typo_words.py compares the two on a seeded set.

Both tables are kept by a trigger on the profile table (one home for every path that writes a
stage name: services, admin, bulk loads). Words are only added; a name's rows are removed
when no artist has that name any more, under a per-name advisory lock so that a concurrent
insert of the same name cannot lose its rows.

Other databases create the (empty) tables and skip the rest (see artists.filters).
"""

import importlib

from django.db import migrations, models

from umbrella.db.migrations import postgresql_only

TYPO_NEAREST_0006 = importlib.import_module("artists.migrations.0006_typo_nearest")

TYPO_MATCHES = 50
NAME_THRESHOLD = 0.35  # artists.filters.TYPO_THRESHOLD
NEAR_WORD = 0.25
NEAR_WORDS = 20
NAMES_PER_WORD = 200
QUERY_WORDS = 8
LOCK_CLASS = 74_620  # first key of the per-name advisory lock (pg_advisory_xact_lock(int, int))

FORWARD = [
    # The words of a text as pg_trgm sees them: runs of letters and digits, lower case.
    """
    CREATE OR REPLACE FUNCTION artist_name_words(name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT coalesce(array_agg(DISTINCT w), '{}')
        FROM regexp_split_to_table(lower(name), '[^[:alnum:]]+') AS w
        WHERE w <> ''
    $$
    """,
    "CREATE INDEX IF NOT EXISTS artist_name_word_trgm ON artists_stagenameword "
    "USING gist (word gist_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS artist_stage_name_lower ON artists_artistprofile "
    "(lower(stage_name::text), id)",
    f"""
    CREATE OR REPLACE FUNCTION artist_stage_name_words_sync() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        old_name text;
        new_name text;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            old_name := lower(OLD.stage_name);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            new_name := lower(NEW.stage_name);
        END IF;
        IF old_name IS NOT DISTINCT FROM new_name THEN
            RETURN NULL;
        END IF;
        IF old_name IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock({LOCK_CLASS}, hashtext(old_name));
            IF NOT EXISTS (
                SELECT 1 FROM artists_artistprofile WHERE lower(stage_name::text) = old_name
            ) THEN
                DELETE FROM artists_stagenamewordname
                WHERE word = ANY(artist_name_words(old_name)) AND name = old_name;
            END IF;
        END IF;
        IF new_name IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock({LOCK_CLASS}, hashtext(new_name));
            INSERT INTO artists_stagenameword (word)
            SELECT unnest(artist_name_words(new_name))
            ON CONFLICT DO NOTHING;
            INSERT INTO artists_stagenamewordname (word, name)
            SELECT unnest(artist_name_words(new_name)), new_name
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS artist_stage_name_words ON artists_artistprofile",
    "CREATE TRIGGER artist_stage_name_words "
    "AFTER INSERT OR DELETE OR UPDATE OF stage_name ON artists_artistprofile "
    "FOR EACH ROW EXECUTE FUNCTION artist_stage_name_words_sync()",
    # What is there already.
    "INSERT INTO artists_stagenamewordname (word, name) "
    "SELECT DISTINCT unnest(artist_name_words(stage_name)), lower(stage_name::text) "
    "FROM artists_artistprofile ORDER BY 1, 2 ON CONFLICT DO NOTHING",
    "INSERT INTO artists_stagenameword (word) "
    "SELECT DISTINCT word FROM artists_stagenamewordname ORDER BY 1 ON CONFLICT DO NOTHING",
    f"""
    CREATE OR REPLACE FUNCTION artist_typo_nearest(query text) RETURNS bigint[]
    LANGUAGE plpgsql STABLE
    AS $$
    DECLARE
        found bigint[] := '{{}}';
        best text;
    BEGIN
        FOR best IN
            SELECT n.name FROM (
                SELECT DISTINCT p.name
                FROM unnest((artist_name_words(query))[1:{QUERY_WORDS}]) AS qw
                CROSS JOIN LATERAL (
                    SELECT v.word FROM artists_stagenameword v
                    ORDER BY qw <<-> v.word
                    LIMIT {NEAR_WORDS}
                ) v
                CROSS JOIN LATERAL (
                    SELECT p.name FROM artists_stagenamewordname p
                    WHERE p.word = v.word
                    LIMIT {NAMES_PER_WORD}
                ) p
                WHERE word_similarity(qw, v.word) >= {NEAR_WORD}
            ) n
            WHERE word_similarity(query, n.name) >= {NAME_THRESHOLD}
            ORDER BY word_similarity(query, n.name) DESC, n.name
            LIMIT {TYPO_MATCHES}
        LOOP
            found := found || ARRAY(
                SELECT a.id FROM artists_artistprofile a
                WHERE lower(a.stage_name::text) = best
                ORDER BY a.id DESC
                LIMIT {TYPO_MATCHES} - cardinality(found)
            );
            EXIT WHEN cardinality(found) >= {TYPO_MATCHES};
        END LOOP;
        RETURN found;
    END
    $$
    """,
    # Served only the function as 0006 wrote it; every stage-name write paid for it.
    "DROP INDEX IF EXISTS artist_stage_name_trgm_gist",
    "ANALYZE artists_stagenameword",
    "ANALYZE artists_stagenamewordname",
    "ANALYZE artists_artistprofile",
]
BACKWARD = [
    TYPO_NEAREST_0006.FORWARD[0],  # the GiST index on stage names
    TYPO_NEAREST_0006.FORWARD[2],  # artist_typo_nearest as 0006 wrote it
    "DROP TRIGGER IF EXISTS artist_stage_name_words ON artists_artistprofile",
    "DROP FUNCTION IF EXISTS artist_stage_name_words_sync()",
    "DROP INDEX IF EXISTS artist_stage_name_lower",
    "DROP FUNCTION IF EXISTS artist_name_words(text)",
]



class Migration(migrations.Migration):
    dependencies = [("artists", "0009_discovery_read_speed")]

    operations = [
        migrations.CreateModel(
            name="StageNameWord",
            fields=[("word", models.TextField(primary_key=True, serialize=False))],
        ),
        migrations.CreateModel(
            name="StageNameWordName",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "word",
                        "name",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("word", models.TextField()),
                ("name", models.TextField()),
            ],
        ),
        postgresql_only(FORWARD, BACKWARD),
    ]
