"""The S3/R2 bucket behind ``default_storage`` when it is django-storages' S3Storage: presigned
direct uploads, looking at and removing objects, short-lived download URLs.

Every function here is a network call. Services call them **outside** any transaction that holds
a row lock (see docs/conventions.md, "No network call under a row lock").
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage

PRESIGN_SECONDS = 3600
MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


def direct_uploads_enabled() -> bool:
    """Whether files are stored in a bucket (and so may be sent to it directly)."""
    return hasattr(default_storage, "bucket_name")


def _s3() -> Any:
    """The S3/R2 storage (django-storages), whose boto3 client signs direct uploads."""
    return default_storage


def _client() -> Any:
    return _s3().connection.meta.client


def key(name: str) -> str:
    """The bucket key of a storage name (S3Storage prefixes its ``location``)."""
    normalise = getattr(default_storage, "_normalize_name", None)
    return normalise(name) if normalise else name


def presign_upload(*, name: str, mime: str, size: int) -> dict[str, Any]:
    """How a client uploads ``name`` itself: ``{"method", "url", "fields", "headers"}``.

    With ``DIRECT_UPLOAD_METHOD = "post"`` (AWS S3, MinIO) a presigned POST form accepting at
    most ``size`` bytes; with ``"put"`` (Cloudflare R2, which has no POST uploads) a presigned
    PUT URL whose signature covers the content type and exact length.
    """
    client, bucket, object_key = _client(), _s3().bucket_name, key(name)
    if settings.DIRECT_UPLOAD_METHOD == "put":
        url = client.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": bucket,
                "Key": object_key,
                "ContentType": mime,
                "ContentLength": size,
            },
            ExpiresIn=PRESIGN_SECONDS,
        )
        headers = {"Content-Type": mime, "Content-Length": str(size)}
        return {"method": "PUT", "url": url, "fields": {}, "headers": headers}
    post = client.generate_presigned_post(
        Bucket=bucket,
        Key=object_key,
        Fields={"Content-Type": mime},
        Conditions=[["content-length-range", 1, size], {"Content-Type": mime}],
        ExpiresIn=PRESIGN_SECONDS,
    )
    return {"method": "POST", "url": post["url"], "fields": post["fields"], "headers": {}}


@dataclass(frozen=True)
class StoredObject:
    size: int
    head: bytes  # the first bytes, for sniffing the type


def object_head(*, name: str, head_bytes: int) -> StoredObject | None:
    """The size and first ``head_bytes`` bytes of an object, or ``None`` if it is not there.

    Any other error (bucket unreachable, access refused) propagates: it is not the client's
    fault and must not look like a missing upload.
    """
    client, bucket, object_key = _client(), _s3().bucket_name, key(name)
    try:
        head = client.head_object(Bucket=bucket, Key=object_key)
    except client.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") not in MISSING_CODES:
            raise
        return None
    size = int(head["ContentLength"])
    first = (  # a range on an empty object is "not satisfiable"
        client.get_object(Bucket=bucket, Key=object_key, Range=f"bytes=0-{head_bytes - 1}")[
            "Body"
        ].read()
        if size
        else b""
    )
    return StoredObject(size=size, head=first)


def delete_object(*, name: str) -> None:
    _client().delete_object(Bucket=_s3().bucket_name, Key=key(name))


def download_url(*, name: str, filename: str, mime_type: str) -> str:
    """A short-lived bucket URL that downloads the object under ``filename``."""
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return _s3().url(
        name,
        parameters={"ResponseContentDisposition": disposition, "ResponseContentType": mime_type},
    )
