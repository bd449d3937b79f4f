"""The demo county, built once for the tests of this package (building it through the services
takes most of a minute) and rolled back after them."""

import pytest
from django.db import transaction
from django.test import override_settings

from countyhub.core.models import County
from countyhub.demo import build_demo, data


@pytest.fixture(scope="package")
def demo_county(django_db_setup, django_db_blocker, tmp_path_factory):
    settings = {
        "MEDIA_ROOT": tmp_path_factory.mktemp("demo-media"),
        # Hashing is not under test (as in the root conftest).
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    }
    with django_db_blocker.unblock(), override_settings(**settings), transaction.atomic():
        build_demo()
        yield County.objects.get(slug=data.COUNTY["slug"])
        # Each test ran in a savepoint inside this transaction; nothing of the demo stays.
        transaction.set_rollback(True)
