"""Applications carry their gig's start (``Application.gig_starts_at``), so gigs for you reads an
artist's applications to gigs still to come from an index range instead of the whole history.
The index for the artist's applications newest first loses the gig it carried for that."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_gig_starts(apps, schema_editor):
    Application = apps.get_model("marketplace", "Application")
    Gig = apps.get_model("marketplace", "Gig")
    Application.objects.update(
        gig_starts_at=Subquery(Gig.objects.filter(pk=OuterRef("gig_id")).values("starts_at")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0012_match_indexes_carry_version")]

    operations = [
        migrations.AddField(
            model_name="application",
            name="gig_starts_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(copy_gig_starts, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="application",
            name="gig_starts_at",
            field=models.DateTimeField(editable=False),
        ),
        migrations.RemoveIndex(model_name="application", name="application_artist_gig"),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["artist", "-created_at"], name="application_artist_created"),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                fields=["artist", "gig_starts_at"],
                include=("gig",),
                name="application_artist_upcoming",
            ),
        ),
    ]
