"""PostgreSQL only: ``VACUUM ANALYZE`` the word list 0010 filled.

The typo fallback reads which names contain a word from the primary key alone (an index-only
scan), which needs the visibility map that a vacuum sets; right after the backfill it read the
table's pages instead (~130 buffers for two words at 100 000 artists, against ~6). Autovacuum
would get there in time; this makes it happen with the migration. ``VACUUM`` cannot run in a
transaction, hence a migration of its own that is not atomic (as 0008).
"""

from django.db import migrations


def vacuum(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE artists_stagenameword, artists_stagenamewordname")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("artists", "0010_stage_name_words")]

    operations = [migrations.RunPython(vacuum, migrations.RunPython.noop, atomic=False)]
