import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(settings):
    # Messages are asserted in English; test_i18n asks for zh-Hans explicitly (cookie).
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
