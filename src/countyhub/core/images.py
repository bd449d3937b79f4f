"""Uploaded pictures: checked by what they contain, then redrawn at the sizes the pages use.

An upload is opened with Pillow whatever its name or content type claims, and refused (naming the
file) when it is not a JPEG, PNG or WebP picture, when the file is too large, or when its header
announces more pixels than `MAX_PIXELS` (a decompression bomb: a small file that would take
gigabytes to decode); the header is read before any pixel is. What is stored is never the upload
itself: django-imagekit specs redraw it, which applies the EXIF orientation and drops every EXIF
tag (a phone's GPS position among them). Files go through Django's storage API
(`STORAGES["default"]`), so a deployment may keep them in object storage.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from imagekit import ImageSpec
from imagekit.processors import ResizeToFill, ResizeToFit
from PIL import Image, ImageOps, UnidentifiedImageError

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A 12-megapixel phone photo is 12 million; a bomb announces hundreds of millions.
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")


class ImageErrorCode(ErrorCode):
    NOT_AN_IMAGE = ("not_an_image", ErrorKind.UNPROCESSABLE)
    FILE_TOO_LARGE = ("image_file_too_large", ErrorKind.INVALID)
    TOO_MANY_PIXELS = ("image_too_many_pixels", ErrorKind.INVALID)


class ImageError(DomainError):
    code: ImageErrorCode


class ExifTranspose:
    """Turn the picture upright as its EXIF orientation says (Pillow knows every format's EXIF;
    pilkit's `Transpose` reads JPEG's only)."""

    def process(self, image: Image.Image) -> Image.Image:
        return ImageOps.exif_transpose(image)


class Original(ImageSpec):
    """The kept copy: upright, no metadata, at most 2048 px a side, in its own format."""

    processors: ClassVar[list[Any]] = [ExifTranspose(), ResizeToFit(2048, 2048, upscale=False)]
    options: ClassVar[dict[str, Any]] = {"quality": 88}


class CardThumbnail(ImageSpec):
    """A product in a list: a square crop of the middle."""

    size = (320, 320)
    processors: ClassVar[list[Any]] = [ExifTranspose(), ResizeToFill(*size)]
    format = "JPEG"
    options: ClassVar[dict[str, Any]] = {"quality": 82, "progressive": True}


class GalleryPicture(ImageSpec):
    """A product page's picture: all of it, on a white square, as marketplaces show them."""

    size = (800, 800)
    processors: ClassVar[list[Any]] = [ExifTranspose(), ResizeToFit(*size, mat_color="white")]
    format = "JPEG"
    options: ClassVar[dict[str, Any]] = {"quality": 85, "progressive": True}


class Logo(ImageSpec):
    """A brand's logo, whole, on a transparent square."""

    size = (256, 256)
    processors: ClassVar[list[Any]] = [ExifTranspose(), ResizeToFit(*size, mat_color=(0, 0, 0, 0))]
    format = "PNG"


class Banner(ImageSpec):
    """A county's banner across the top of its storefront."""

    size = (1600, 480)
    processors: ClassVar[list[Any]] = [ExifTranspose(), ResizeToFill(*size)]
    format = "JPEG"
    options: ClassVar[dict[str, Any]] = {"quality": 85, "progressive": True}


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # as the uploader called it, for messages
    content: bytes
    format: str  # Pillow's name: JPEG, PNG or WEBP


def check_upload(upload: Any) -> CheckedUpload:
    """The upload's bytes once Pillow accepts them as a picture of a sensible size; refuses with an
    `ImageError` naming the file otherwise. `upload` is any Django `File` (or file-like with a
    `name`)."""
    name = str(getattr(upload, "name", "") or _("the file")).rsplit("/", 1)[-1]
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _too_large(name)
    upload.seek(0)
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise _too_large(name)
    not_an_image = ImageError(
        ImageErrorCode.NOT_AN_IMAGE,
        _("“%(name)s” is not a JPEG, PNG or WebP picture.") % {"name": name},
        field="image",
    )
    too_many_pixels = ImageError(
        ImageErrorCode.TOO_MANY_PIXELS,
        _("“%(name)s” has too many pixels: at most %(limit)s million are accepted.")
        % {"name": name, "limit": MAX_PIXELS // 1_000_000},
        field="image",
    )
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice it; here that is a refusal too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(content)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise not_an_image
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise too_many_pixels
                image.verify()
            # verify() leaves the image unusable; decoding it whole catches truncated pixel data.
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                image_format = str(image.format)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
            raise too_many_pixels from bomb
        except (UnidentifiedImageError, SyntaxError, OSError, ValueError) as broken:
            raise not_an_image from broken
    return CheckedUpload(name=name, content=content, format=image_format)


def _too_large(name: str) -> ImageError:
    return ImageError(
        ImageErrorCode.FILE_TOO_LARGE,
        _("“%(name)s” is larger than %(limit)s MB.")
        % {"name": name, "limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
        field="image",
    )


EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def render(spec: type[ImageSpec], upload: CheckedUpload) -> ContentFile[bytes]:
    """The checked upload redrawn by `spec`, as a file to save through a storage."""
    source = ContentFile(upload.content, name=upload.name)
    drawn = spec(source=source).generate()
    drawn.seek(0)
    return ContentFile(drawn.read())


def save_rendition(
    spec: type[ImageSpec], upload: CheckedUpload, *, folder: str, stem: str = ""
) -> str:
    """Draw `upload` with `spec` and store it under `folder` in the default storage; the stored
    name (the storage may change it to avoid overwriting)."""
    image_format = spec.format or upload.format
    stem = stem or uuid.uuid4().hex
    name = f"{folder.rstrip('/')}/{stem}.{EXTENSIONS[image_format]}"
    return str(default_storage.save(name, render(spec, upload)))


def delete_stored(*names: str) -> None:
    """Remove stored files; a file already gone is no error (deleting twice is harmless)."""
    for name in names:
        if name:
            default_storage.delete(name)
