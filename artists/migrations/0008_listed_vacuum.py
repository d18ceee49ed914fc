"""PostgreSQL only: ``VACUUM ANALYZE`` after 0007 rewrote every listed profile's row.

Filling ``listed`` updated each row, so every index got a new entry per row, and the GIN
indexes (full text, stage names, genres, performance types) keep new entries in a pending list
that each search then scans in full until a vacuum merges it. On the 20 000 bench artists,
before this: ``q=saxophone`` 3 588 buffers and ~18 ms, ``q=velvet foxes`` 403, ``genre=house &
city=Detroit`` 221; after: 741, 20 and 71 buffers (~1 ms). Autovacuum would get there in
time; this makes it happen with the migration. ``VACUUM`` cannot run in a transaction, hence a
migration of its own that is not atomic.
"""

from django.db import migrations


def vacuum(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE artists_artistprofile")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("artists", "0007_listed")]

    operations = [migrations.RunPython(vacuum, migrations.RunPython.noop, atomic=False)]
