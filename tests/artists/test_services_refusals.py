"""Refusals and edges of the artist services, checked by code, message and field (found by
mutation testing: see docs/testing.md)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from artists import services
from artists.models import ArtistProfile, Track, VerificationNote
from tests.accounts.factories import NewUserFactory
from tests.artists.factories import ArtistProfileFactory, wav_upload
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db

STEP1 = {"stage_name": "Nova Reyes", "location_city": "Austin", "location_country": "US"}


def refused(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value


def test_a_play_counts_only_the_track_played(artist):
    first, second = (
        services.track_create(user=artist.user, audio=wav_upload(), data={"title": t})
        for t in ("A", "B")
    )

    assert services.track_play(track_id=first.pk, artist_slug=artist.slug, ip="203.0.113.1")

    assert dict(Track.objects.values_list("title", "plays")) == {"A": 1, "B": 0}
    error = refused(services.track_play, track_id=second.pk, artist_slug="nobody", ip=None)
    assert (error.code, error.message, error.status_code) == ("not_found", "No such track.", 404)


def test_the_error_message_is_the_first_problem_named():
    artist = ArtistProfileFactory()
    client = APIClient()
    client.force_authenticate(artist.user)

    response = client.patch("/api/v1/artists/me", {"location_country": "USA"}, format="json")

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["message"] and error["message"] == error["details"]["location_country"][0]


def _new_artist():
    return NewUserFactory(role="artist")


def test_a_step_cannot_be_skipped_by_one():
    user = _new_artist()

    error = refused(services.onboarding_save_step, user=user, number=2, data={})

    assert (error.code, error.status_code) == ("step_out_of_order", 409)
    assert error.message == "Finish step 1 first." and error.details == {"next_step": 1}
    services.onboarding_save_step(user=user, number=1, data=STEP1)
    error = refused(services.onboarding_save_step, user=user, number=3, data={})
    assert error.message == "Finish step 2 first." and error.details == {"next_step": 2}
    assert ArtistProfile.objects.get(user=user).onboarding_step == 1


def test_an_unknown_step_is_named():
    error = refused(services.onboarding_save_step, user=_new_artist(), number=6, data={})

    assert (error.code, error.message, error.status_code) == (
        "not_found",
        "There is no step 6.",
        404,
    )


@pytest.mark.parametrize(
    ("stage_name", "slug"),
    [("!!!", "artist"), ("a" * 100, "a" * 70), ("Me", "me-artist")],
)
def test_slugs_are_at_most_70_characters_and_never_empty(stage_name, slug):
    user = _new_artist()

    profile = services.onboarding_save_step(
        user=user, number=1, data={**STEP1, "stage_name": stage_name}
    )

    assert profile.slug == slug


def test_only_staff_verify_and_a_note_is_required(artist):
    staff = User.objects.create_superuser(email="staff@example.com", password="x" * 12)

    error = refused(
        services.artist_set_verified, artist_id=artist.pk, by=artist.user, verified=True, note="x"
    )
    assert (error.code, error.status_code) == ("permission_denied", 403)
    error = refused(
        services.artist_set_verified, artist_id=artist.pk, by=staff, verified=True, note=" "
    )
    assert error.code == "validation_error" and list(error.details) == ["note"]
    assert error.message == error.details["note"][0]

    services.artist_set_verified(artist_id=artist.pk, by=staff, verified=True, note="  Checked ")

    assert ArtistProfile.objects.get(pk=artist.pk).verified
    assert list(VerificationNote.objects.values_list("note", flat=True)) == ["Checked"]


def test_profile_edits_before_onboarding_started_are_not_found():
    error = refused(services.profile_update, user=_new_artist(), data={"tagline": "x"})

    assert (error.code, error.status_code) == ("not_found", 404)
    assert "onboarding" in error.message


def test_an_upload_is_stored_under_the_artists_folder_with_a_safe_name(artist):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.artists.factories import PNG_1PX

    upload = SimpleUploadedFile("promo shot.png", PNG_1PX)

    media = services.media_upload(user=artist.user, category="press_photo", upload=upload)

    name = media.file.name
    assert name.startswith(f"artists/media/{artist.pk}/") and name.endswith("/promo_shot.png")
    assert media.filename == "promo shot.png"
    with media.file.open("rb") as stored:
        assert stored.read() == PNG_1PX


def _staff():
    return User.objects.create_superuser(email="staff@example.com", password="x" * 12)


@pytest.mark.parametrize(
    ("slug", "problem"),
    [
        (None, "Use lower-case letters, digits and hyphens."),
        ("not a slug", "Use lower-case letters, digits and hyphens."),
        ("me", "“me” is reserved for the site's own pages."),
        ("taken-one", "Another artist has this address."),
    ],
)
def test_staff_addresses_are_checked_by_the_service(artist, slug, problem):
    ArtistProfileFactory(slug="taken-one")

    error = refused(services.profile_check, profile=artist, data={"slug": slug})

    assert error.code == "validation_error" and error.details == {"slug": [problem]}


def test_staff_may_keep_or_change_an_address(artist):
    assert services.profile_check(profile=artist, data={"slug": " New-Home "}) == {
        "slug": "new-home"
    }

    services.profile_update_by_staff(
        artist_id=artist.pk, by=_staff(), data={"slug": artist.slug, "tagline": "Kept address."}
    )

    assert ArtistProfile.objects.get(pk=artist.pk).tagline == "Kept address."


def test_an_unknown_image_kind_is_not_found(artist):
    error = refused(services.profile_set_image, user=artist.user, kind="poster", upload=None)

    assert (error.code, error.message, error.status_code) == (
        "not_found",
        "Unknown image kind.",
        404,
    )


def test_after_the_numbered_attempts_a_random_suffix_is_tried(monkeypatch):
    """Only under heavy contention do all ``SLUG_ATTEMPTS`` numbered slugs get refused; with
    none allowed, the first insert already takes a random six-hex-digit suffix."""
    import re

    from artists.services import profiles

    monkeypatch.setattr(profiles, "SLUG_ATTEMPTS", 0)

    profile = services.onboarding_save_step(user=_new_artist(), number=1, data=STEP1)

    assert re.fullmatch(r"nova-reyes-[0-9a-f]{6}", profile.slug), profile.slug


def test_a_slug_taken_after_the_guess_is_skipped_not_fatal(monkeypatch):
    """What a concurrent sign-up does between the guess and the insert (on PostgreSQL:
    tests/artists/test_slugs.py), played in one thread: the first candidate is taken."""
    from artists.services import profiles

    ArtistProfileFactory(slug="nova-reyes")
    monkeypatch.setattr(profiles, "_slug_candidates", lambda base: iter([base, f"{base}-9"]))

    profile = services.onboarding_save_step(user=_new_artist(), number=1, data=STEP1)

    assert profile.slug == "nova-reyes-9"
    assert ArtistProfile.objects.filter(slug__startswith="nova-reyes").count() == 2


def test_a_refused_value_is_named_with_its_own_problem_not_as_missing():
    user = _new_artist()
    services.onboarding_save_step(user=user, number=1, data=STEP1)
    services.onboarding_save_step(
        user=user,
        number=2,
        data={
            "tagline": "Songs for late nights.",
            "bio": "A touring act with a loyal following. " * 3,
        },
    )

    error = refused(
        services.onboarding_save_step,
        user=user,
        number=3,
        data={"primary_genre": "indie", "performance_types": ["juggling"]},
    )

    assert error.details == {"performance_types": ["Unknown performance type: juggling."]}
    assert error.message == "Unknown performance type: juggling."


def test_a_failed_image_swap_deletes_the_new_file_and_keeps_the_error(artist, monkeypatch):
    import io

    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (600, 600), (1, 2, 3)).save(out, format="PNG")
    saved = []
    real_save = default_storage.save
    monkeypatch.setattr(
        default_storage, "save", lambda *a, **k: saved.append(real_save(*a, **k)) or saved[-1]
    )

    def broken(self, *args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(ArtistProfile, "save", broken)

    with pytest.raises(RuntimeError, match="database gone"):
        services.profile_set_image(
            user=artist.user, kind="avatar", upload=SimpleUploadedFile("a.png", out.getvalue())
        )

    assert len(saved) == 1 and not default_storage.exists(saved[0])
