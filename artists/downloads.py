"""The response that hands an artist one of their locker files, shared by the studio page and
the API (so the API never imports a page module)."""

from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase

from artists.integrations import s3
from artists.models import MediaFile


def download_response(media: MediaFile) -> HttpResponseBase:
    """The file as an attachment: streamed from local storage, or a redirect to the bucket."""
    if s3.direct_uploads_enabled():
        return HttpResponseRedirect(
            s3.download_url(
                name=str(media.file.name), filename=media.filename, mime_type=media.mime_type
            )
        )
    return FileResponse(
        media.file.open("rb"),
        as_attachment=True,
        filename=media.filename,
        content_type=media.mime_type,
    )
