"""``ArtistProfile.listed``: a stored copy of "the owner is an active, onboarded artist" for
discovery (no per-row read of the user), set here for existing profiles; from now on kept by
``artists.services.profiles.artist_listed_sync`` through ``accounts.state_hooks``. Indexes per
list ordering, of listed profiles only, replace the plain rating and gigs indexes."""

from django.conf import settings
from django.db import migrations, models


def fill_listed(apps, schema_editor):
    ArtistProfile = apps.get_model("artists", "ArtistProfile")
    ArtistProfile.objects.filter(
        user__role="artist", user__onboarding_complete=True, user__is_active=True
    ).update(listed=True)


def analyze(apps, schema_editor):
    # Planner statistics for the new column now, not at autovacuum's next pass: until then the
    # planner guessed half the rows listed and checked the flag through an index bitmap.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE artists_artistprofile")


class Migration(migrations.Migration):
    dependencies = [
        ("artists", "0006_typo_nearest"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="artistprofile",
            name="artists_art_avg_rat_f20638_idx",
        ),
        migrations.RemoveIndex(
            model_name="artistprofile",
            name="artists_art_total_g_23461a_idx",
        ),
        migrations.AddField(
            model_name="artistprofile",
            name="listed",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(fill_listed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["-created_at", "-id"],
                name="artist_listed_new",
            ),
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["-avg_rating", "-total_reviews", "-id"],
                name="artist_listed_rating",
            ),
        ),
        migrations.AddIndex(
            model_name="artistprofile",
            index=models.Index(
                condition=models.Q(("listed", True)),
                fields=["-total_gigs", "-id"],
                name="artist_listed_gigs",
            ),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop),
    ]
