"""Pictures the app resizes itself (avatar, banner, track cover): checked from their bytes, then
cropped to a JPEG. Pure functions, no database or storage access."""

import io

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from umbrella.errors import ApplicationError

IMAGE_SPECS = {
    # kind: (width, height, max upload bytes)
    "avatar": (512, 512, 10 * 1024 * 1024),
    "banner": (1600, 480, 15 * 1024 * 1024),
}
COVER_SPEC = (800, 800, 10 * 1024 * 1024)  # a track's cover art
MAX_IMAGE_PIXELS = 50_000_000


def process_image(upload: UploadedFile, *, width: int, height: int, max_bytes: int) -> ContentFile:
    """Check a picture from its bytes, then crop and resize it to a width x height JPEG."""
    if upload.size and upload.size > max_bytes:
        raise ApplicationError(
            "file_too_large", f"Images may be at most {max_bytes // (1024 * 1024)} MB.", status=413
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP", "GIF"):
                raise ApplicationError(
                    "unsupported_type", "Use a JPEG, PNG, WebP or GIF image.", status=415
                )
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ApplicationError("image_too_large", "That image has too many pixels.")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as opened:
            upright = ImageOps.exif_transpose(opened).convert("RGB")
            fitted = ImageOps.fit(upright, (width, height), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ApplicationError("invalid_image", "That file is not a readable image.") from error
    out = io.BytesIO()
    fitted.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue())
