"""Direct uploads to S3/R2 against a real S3-compatible server (moto in server mode, over HTTP).

Nothing in boto3 is mocked: the app signs a presigned POST with django-storages' boto3 client, the
test sends the file to that URL with httpx like a browser would, and confirm reads the object
back from the bucket (HEAD for the real size, a ranged GET for the first bytes).

What moto 5.2.5 does *not* enforce on a presigned POST: the policy's ``content-length-range`` and
``Content-Type`` conditions, nor (authentication being off by default) the signature and the
expiry: it stores whatever is posted. So the "larger than announced" case is checked where the
app checks it: at confirm.
"""

import base64
import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any, cast

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer
from rest_framework.test import APIClient

from artists import services
from artists.demo import tone_wav
from artists.integrations import s3
from artists.models import ArtistProfile, MediaFile, MediaQuota, MediaStatus
from tests.accounts.factories import PASSWORD, UserFactory
from tests.artists.factories import PNG_1PX, ArtistProfileFactory

pytestmark = pytest.mark.django_db

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
UPLOADS = "/api/v1/artists/me/media/uploads"
MP3_HEAD = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64
TEXT = b"Just some notes, not a picture at all.\n" * 4


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3_client(moto_endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1", **CREDENTIALS)


@pytest.fixture
def bucket(s3_client: Any) -> str:
    """A fresh, empty bucket for every test."""
    name = f"umbrella-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_storage(settings: Any, moto_endpoint: str, bucket: str) -> Any:
    """The default storage is S3Storage on the moto server (restored after the test).

    A new STORAGES dict (not a mutation of the old one) so that Django's ``setting_changed``
    handler drops the cached storages and resets ``default_storage`` both ways.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": moto_endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "addressing_style": "path",
                "querystring_auth": True,
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    assert getattr(default_storage, "bucket_name", None) == bucket
    assert s3.direct_uploads_enabled()
    return default_storage


# --- helpers ----------------------------------------------------------------------------------


def _client_for(profile: ArtistProfile) -> APIClient:
    """Signed in through the app API, as a mobile or SPA client would be."""
    response = APIClient().post(
        "/_allauth/app/v1/auth/login",
        {"email": profile.user.email, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['meta']['access_token']}")
    return api


@pytest.fixture
def artist() -> ArtistProfile:
    return cast(ArtistProfile, ArtistProfileFactory())


@pytest.fixture
def api(artist: ArtistProfile) -> APIClient:
    return _client_for(artist)


def _used(artist: ArtistProfile) -> int:
    return MediaQuota.objects.get(artist=artist).used_bytes


def _start(api: APIClient, **fields: Any) -> Any:
    body = {
        "category": "press_photo",
        "filename": "photo.png",
        "size_bytes": 10_000,
        "mime_type": "image/png",
        **fields,
    }
    return api.post(UPLOADS, body, format="json")


def _post_to_bucket(started: dict[str, Any], content: bytes, filename: str = "f") -> httpx.Response:
    """What a browser does with the presigned POST: the fields, then the file (last)."""
    return httpx.post(
        started["url"],
        data=started["form_fields"],
        files={"file": (filename, content, started["form_fields"].get("Content-Type", ""))},
        timeout=10,
    )


def _signed(url: str) -> bool:
    """A query-string signature: SigV4 (``X-Amz-Signature``) or SigV2 (``Signature``).

    Which one is boto3's choice: with no ``signature_version`` (the project's settings set none)
    and region us-east-1 it signs SigV2, which R2 and S3 buckets created since mid-2020 refuse.
    moto checks neither.
    """
    return "X-Amz-Signature=" in url or "&Signature=" in url or "?Signature=" in url


def _policy_conditions(fields: dict[str, str]) -> list[Any]:
    return list(json.loads(base64.b64decode(fields["policy"]))["conditions"])


def _confirm(api: APIClient, media_id: int) -> Any:
    return api.post(f"/api/v1/artists/me/media/{media_id}/confirm")


def _key_of(media_id: int) -> str:
    return str(MediaFile.objects.get(pk=media_id).file.name)


def _exists(s3_client: Any, bucket: str, key: str) -> bool:
    try:
        s3_client.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        assert error.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}
        return False
    return True


def _uploaded(api: APIClient, content: bytes, **fields: Any) -> dict[str, Any]:
    """Start, send to the bucket, confirm: the confirmed file."""
    started = _start(api, size_bytes=fields.pop("size_bytes", len(content)), **fields)
    assert started.status_code == 201, started.content
    assert _post_to_bucket(started.json(), content).status_code == 204
    confirmed = _confirm(api, started.json()["file"]["id"])
    assert confirmed.status_code == 200, confirmed.content
    return confirmed.json()


# --- the whole journey ----------------------------------------------------------------------


def test_start_post_to_bucket_confirm(s3_storage, s3_client, bucket, moto_endpoint, artist, api):
    started = _start(api, size_bytes=10_000)

    assert started.status_code == 201, started.content
    body = started.json()
    assert body["url"].startswith(f"{moto_endpoint}/{bucket}")
    fields = body["form_fields"]
    assert {"key", "policy", "Content-Type"} <= set(fields)
    assert {"x-amz-signature", "signature"} & set(fields)  # SigV4, or SigV2 (see _signed)
    assert fields["Content-Type"] == "image/png"
    assert fields["key"].startswith(f"artists/media/{artist.pk}/")
    assert fields["key"].endswith("/photo.png")
    assert body["file"]["status"] == MediaStatus.PENDING
    assert body["file"]["size_bytes"] == 10_000
    assert _used(artist) == 10_000  # reserved before a byte is sent

    sent = _post_to_bucket(body, PNG_1PX, "photo.png")

    assert sent.status_code == 204, sent.text
    assert s3_client.get_object(Bucket=bucket, Key=fields["key"])["Body"].read() == PNG_1PX

    confirmed = _confirm(api, body["file"]["id"])

    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == MediaStatus.READY
    assert confirmed.json()["size_bytes"] == len(PNG_1PX)
    assert confirmed.json()["mime_type"] == "image/png"
    assert _used(artist) == len(PNG_1PX)  # the unused part of the reservation is given back
    media = MediaFile.objects.get(pk=body["file"]["id"])
    assert (media.status, media.size_bytes, media.file.name) == (
        MediaStatus.READY,
        len(PNG_1PX),
        fields["key"],
    )

    again = _confirm(api, body["file"]["id"])  # confirming twice is harmless

    assert again.status_code == 200
    assert again.json()["size_bytes"] == len(PNG_1PX)
    assert _used(artist) == len(PNG_1PX)
    listed = api.get("/api/v1/artists/me/media").json()["results"]
    assert [(f["id"], f["status"]) for f in listed] == [(media.pk, MediaStatus.READY)]


def test_the_type_comes_from_the_bytes_and_browser_mime_names_are_accepted(s3_storage, artist, api):
    wav = tone_wav(seconds=0.5)

    # browsers say audio/wav for a .wav file; the app's own name for it is audio/x-wav
    confirmed = _uploaded(api, wav, category="music", filename="song.wav", mime_type="audio/wav")

    assert confirmed["mime_type"] == "audio/x-wav"
    assert confirmed["size_bytes"] == len(wav)
    assert _used(artist) == len(wav)


# --- refusals at confirm --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "content", "status", "code"),
    [
        ("press_photo", TEXT, 415, "unsupported_type"),  # text is not an image
        ("press_photo", MP3_HEAD, 415, "unsupported_type"),  # nor is an mp3
        ("other", MP3_HEAD, 415, "type_mismatch"),  # an mp3 is allowed there, not named .png
        ("press_photo", b"", 400, "empty_file"),  # S3 refuses it (range starts at 1); moto not
    ],
    ids=["text-as-png", "mp3-as-png", "mp3-named-png", "empty"],
)
def test_bytes_that_are_not_what_was_announced_are_refused_and_removed(
    s3_storage, s3_client, bucket, artist, api, category, content, status, code
):
    before = _used(artist)
    started = _start(api, category=category, size_bytes=5_000).json()
    key = started["form_fields"]["key"]
    assert _post_to_bucket(started, content).status_code == 204  # the bucket takes anything
    assert _exists(s3_client, bucket, key)

    refused = _confirm(api, started["file"]["id"])

    assert refused.status_code == status, refused.content
    assert refused.json()["error"]["code"] == code
    assert not _exists(s3_client, bucket, key)  # deleted from the bucket
    assert not MediaFile.objects.filter(pk=started["file"]["id"]).exists()  # the row is gone
    assert _used(artist) == before  # and the reservation released
    assert _confirm(api, started["file"]["id"]).status_code == 404


def test_a_presigned_post_larger_than_announced_never_becomes_a_file(
    s3_storage, s3_client, bucket, artist, api
):
    big = PNG_1PX + b"\x00" * 4_000  # still a PNG by its first bytes
    started = _start(api, size_bytes=100).json()
    key = started["form_fields"]["key"]
    assert ["content-length-range", 1, 100] in _policy_conditions(started["form_fields"])

    sent = _post_to_bucket(started, big)

    if sent.status_code >= 400:  # a real bucket (S3, R2) refuses it outright
        assert "EntityTooLarge" in sent.text
        assert not _exists(s3_client, bucket, key)
    else:  # moto 5.2.5 does not enforce content-length-range: confirm must catch it
        assert s3_client.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(big)

    refused = _confirm(api, started["file"]["id"])

    if sent.status_code >= 400:
        assert refused.status_code == 409
    else:
        assert refused.status_code == 400, refused.content
        assert refused.json()["error"]["code"] == "size_mismatch"
        assert not MediaFile.objects.filter(pk=started["file"]["id"]).exists()
        assert _used(artist) == 0
    assert not _exists(s3_client, bucket, key)


def test_an_object_put_larger_than_announced_is_refused_at_confirm(
    s3_storage, s3_client, bucket, artist, api
):
    started = _start(api, size_bytes=100).json()
    key = started["form_fields"]["key"]
    s3_client.put_object(Bucket=bucket, Key=key, Body=PNG_1PX + b"\x00" * 101)

    refused = _confirm(api, started["file"]["id"])

    assert refused.status_code == 400, refused.content
    assert refused.json()["error"]["code"] == "size_mismatch"
    assert refused.json()["error"]["message"] == "The file is larger than announced."
    assert not _exists(s3_client, bucket, key)
    assert not MediaFile.objects.filter(pk=started["file"]["id"]).exists()
    assert _used(artist) == 0


def test_confirm_before_the_object_arrives_keeps_the_reservation(
    s3_storage, s3_client, bucket, artist, api
):
    started = _start(api, size_bytes=2_000).json()

    early = _confirm(api, started["file"]["id"])

    assert early.status_code == 409, early.content
    assert early.json()["error"]["code"] == "upload_missing"
    assert early.json()["error"]["message"] == "The file has not arrived in storage yet."
    media = MediaFile.objects.get(pk=started["file"]["id"])
    assert media.status == MediaStatus.PENDING
    assert _used(artist) == 2_000

    # the client retries once the upload has finished
    assert _post_to_bucket(started, PNG_1PX).status_code == 204
    late = _confirm(api, started["file"]["id"])

    assert late.status_code == 200, late.content
    assert _used(artist) == len(PNG_1PX)


def test_a_pending_file_cannot_be_downloaded(s3_storage, api):
    started = _start(api).json()

    response = api.get(f"/api/v1/artists/me/media/{started['file']['id']}/download")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_ready"
    assert response.json()["error"]["message"] == "This upload has not been confirmed yet."


# --- refusals at start ----------------------------------------------------------------------


def test_starting_an_upload_that_does_not_fit_reserves_nothing(s3_storage, artist, api):
    MediaQuota.objects.filter(artist=artist).update(limit_bytes=50_000, used_bytes=45_000)

    refused = _start(api, size_bytes=5_001)

    assert refused.status_code == 413, refused.content
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert error["details"] == {"used_bytes": 45_000, "limit_bytes": 50_000, "needed_bytes": 5_001}
    assert _used(artist) == 45_000
    assert not MediaFile.objects.filter(artist=artist).exists()

    fits = _start(api, size_bytes=5_000)  # exactly what is left

    assert fits.status_code == 201
    assert _used(artist) == 50_000


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"mime_type": "audio/mpeg"}, 415, "unsupported_type"),  # not an image type
        ({"filename": "song.mp3"}, 415, "unsupported_type"),  # the name says otherwise
        ({"size_bytes": 25 * 1024 * 1024 + 1}, 413, "file_too_large"),  # press photos ≤ 25 MB
        ({"size_bytes": 0}, 400, "validation_error"),
        ({"category": "nope"}, 400, "validation_error"),
    ],
)
def test_start_refuses_what_the_category_does_not_allow(
    s3_storage, artist, api, fields, status, code
):
    refused = _start(api, **fields)

    assert refused.status_code == status, refused.content
    assert refused.json()["error"]["code"] == code
    assert _used(artist) == 0
    assert not MediaFile.objects.filter(artist=artist).exists()


@pytest.mark.parametrize("filename", ["..", "???", "../../etc/passwd.png", "dir/"])
def test_odd_filenames_stay_inside_the_artists_folder(s3_storage, artist, api, filename):
    started = _start(api, filename=filename, mime_type="image/png")

    assert started.status_code == 201, started.content
    key = started.json()["form_fields"]["key"]
    assert key.startswith(f"artists/media/{artist.pk}/")
    assert ".." not in key.split("/")
    assert key.split("/")[-1]
    listed = started.json()["file"]["filename"]  # the last part of the name, or "file"
    assert listed == {"..": "..", "???": "???", "dir/": "file"}.get(filename, "passwd.png")


def test_a_failed_presign_gives_the_reservation_back(s3_storage, artist, api, monkeypatch):
    def broken(**kwargs):
        raise OSError("no credentials")

    monkeypatch.setattr(s3, "presign_upload", broken)

    with pytest.raises(OSError, match="no credentials"):
        services.media_upload_start(
            user=artist.user,
            category="press_photo",
            filename="photo.png",
            size_bytes=10_000,
            mime_type="image/png",
        )

    assert _used(artist) == 0
    assert not MediaFile.objects.filter(artist=artist).exists()


def test_only_artists_start_direct_uploads(s3_storage):
    fan = UserFactory()
    fan_api = APIClient()
    fan_api.force_authenticate(fan)

    refused = _start(fan_api)

    assert refused.status_code == 403, refused.content
    assert refused.json()["error"]["code"] == "not_an_artist"
    assert not MediaFile.objects.exists()


def test_without_s3_storage_direct_uploads_are_unavailable(settings, artist, api):
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
    assert not s3.direct_uploads_enabled()

    refused = _start(api)

    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "direct_upload_unavailable"
    assert refused.json()["error"]["message"] == (
        "This server stores files itself: upload them with POST …/media/."
    )
    assert _used(artist) == 0
    assert not MediaFile.objects.exists()


# --- download, reconcile, other artists -----------------------------------------------------


def test_download_redirects_to_a_presigned_url_that_serves_the_bytes(
    s3_storage, moto_endpoint, bucket, api
):
    media = _uploaded(api, PNG_1PX)

    response = api.get(f"/api/v1/artists/me/media/{media['id']}/download")

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{moto_endpoint}/{bucket}/artists/media/")
    assert _signed(location)
    fetched = httpx.get(location, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == PNG_1PX


def test_reconcile_recomputes_from_the_sizes_in_the_bucket(
    s3_storage, s3_client, bucket, artist, api
):
    _uploaded(api, PNG_1PX)
    grown = _uploaded(api, PNG_1PX, filename="grown.png")
    vanished = _uploaded(api, PNG_1PX, filename="vanished.png")
    assert _start(api, size_bytes=7_000).status_code == 201  # pending: keeps its reservation
    s3_client.put_object(Bucket=bucket, Key=_key_of(grown["id"]), Body=PNG_1PX * 10)
    s3_client.delete_object(Bucket=bucket, Key=_key_of(vanished["id"]))
    MediaQuota.objects.filter(artist=artist).update(used_bytes=123)  # drifted

    quota = services.quota_reconcile(artist_id=artist.pk)

    expected = len(PNG_1PX) + len(PNG_1PX) * 10 + 0 + 7_000
    assert quota.used_bytes == expected
    assert _used(artist) == expected


def test_another_artist_cannot_touch_someone_elses_file(s3_storage, s3_client, bucket, artist, api):
    ready = _uploaded(api, PNG_1PX)
    pending = _start(api, size_bytes=3_000).json()
    assert _post_to_bucket(pending, PNG_1PX).status_code == 204
    used = _used(artist)
    other = _client_for(cast(ArtistProfile, ArtistProfileFactory()))
    media_url = "/api/v1/artists/me/media"

    answers = [
        other.post(f"{media_url}/{pending['file']['id']}/confirm"),
        other.post(f"{media_url}/{ready['id']}/confirm"),
        other.delete(f"{media_url}/{ready['id']}"),
        other.delete(f"{media_url}/{pending['file']['id']}"),
        other.get(f"{media_url}/{ready['id']}/download"),
    ]

    assert [a.status_code for a in answers] == [404] * 5
    assert {a.json()["error"]["code"] for a in answers} == {"not_found"}
    assert _used(artist) == used
    assert MediaFile.objects.get(pk=pending["file"]["id"]).status == MediaStatus.PENDING
    assert MediaFile.objects.get(pk=ready["id"]).status == MediaStatus.READY
    assert _exists(s3_client, bucket, _key_of(ready["id"]))
    assert _exists(s3_client, bucket, _key_of(pending["file"]["id"]))


def test_the_owner_deleting_a_file_frees_its_bytes_and_the_object(
    s3_storage, s3_client, bucket, artist, api, django_capture_on_commit_callbacks
):
    ready = _uploaded(api, PNG_1PX)
    key = _key_of(ready["id"])

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"/api/v1/artists/me/media/{ready['id']}")

    assert response.status_code == 204
    assert _used(artist) == 0
    assert not _exists(s3_client, bucket, key)


# --- presigned PUT (Cloudflare R2 has no POST uploads) ----------------------------------------


def test_put_mode_signs_a_put_url_that_the_bucket_accepts(
    s3_storage, settings, s3_client, bucket, artist, api
):
    settings.DIRECT_UPLOAD_METHOD = "put"

    started = _start(api, size_bytes=len(PNG_1PX))

    assert started.status_code == 201, started.content
    body = started.json()
    assert body["method"] == "PUT" and body["form_fields"] == {}
    assert body["headers"] == {"Content-Type": "image/png", "Content-Length": str(len(PNG_1PX))}
    sent = httpx.put(body["url"], content=PNG_1PX, headers=body["headers"], timeout=10)
    assert sent.status_code == 200, sent.text
    confirmed = _confirm(api, body["file"]["id"])
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "ready"
    assert _used(artist) == len(PNG_1PX)


def test_post_mode_says_so(s3_storage, api):
    body = _start(api).json()

    assert body["method"] == "POST" and body["headers"] == {}


def test_bucket_downloads_keep_the_original_filename(s3_storage, api):
    media = _uploaded(api, PNG_1PX, filename="Press Shot 2026.png")

    location = api.get(f"/api/v1/artists/me/media/{media['id']}/download")["Location"]
    fetched = httpx.get(location, timeout=10)

    assert fetched.status_code == 200
    assert "Press%20Shot%202026.png" in fetched.headers["content-disposition"]
    assert fetched.headers["content-type"] == "image/png"
