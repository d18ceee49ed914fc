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
# The largest picture we decode. Our outputs are at most 1600 x 480; 36 MP (6000 x 6000, or a
# 7360 x 4912 full-frame camera photo) covers every camera and phone default. Decoding costs
# time and memory per pixel (~1 s and 150 MB at 49 MP), and a PNG of one colour compresses
# 7000 x 7000 into 50 KB, so the limit is on pixels, read from the header before decoding.
MAX_IMAGE_PIXELS = 36_000_000
MAX_IMAGE_SIDE = 12_000  # a 12000 x 3000 panorama passes; a 100000 x 300 strip does not


def process_image(upload: UploadedFile, *, width: int, height: int, max_bytes: int) -> ContentFile:
    """Check a picture from its bytes, then crop and resize it to a width x height JPEG.

    Only the header is read before the size checks (``Image.open`` is lazy); the pixels are
    decoded once, here at upload, and only the small JPEG is stored, so serving never decodes.
    """
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
            if (
                probe.width * probe.height > MAX_IMAGE_PIXELS
                or max(probe.width, probe.height) > MAX_IMAGE_SIDE
            ):
                raise ApplicationError(
                    "image_too_large",
                    f"That image has too many pixels (at most {MAX_IMAGE_PIXELS // 1_000_000} "
                    f"megapixels and {MAX_IMAGE_SIDE} pixels a side).",
                    status=413,
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as opened:
            # JPEGs decode straight at a fraction of their size when that is still big enough.
            opened.draft("RGB", (max(width, height), max(width, height)))
            upright = ImageOps.exif_transpose(opened).convert("RGB")
            fitted = ImageOps.fit(upright, (width, height), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ApplicationError("invalid_image", "That file is not a readable image.") from error
    out = io.BytesIO()
    fitted.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue())
