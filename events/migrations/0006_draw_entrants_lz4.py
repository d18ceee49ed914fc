"""PostgreSQL only: store a draw's entrant list compressed with lz4 instead of pglz.

A draw among 100 000 entrants keeps their ids (``Draw.entrants``, ~1.5 MB as jsonb); PostgreSQL
compresses a value that large before storing it, and pglz took ~280 ms of the draw's ~820 ms
under load (bench/draws.py), lz4 ~10 ms for a slightly larger value. Only the storage changes
(the column, its type and every read stay the same; rows written before keep pglz until
rewritten). A server built without lz4 keeps pglz (the notice says so). docs/draws.md, "What a
draw costs"; docs/decisions/draws-data.md.
"""

from django.db import migrations

FORWARD = """
DO $$
BEGIN
    ALTER TABLE events_draw ALTER COLUMN entrants SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available here: draws keep pglz';
END
$$
"""
BACKWARD = "ALTER TABLE events_draw ALTER COLUMN entrants SET COMPRESSION default"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("events", "0005_merge_0004_quiz_runs_0004_rooms_audit")]

    operations = [migrations.RunPython(forward, backward)]
