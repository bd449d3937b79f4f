"""Every string of programs and training has a zh-Hans translation, and pages switch language."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import countyhub

ROOT = Path(countyhub.__file__).parent


@pytest.mark.parametrize("app", ["programs", "training"])
def test_every_message_is_translated(app):
    with (ROOT / app / "locale/zh_Hans/LC_MESSAGES/django.po").open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []
    assert len(catalog) > 50


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "指标看板"), ("en", "KPI dashboard")]
)
def test_dashboard_in_both_languages(world, client, language, expected):
    client.force_login(world.users["county_admin"])
    client.cookies["django_language"] = language
    page = client.get(f"/c/{world.county.slug}/programs/").content.decode()
    assert f"<h1>{expected}" in page


def test_public_verification_page_in_chinese(client, db):
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/verify/certificate/unknown/").content.decode()
    assert "没有此验证码的证书。" in page
