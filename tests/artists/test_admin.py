"""Every admin door into the artists app goes through the services (issue 6, item 1): after any
admin write, quota, storage and visibility match what the API would have allowed."""

import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from accounts.models import User
from artists import selectors, services
from artists.models import ArtistProfile, MediaFile, MediaQuota, Track
from tests.accounts.factories import UserFactory
from tests.admin_forms import change_form_data
from tests.artists.factories import ArtistProfileFactory, png_upload, wav_upload

pytestmark = pytest.mark.django_db

ADMIN = "/admin/artists"


@pytest.fixture
def staff(client):
    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))
    return client


def used(artist: ArtistProfile) -> int:
    return MediaQuota.objects.get(artist=artist).used_bytes


def uploaded_file(artist: ArtistProfile, category: str = "press_photo", name: str = "p.png"):
    upload = png_upload(name) if category != "document" else _text(name)
    return services.media_upload(user=artist.user, category=category, upload=upload)


def _text(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"Stage plot: drums left, keys right.\n")


def a_track(artist: ArtistProfile) -> Track:
    return services.track_create(user=artist.user, audio=wav_upload(), data={"title": "Song"})


# --- deleting files and tracks: quota released, stored file removed ---------------------------


def test_deleting_a_media_file_in_admin_frees_its_bytes_and_its_file(
    staff, artist, django_capture_on_commit_callbacks
):
    media = uploaded_file(artist)
    name = media.file.name
    assert used(artist) > 0 and default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"{ADMIN}/mediafile/{media.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not MediaFile.objects.exists()
    assert used(artist) == 0
    assert not default_storage.exists(name)


def test_bulk_deleting_media_files_frees_every_byte_and_file(
    staff, artist, django_capture_on_commit_callbacks
):
    files = [uploaded_file(artist, name=f"p{n}.png") for n in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            f"{ADMIN}/mediafile/",
            {"action": "delete_selected", "_selected_action": [m.pk for m in files], "post": "yes"},
        )

    assert not MediaFile.objects.exists()
    assert used(artist) == 0
    assert not any(default_storage.exists(m.file.name) for m in files)


def test_deleting_a_track_in_admin_frees_its_bytes_and_its_file(
    staff, artist, django_capture_on_commit_callbacks
):
    track = a_track(artist)
    name = track.audio.name

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"{ADMIN}/track/{track.pk}/delete/", {"post": "yes"})

    assert not Track.objects.exists()
    assert used(artist) == 0
    assert not default_storage.exists(name)


def test_bulk_deleting_tracks_frees_their_bytes_and_files(
    staff, artist, django_capture_on_commit_callbacks
):
    tracks = [a_track(artist) for _ in range(2)]

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            f"{ADMIN}/track/",
            {
                "action": "delete_selected",
                "_selected_action": [t.pk for t in tracks],
                "post": "yes",
            },
        )

    assert not Track.objects.exists()
    assert used(artist) == 0
    assert not any(default_storage.exists(t.audio.name) for t in tracks)


def test_deleting_a_track_from_the_profile_inline_frees_its_bytes_and_file(
    staff, artist, django_capture_on_commit_callbacks
):
    kept, dropped = a_track(artist), a_track(artist)
    page = staff.get(f"{ADMIN}/artistprofile/{artist.pk}/change/")
    data = change_form_data(page)
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-id") and value == str(dropped.pk)
    )
    data[f"tracks-{index}-DELETE"] = "on"

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"{ADMIN}/artistprofile/{artist.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(Track.objects.values_list("pk", flat=True)) == [kept.pk]
    assert used(artist) == kept.audio_size_bytes
    assert not default_storage.exists(dropped.audio.name)
    assert default_storage.exists(kept.audio.name)


# --- nothing is added around the upload services ---------------------------------------------


@pytest.mark.parametrize("model", ["track", "mediafile", "mediaquota", "artistprofile"])
def test_nothing_is_added_in_admin_that_the_services_create(staff, model):
    assert staff.get(f"{ADMIN}/{model}/add/").status_code == 403
    assert staff.post(f"{ADMIN}/{model}/add/", {}).status_code == 403


def test_a_tracks_audio_cannot_be_swapped_in_admin(staff, artist):
    track = a_track(artist)
    page = staff.get(f"{ADMIN}/track/{track.pk}/change/")
    data = change_form_data(page, title="New title")
    data["audio"] = _text("evil.html")

    response = staff.post(f"{ADMIN}/track/{track.pk}/change/", data)

    assert response.status_code == 302
    track.refresh_from_db()
    assert track.title == "New title"
    assert track.audio.name.endswith(".wav") and used(artist) == track.audio_size_bytes


def test_track_details_edited_in_admin_are_validated_like_the_api(staff, artist):
    track = a_track(artist)
    page = staff.get(f"{ADMIN}/track/{track.pk}/change/")

    response = staff.post(
        f"{ADMIN}/track/{track.pk}/change/",
        change_form_data(page, spotify_url="https://evil.example.com/x"),
    )

    assert response.status_code == 200
    assert "spotify_url" in response.context["adminform"].form.errors
    track.refresh_from_db()
    assert track.spotify_url == ""


# --- media categories: only where the file could have been uploaded ---------------------------


def test_a_private_document_cannot_be_moved_into_a_public_category(staff, artist):
    document = uploaded_file(artist, category="document", name="rider.txt")
    page = staff.get(f"{ADMIN}/mediafile/{document.pk}/change/")

    response = staff.post(
        f"{ADMIN}/mediafile/{document.pk}/change/", change_form_data(page, category="press_photo")
    )

    assert response.status_code == 200
    assert "category" in response.context["adminform"].form.errors
    document.refresh_from_db()
    assert document.category == "document"
    assert not selectors.public_media_of(artist=artist).exists()


def test_an_image_may_be_refiled_where_it_could_have_been_uploaded(staff, artist):
    image = uploaded_file(artist, category="other")
    page = staff.get(f"{ADMIN}/mediafile/{image.pk}/change/")

    response = staff.post(
        f"{ADMIN}/mediafile/{image.pk}/change/", change_form_data(page, category="press_photo")
    )

    assert response.status_code == 302
    assert list(selectors.public_media_of(artist=artist)) == [image]


# --- quota ------------------------------------------------------------------------------------


def test_a_quota_limit_below_what_is_used_is_a_form_error(staff, artist):
    uploaded_file(artist)
    quota = MediaQuota.objects.get(artist=artist)
    page = staff.get(f"{ADMIN}/mediaquota/{quota.pk}/change/")

    response = staff.post(
        f"{ADMIN}/mediaquota/{quota.pk}/change/",
        change_form_data(page, limit_bytes=str(quota.used_bytes - 1), used_bytes="0"),
    )

    assert response.status_code == 200
    assert "limit_bytes" in response.context["adminform"].form.errors
    refreshed = MediaQuota.objects.get(pk=quota.pk)
    assert (refreshed.limit_bytes, refreshed.used_bytes) == (quota.limit_bytes, quota.used_bytes)


def test_a_quota_limit_can_be_raised_or_lowered_to_what_is_used(staff, artist):
    uploaded_file(artist)
    quota = MediaQuota.objects.get(artist=artist)
    page = staff.get(f"{ADMIN}/mediaquota/{quota.pk}/change/")

    response = staff.post(
        f"{ADMIN}/mediaquota/{quota.pk}/change/",
        change_form_data(page, limit_bytes=str(quota.used_bytes)),
    )

    assert response.status_code == 302
    assert MediaQuota.objects.get(pk=quota.pk).limit_bytes == quota.used_bytes
    assert MediaQuota.objects.get(pk=quota.pk).used_bytes == quota.used_bytes


# --- profiles: normalised and validated like the artist's own edits ---------------------------


def _profile_page(staff, artist):
    return staff.get(f"{ADMIN}/artistprofile/{artist.pk}/change/")


def test_a_profile_saved_in_admin_is_normalised_like_the_api(staff, artist):
    data = change_form_data(
        _profile_page(staff, artist),
        instagram_handle="https://instagram.com/The.Band/",
        primary_genre="  Hip   HOP ",
        location_country=" gb",
        secondary_genres='["Jazz", "jazz", " Soul "]',
        stage_name="  New Name  ",
    )

    response = staff.post(f"{ADMIN}/artistprofile/{artist.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    artist.refresh_from_db()
    assert artist.instagram_handle == "The.Band"
    assert artist.primary_genre == "hip hop"
    assert artist.location_country == "GB"
    assert artist.secondary_genres == ["jazz", "soul"]
    assert artist.stage_name == "New Name"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("performance_types", '["solo", "juggling"]'),
        ("youtube_url", "https://evil.example.com/watch"),
        ("spotify_url", "javascript:alert(1)"),
        ("slug", "me"),
        ("slug", "Not A Slug"),
        ("stage_name", "   "),
        ("location_country", "Germany"),
    ],
)
def test_values_the_api_refuses_are_form_errors_in_admin(staff, artist, field, value):
    before = ArtistProfile.objects.filter(pk=artist.pk).values().get()

    response = staff.post(
        f"{ADMIN}/artistprofile/{artist.pk}/change/",
        change_form_data(_profile_page(staff, artist), **{field: value}),
    )

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert ArtistProfile.objects.filter(pk=artist.pk).values().get() == before


def test_a_slug_another_artist_has_is_refused(staff, artist):
    other = ArtistProfileFactory()

    response = staff.post(
        f"{ADMIN}/artistprofile/{artist.pk}/change/",
        change_form_data(_profile_page(staff, artist), slug=other.slug),
    )

    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors


def test_staff_may_give_an_artist_a_new_address(staff, artist):
    response = staff.post(
        f"{ADMIN}/artistprofile/{artist.pk}/change/",
        change_form_data(_profile_page(staff, artist), slug="the-new-name"),
    )

    assert response.status_code == 302
    assert APIClient().get("/api/v1/artists/the-new-name").status_code == 200


def test_a_profile_cannot_be_handed_to_another_user(staff, artist):
    fan = UserFactory()

    response = staff.post(
        f"{ADMIN}/artistprofile/{artist.pk}/change/",
        change_form_data(_profile_page(staff, artist), user=str(fan.pk)),
    )

    assert response.status_code == 302
    assert ArtistProfile.objects.get(pk=artist.pk).user_id == artist.user_id
    assert not ArtistProfile.objects.filter(user=fan).exists()


@pytest.mark.parametrize("model", ["artistprofile", "mediaquota"])
def test_profiles_and_quotas_are_deleted_only_with_their_account(staff, artist, model):
    pk = artist.pk if model == "artistprofile" else MediaQuota.objects.get(artist=artist).pk

    assert staff.post(f"{ADMIN}/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    staff.post(
        f"{ADMIN}/{model}/", {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
    )

    assert ArtistProfile.objects.filter(pk=artist.pk).exists()
    assert MediaQuota.objects.filter(artist=artist).exists()


@pytest.mark.parametrize("model", ["profileview", "verificationnote"])
def test_records_are_read_only(staff, artist, model):
    services.profile_view_record(
        artist_id=artist.pk, owner_id=artist.user_id, viewer=UserFactory(), ip=None
    )
    services.profile_views_flush()
    services.artist_set_verified(
        artist_id=artist.pk, by=User.objects.get(email="boss@example.com"), verified=True, note="ok"
    )
    row = (
        ArtistProfile.objects.get(pk=artist.pk).views
        if model == "profileview"
        else ArtistProfile.objects.get(pk=artist.pk).verification_notes
    ).get()

    assert staff.get(f"{ADMIN}/{model}/{row.pk}/change/").status_code == 200  # view only
    assert staff.post(f"{ADMIN}/{model}/{row.pk}/change/", {}).status_code == 403
    assert staff.post(f"{ADMIN}/{model}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert staff.get(f"{ADMIN}/{model}/add/").status_code == 403


def test_deleting_an_artists_account_in_admin_deletes_every_stored_file(
    staff, artist, django_capture_on_commit_callbacks
):
    track = a_track(artist)
    media = uploaded_file(artist)
    services.profile_set_image(user=artist.user, kind="avatar", upload=png_upload())
    artist.refresh_from_db()
    names = [track.audio.name, media.file.name, artist.avatar.name]
    assert all(default_storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/admin/accounts/user/{artist.user_id}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not ArtistProfile.objects.filter(pk=artist.pk).exists()
    assert not any(default_storage.exists(name) for name in names)
