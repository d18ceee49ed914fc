"""The demo's pictures: every demo artist has an avatar and a banner, kept by a second run, and
the search cards and the profile show them. (Moved from test_pages_ui.py so the module can seed
the demo once: ``seeded_demo``.)"""

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD
from artists.demo import ARTISTS
from artists.models import ArtistProfile, Track
from artists.selectors import completeness_of

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_every_artist_an_avatar_and_a_banner(seeded_demo):
    profiles = ArtistProfile.objects.filter(user__email__in=[a["email"] for a in ARTISTS])
    assert profiles.count() == len(ARTISTS)
    for profile in profiles:
        assert profile.avatar.name.endswith(".jpg") and profile.banner.name.endswith(".jpg")
        assert profile.avatar.storage.exists(profile.avatar.name)
        missing = completeness_of(artist=profile)["missing"]
        assert "Profile photo" not in missing and "Banner image" not in missing
        assert "Bio" not in missing
        assert Track.objects.filter(artist=profile).exists()
    # Idempotent: a second run keeps the same pictures.
    before = {p.pk: (p.avatar.name, p.banner.name) for p in profiles}
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = {p.pk: (p.avatar.name, p.banner.name) for p in profiles.all()}
    assert before == after
    assert DEMO_PASSWORD


def test_search_cards_show_the_avatar(client, seeded_demo):
    nova = ArtistProfile.objects.get(slug="nova-reyes")

    html = client.get("/artists/", {"q": "Nova"}).content.decode()
    profile = client.get("/artists/nova-reyes/").content.decode()

    assert f'<img class="avatar" src="{nova.avatar.url}"' in html
    assert f'src="{nova.banner.url}"' in profile and f'src="{nova.avatar.url}"' in profile
