"""Background work of the budget module (django-tasks).

The task calls the import service; the service never imports this module (the app registers the
task with it at start), so the two do not import each other.
"""

from __future__ import annotations

from django_tasks import task

from renda.budget.services.imports import budget_import_run


@task()
def import_batch_run(batch_id: int) -> None:
    """Import an uploaded file; the upload page follows the batch row's progress."""
    budget_import_run(batch_id=batch_id)
