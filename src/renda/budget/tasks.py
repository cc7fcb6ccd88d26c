"""Background work of the budget module (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def import_batch_run(batch_id: int) -> None:
    """Import an uploaded file; the upload page follows the batch row's progress."""
    from renda.budget.services.imports import budget_import_run

    budget_import_run(batch_id=batch_id)
