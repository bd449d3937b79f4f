"""Pages of programs and training switch language (the catalogues: tests/core/test_translations.py)."""

import pytest


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
