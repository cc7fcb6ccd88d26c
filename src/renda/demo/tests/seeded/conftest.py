"""The tests under ``seeded/`` read one demo county, seeded once for all of them.

A whole seed takes tens of seconds (three budget years, report PDFs, a year of suggestions,
opinions and activities), so it runs once per test process, like Django's ``setUpTestData``: inside
an outer transaction that each test's own transaction nests in (as a savepoint) and that is rolled
back when the last test here has run. The modules here carry ``xdist_group("demo-county")`` so that
one worker runs them all, one after another (``--dist loadgroup``).
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="package", autouse=True)
def demo_county(django_db_setup, django_db_blocker) -> object:
    """The seed's printed output; the county is in the database for every test under ``seeded/``."""
    with django_db_blocker.unblock(), override_settings(RENDA_DEMO=True, PASSWORD_HASHERS=FAST_HASHER):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = StringIO()
            call_command("demo_seed", stdout=out, stderr=StringIO())
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The seed (and a second seed in a test) hashes the demo password: a fast hasher, same behaviour."""
    settings.PASSWORD_HASHERS = FAST_HASHER
