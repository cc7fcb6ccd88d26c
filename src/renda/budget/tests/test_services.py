"""Services of the budget module refuse the wrong actors, and the refusals are audited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from renda.budget.models import ImportBatch
from renda.budget.services.imports import budget_import
from renda.core.models import AuditEvent
from renda.core.permissions import PermissionRefused

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who", ["deputy_user", "unit_user", "citizen_user", "staff_user", "finance_feed_user"]
)
def test_only_budget_staff_and_admins_may_upload(request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionRefused):
        budget_import(
            actor=actor,
            kind="units",
            year=2025,
            source=SimpleUploadedFile("u.csv", b"x"),
            background=True,
        )
    assert AuditEvent.objects.filter(actor=actor, outcome="refused", action="budget.import_data").exists()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("who", ["admin_user", "budget_staff", "deputy_user", "citizen_user"])
def test_only_the_finance_feed_may_push_rows(request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionRefused):
        budget_import(actor=actor, kind="units", year=2025, source=[{"unit_code": "1", "unit_name": "x"}])
    assert AuditEvent.objects.filter(actor=actor, outcome="refused", action="budget.feed_data").exists()


def test_an_admin_may_upload(admin_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    upload = SimpleUploadedFile("u.csv", "unit_code,unit_name\n1,财政局\n".encode())
    batch = budget_import(actor=admin_user, kind="units", year=2025, source=upload, background=True).batch
    assert AuditEvent.objects.filter(action="budget.upload", object_id=str(batch.pk)).exists()
