"""Uploads in S3-compatible object storage (issue 19): with COUNTYHUB_S3_BUCKET set, the public
media and the private county records go through django-storages' S3 backend. Checked against a
real S3 server (moto's server mode, started here as a subprocess on a free loopback port): a
product picture uploaded on its page lands in the bucket with its thumbnail, which the page links
and the store serves; a spending's evidence lands under the private prefix, readable by nobody
but through countyhub's permission-checked view; a backup says the stores were left out."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

import countyhub.settings
from countyhub.core import backups
from countyhub.programs.models import Spending
from tests.factories.programs import BudgetLineFactory

pytestmark = pytest.mark.timeout(120)

ACCESS_KEY, SECRET_KEY, REGION = "countyhub-test", "countyhub-test-secret", "us-east-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in a process of its own; stopped (and waited for) after the module."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _settings_with(environment: dict[str, str], monkeypatch) -> Any:
    """countyhub's settings module as a deployment with `environment` loads it."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(
        "countyhub_settings_for_s3", countyhub.settings.__file__
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch) -> Iterator[Any]:
    """A new bucket, and the app's storages switched to it as the settings make them from the
    environment."""
    name = f"countyhub-{uuid.uuid4().hex[:12]}"
    environment = {
        "COUNTYHUB_S3_BUCKET": name,
        "COUNTYHUB_S3_ENDPOINT_URL": s3_endpoint,
        "COUNTYHUB_S3_REGION": REGION,
        "COUNTYHUB_S3_ACCESS_KEY": ACCESS_KEY,
        "COUNTYHUB_S3_SECRET_KEY": SECRET_KEY,
    }
    loaded = _settings_with(environment, monkeypatch)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=name)
    # As the README says to set up a bucket: anyone may read under media/, nothing else.
    client.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{name}/media/*",
                    }
                ],
            }
        ),
    )
    settings.STORAGES = loaded.STORAGES
    settings.CONTENT_SECURITY_POLICY = loaded.CONTENT_SECURITY_POLICY
    # A model field keeps the storage its callable gave when the models were loaded (the private
    # storage): here it is given the one the settings now make, as at a deployment's start.
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if callable(getattr(field, "_storage_callable", None)):
                monkeypatch.setattr(field, "storage", field._storage_callable())
    yield type("Bucket", (), {"name": name, "client": client, "endpoint": s3_endpoint})
    with contextlib.suppress(Exception):
        for listed in client.list_objects_v2(Bucket=name).get("Contents", []):
            client.delete_object(Bucket=name, Key=listed["Key"])
        client.delete_bucket(Bucket=name)


def _keys(bucket: Any) -> set[str]:
    return {o["Key"] for o in bucket.client.list_objects_v2(Bucket=bucket.name).get("Contents", [])}


def _jpeg() -> SimpleUploadedFile:
    image = Image.new("RGB", (1200, 900), "red")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return SimpleUploadedFile("apple.jpg", buffer.getvalue(), "image/jpeg")


def test_without_a_bucket_files_stay_on_the_disk(monkeypatch):
    monkeypatch.delenv("COUNTYHUB_S3_BUCKET", raising=False)
    loaded = _settings_with({}, monkeypatch)
    assert loaded.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
    assert loaded.STORAGES["private"]["BACKEND"].endswith("FileSystemStorage")


def test_a_product_picture_and_its_thumbnail_are_stored_in_the_bucket_and_served(
    world, client, bucket
):
    client.force_login(world.users["seller_staff"])
    url = reverse("catalog:product_pictures", args=[world.county.slug, world.product.pk])
    assert client.post(url, {"action": "add", "image": _jpeg()}).status_code == 302
    picture = world.product.images.get()
    keys = _keys(bucket)
    for name in picture.files:
        assert f"media/{name}" in keys, name
    page = client.get(url)
    thumbnail_url = picture.thumbnail.url
    assert thumbnail_url.startswith(f"{bucket.endpoint}/{bucket.name}/media/products/")
    assert "X-Amz-Signature" not in thumbnail_url
    assert thumbnail_url in page.content.decode()
    # The page's policy lets the browser load pictures from the store.
    assert bucket.endpoint in page["Content-Security-Policy"]
    with urllib.request.urlopen(thumbnail_url, timeout=10) as served:
        assert Image.open(io.BytesIO(served.read())).size == (320, 320)


def test_evidence_is_kept_private_in_the_bucket_and_read_only_through_the_view(
    world, client, bucket
):
    budget = BudgetLineFactory(program__county=world.county, amount=Decimal("1000.00"))
    client.force_login(world.users["county_admin"])
    response = client.post(
        f"/c/{world.county.slug}/programs/budget/",
        {
            "budget_line": budget.pk,
            "date": "2025-03-01",
            "payee": "县物流公司",
            "amount": "300.00",
            "description": "村级站点快递柜",
            "evidence": SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 invoice", "application/pdf"),
        },
    )
    assert response.status_code == 302
    spending = Spending.objects.get()
    key = f"private/{spending.evidence.name}"
    assert key in _keys(bucket)
    assert not any(k.startswith("media/") for k in _keys(bucket))
    # Nobody but the owner is granted anything on the object: no anonymous read.
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=key)["Grants"]
    assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants), grants
    # Any URL the storage gives is signed and short-lived; the pages link countyhub's view.
    assert "X-Amz-Signature=" in spending.evidence.url
    assert "X-Amz-Expires=300" in spending.evidence.url
    plain = spending.evidence.url.split("?", 1)[0]
    assert plain == f"{bucket.endpoint}/{bucket.name}/{key}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(plain, timeout=10)
    assert refused.value.code == 403
    view = f"/c/{world.county.slug}/programs/evidence/spending/{spending.pk}/"
    page = client.get(f"/c/{world.county.slug}/programs/budget/").content.decode()
    assert view in page and bucket.endpoint not in page

    downloaded = client.get(view)
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == b"%PDF-1.4 invoice"
    assert downloaded["Content-Disposition"].startswith("attachment;")
    for role in ("other_county_admin", "seller_staff", "analyst"):
        client.force_login(world.users[role])
        assert client.get(view).status_code in (403, 404), role


@pytest.mark.django_db(transaction=True)
def test_a_backup_says_the_object_stores_are_left_to_the_stores_tools(world, bucket, tmp_path):
    storages["private"].save("evidence/receipt.pdf", ContentFile(b"%PDF-1.4 a receipt"))
    manifest = backups.create_backup(tmp_path / "county.tar.gz")
    assert set(manifest.skipped_storages) == {"media", "private"}
    assert "object storage" in manifest.skipped_storages["private"]
    assert not any(name.startswith(("media/", "private/")) for name in manifest.files)
    assert Path(tmp_path / "county.tar.gz").exists()
    assert backups.describe(manifest)["skipped"] == manifest.skipped_storages
