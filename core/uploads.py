"""Staff image uploads: only real images, size-capped, re-encoded so nothing but pixels survives."""

import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 2000
MAX_PIXELS = 40_000_000  # a small file can still decode to a huge bitmap


def validate_image_upload(upload):
    if upload is None or not hasattr(upload, "read") or getattr(upload, "_committed", False):
        return upload  # unchanged existing file
    if upload.size > MAX_BYTES:
        raise ValidationError(_("The image is larger than 2 MB."))
    try:
        upload.seek(0)
        image: Image.Image = Image.open(upload, formats=["PNG", "JPEG", "WEBP"])  # never hand other parsers the bytes
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(_("The image has too many pixels (at most 40 million)."))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("This file is not an image we can use (PNG, JPEG or WebP).")) from None
    if image.format not in {"PNG", "JPEG", "WEBP"}:
        raise ValidationError(_("This file is not an image we can use (PNG, JPEG or WebP)."))
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    out = io.BytesIO()
    image.save(out, format="PNG" if image.mode == "RGBA" else "JPEG", quality=88, optimize=True)
    extension = "png" if image.mode == "RGBA" else "jpg"
    name = f"{upload.name.rsplit('.', 1)[0][:60]}.{extension}"
    return InMemoryUploadedFile(
        out, "image", name, f"image/{'png' if extension == 'png' else 'jpeg'}", out.tell(), None
    )
