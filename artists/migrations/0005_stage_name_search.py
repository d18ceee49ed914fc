"""PostgreSQL only: a full-text index on stage names alone.

Search ranks at most ``artists.filters.RANK_CANDIDATES`` full-text matches of a query. With this
index the stage-name matches (the best-ranked ones, weight A) are taken first, so a broad word
that also names a band still finds that band, whatever its place in the table.

Other databases skip it (see artists.filters).
"""

from django.db import migrations

FORWARD = (
    "CREATE INDEX IF NOT EXISTS artist_stage_name_fts ON artists_artistprofile "
    "USING gin (to_tsvector('english'::regconfig, stage_name))"
)
BACKWARD = "DROP INDEX IF EXISTS artist_stage_name_fts"


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("artists", "0004_field_rules")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
