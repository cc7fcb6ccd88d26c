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


@task()
def send_finding_reply_reminders() -> dict[str, int]:
    """Daily: remind inquiries on warning findings that await the unit's reply (函复催办)."""
    from renda.budget.services.finding_reminders import finding_reply_reminders_send

    return finding_reply_reminders_send()
