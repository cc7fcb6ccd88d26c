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


# --- the import's one door -----------------------------------------------------------------------

UNITS_CSV = "unit_code,unit_name\n1,财政局\n"


def test_the_command_imports_as_the_named_user_and_the_batch_is_theirs(budget_staff, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    call_command(
        "budget_import", "--kind", "units", "--year", "2025", str(path), "--as", budget_staff.username
    )
    batch = ImportBatch.objects.get(kind="units")
    assert (batch.actor, batch.source, batch.status) == (
        budget_staff,
        ImportBatch.Source.COMMAND,
        ImportBatch.Status.APPLIED,
    )
    assert AuditEvent.objects.filter(actor=budget_staff, action="budget.import_units").count() == 1


def test_the_command_refuses_an_unknown_or_unpermitted_user(deputy_user, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    for who in ("nobody-here", deputy_user.username):
        with pytest.raises(CommandError) as refused:
            call_command("budget_import", "--kind", "units", "--year", "2025", str(path), "--as", who)
        assert refused.value.returncode == 2
    refusals = AuditEvent.objects.filter(actor=deputy_user, outcome="refused", action="budget.import_data")
    assert refusals.exists()
    assert not ImportBatch.objects.filter(kind="units").exists()


def test_the_engine_writes_no_audit_row_the_service_writes_the_batch_s(db, tmp_path):
    from renda.budget.import_engine import import_path

    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    batch = ImportBatch.objects.create(kind="units", year=2025, source=ImportBatch.Source.COMMAND)
    result = import_path(kind="units", year=2025, path=path, batch=batch, track=False)
    assert result.inserted == 1 and not AuditEvent.objects.exists()
    path.write_text("unit_code,unit_name\n1,财政局（改）\n", encoding="utf-8")
    again = budget_import(actor=None, kind="units", year=2025, source=path).result
    assert again is not None and again.updated == 1
    assert AuditEvent.objects.filter(action="budget.import_units").count() == 1
    assert AuditEvent.objects.filter(action="budget.import_units_change").count() == 1


def test_the_import_service_and_the_task_do_not_import_each_other():
    import ast
    from pathlib import Path

    import renda.budget.services.imports as service_module

    tree = ast.parse(Path(service_module.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert "renda.budget.tasks" not in imported
