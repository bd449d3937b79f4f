"""Evidence documents that county staff upload: checked by what they are, not what they are called.

A spending's invoice or a task's photo is a county record: it is kept in the private storage
(`STORAGES["private"]`, outside the web root) and handed out only by a view that checks who asks,
as an attachment with a safe name. An upload is a PDF, a JPEG, PNG or WebP picture, or an Excel
workbook, recognised by its first bytes (and, for pictures, by Pillow reading them), at most
COUNTYHUB_MAX_DOCUMENT_BYTES.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError


def private_storage() -> Storage:
    return storages["private"]


def _kind(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        return "xlsx" if "xl/workbook.xml" in names else None
    try:
        with Image.open(upload) as picture:
            picture.verify()
            found = (picture.format or "").lower()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return {"jpeg": "jpg", "png": "png", "webp": "webp"}.get(found)


def check_document(upload: UploadedFile) -> None:
    """Refuse an upload that is too large or not a document we keep, naming the file."""
    name = PurePath(upload.name or "").name
    if upload.size > settings.COUNTYHUB_MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("%(name)s is larger than %(mb)d MB.")
            % {"name": name, "mb": settings.COUNTYHUB_MAX_DOCUMENT_BYTES >> 20},
            code="too_large",
        )
    kind = _kind(upload)
    if kind is None:
        raise ValidationError(
            _("%(name)s is not a PDF, a picture (JPEG, PNG, WebP) or an Excel workbook.")
            % {"name": name},
            code="wrong_type",
        )
    # A name safe on every system and in a Content-Disposition header, ending as what it is.
    try:
        stem = get_valid_filename(PurePath(name).stem)[:80]
    except SuspiciousFileOperation:
        stem = "document"
    upload.name = f"{stem}.{kind}"
