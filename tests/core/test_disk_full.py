"""A full disk on upload (issue 19, "Faults"): the person is told plainly, nothing half-saved
stays, and the site goes on working once there is room again. The disk is a real one: a small
tmpfs mounted for the test (root only; skipped where mounting is not allowed)."""

from __future__ import annotations

import io
import os
import random
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from countyhub.catalog.models import ProductImage
from countyhub.core.models import AuditEntry


def _mount(folder: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path, settings):
    """MEDIA_ROOT on a 1 MiB disk, filled to all but 16 KiB."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if not _mount(folder, "1m"):
        pytest.skip("needs root and tmpfs to mount a small disk")
    try:
        filler = folder / "filler"
        with filler.open("wb") as out:
            out.write(b"\0" * (1024 * 1024 - 16 * 1024))
        settings.MEDIA_ROOT = folder / "media"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(folder / "media")},
            },
        }
        yield filler
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def noisy_picture() -> SimpleUploadedFile:
    """A JPEG of random pixels: about 200 KiB, far more than the disk has left."""
    rng = random.Random(7)
    image = Image.frombytes("RGB", (400, 300), bytes(rng.getrandbits(8) for _ in range(360000)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return SimpleUploadedFile("field.jpg", buffer.getvalue(), "image/jpeg")


def test_a_picture_upload_on_a_full_disk_is_refused_plainly_and_saves_nothing(
    world, client, small_disk
):
    client.force_login(world.users["seller_staff"])
    client.cookies["django_language"] = "en"
    url = reverse("catalog:product_pictures", args=[world.county.slug, world.product.pk])
    audits = AuditEntry.objects.count()

    response = client.post(url, {"action": "add", "image": noisy_picture()})

    assert response.status_code == 507
    assert "The server&#x27;s disk is full, so nothing was saved." in response.content.decode()
    assert not ProductImage.objects.filter(product=world.product).exists()
    assert AuditEntry.objects.count() == audits

    # Room again: the same upload goes through.
    small_disk.unlink()
    response = client.post(url, {"action": "add", "image": noisy_picture()})
    assert response.status_code == 302
    assert ProductImage.objects.filter(product=world.product).count() == 1


def test_the_api_answers_a_full_disk_in_its_error_format(rf, small_disk):
    from countyhub.core.request_limits import RequestSizeLimitMiddleware

    with pytest.raises(OSError, match="No space left") as raised:
        (small_disk.parent / "more").write_bytes(b"x" * (64 * 1024))
    request = rf.post("/api/orders")
    answer = RequestSizeLimitMiddleware(lambda r: None).process_exception(request, raised.value)

    assert answer is not None and answer.status_code == 507
    assert answer.headers["Content-Type"] == "application/json"
    assert b'"code": "disk_full"' in answer.content
